// Raw linalg ops (placeholder: filled in by the linalg work).
#pragma once

#include "tensor/tensor.h"

namespace mica::ops {}  // namespace mica::ops
