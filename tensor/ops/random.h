// Raw random ops (placeholder: filled in by the random work).
#pragma once

#include "tensor/tensor.h"

namespace mica::ops {}  // namespace mica::ops
