// mica's public API in one header: #include <mica/mica.h> (installed) or "mica.h" (in tree).
#pragma once

#include "autograd/autograd.h"
#include "data/collate.h"
#include "data/dataloader.h"
#include "data/dataset.h"
#include "data/hdf5_io.h"
#include "data/idx.h"
#include "data/png.h"
#include "data/sampler.h"
#include "data/text.h"
#include "data/transforms.h"
#include "data/wav.h"
#include "tensor/allocator.h"
#include "tensor/generator.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor/tensor.h"
