// The tensor layer's op API (non-differentiable raw ops): factories and random sampling in
// namespace mica, math in namespace mica::ops. One header per op family under tensor/ops/.
#pragma once

#include "tensor/ops/attention.h"
#include "tensor/ops/conv.h"
#include "tensor/ops/factory.h"
#include "tensor/ops/indexing.h"
#include "tensor/ops/linalg.h"
#include "tensor/ops/nn.h"
#include "tensor/ops/pointwise.h"
#include "tensor/ops/random.h"
#include "tensor/ops/reduction.h"
