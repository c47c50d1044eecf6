// mica's public API in one header: #include <mica/mica.h> (installed) or "mica.h" (in tree).
#pragma once

#include "autograd/autograd.h"
#include "data/idx.h"
#include "data/png.h"
#include "tensor/allocator.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor/tensor.h"
