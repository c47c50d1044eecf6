// The autograd layer in one header: differentiable ops, the engine (backward, grad), grad modes,
// gradcheck, custom functions and checkpointing. Including it installs autograd before main.
#pragma once

#include "autograd/autocast.h"
#include "autograd/checkpoint.h"
#include "autograd/custom_function.h"
#include "autograd/engine.h"
#include "autograd/gradcheck.h"
#include "autograd/meta.h"
#include "autograd/ops.h"

namespace mica::autograd::detail {
// Runs init() during static initialization of every translation unit that includes this header
// (the user's own object files, which the linker always keeps).
inline const bool kInstalled = (init(), true);
}  // namespace mica::autograd::detail
