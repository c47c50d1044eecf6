// Raw nn ops (placeholder: filled in by the nn work).
#pragma once

#include "tensor/tensor.h"

namespace mica::ops {}  // namespace mica::ops
