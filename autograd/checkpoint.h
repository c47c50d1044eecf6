// Activation checkpointing (like torch.utils.checkpoint, reentrant form): the wrapped function
// runs without recording in the forward pass, so none of its intermediate activations stay in
// memory; in the backward pass it runs again with recording (from the same RNG state, so dropout
// masks repeat) and is differentiated, trading one extra forward for the memory.
//
//   Tensor h = autograd::checkpoint([&](const Tensor& x) { return block->forward(x); }, h);
//
// Gradients reach the inputs and every tensor fn uses without taking it as an input (e.g.
// parameters captured by the lambda): the recomputed graph is backpropagated into their .grad(),
// as torch's reentrant checkpoint does. Hence: at least one input must require grad for anything
// to be recorded, go through backward() rather than grad() when fn captures parameters, and
// create_graph (double backward) through a checkpoint is refused with a mica::Error.
#pragma once

#include <functional>
#include <vector>

#include "tensor/tensor.h"

namespace mica::autograd {

using CheckpointFn = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;

std::vector<Tensor> checkpoint(const CheckpointFn& fn, const std::vector<Tensor>& inputs);
Tensor checkpoint(const std::function<Tensor(const Tensor&)>& fn, const Tensor& x);

}  // namespace mica::autograd
