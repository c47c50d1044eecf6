// Raw indexing ops (placeholder: filled in by the indexing work).
#pragma once

#include "tensor/tensor.h"

namespace mica::ops {}  // namespace mica::ops
