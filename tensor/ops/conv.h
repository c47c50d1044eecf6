// Raw conv ops (placeholder: filled in by the conv work).
#pragma once

#include "tensor/tensor.h"

namespace mica::ops {}  // namespace mica::ops
