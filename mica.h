// mica's public API in one header: #include <mica/mica.h> (installed) or "mica.h" (in tree).
#pragma once

#include "data/idx.h"
#include "data/metrics.h"
#include "data/plot.h"
#include "data/png.h"
#include "data/progress.h"
#include "data/run.h"
#include "tensor/allocator.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor/tensor.h"
