// The differentiable op API: mica::add, mica::matmul, ... and Tensor operators. Each op runs the
// raw op of the tensor layer (mica::ops) and, when an input requires grad, records a node whose
// backward sits next to the forward in autograd/functions/<family>.cpp. One header per family.
#pragma once

#include "autograd/ops/attention.h"
#include "autograd/ops/conv.h"
#include "autograd/ops/linalg.h"
#include "autograd/ops/loss.h"
#include "autograd/ops/nn.h"
#include "autograd/ops/norm.h"
#include "autograd/ops/pointwise.h"
#include "autograd/ops/reduction.h"
#include "autograd/ops/shape.h"
