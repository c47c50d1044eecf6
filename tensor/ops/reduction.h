// Raw reduction ops (placeholder: filled in by the reduction work).
#pragma once

#include "tensor/tensor.h"

namespace mica::ops {}  // namespace mica::ops
