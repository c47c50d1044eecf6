// CUDA backend of the normalization ops (layer_norm, rms_norm, group_norm, batch_norm): the
// same contracts as tensor/cpu/nn.h (statistics in the compute type, 16-bit inputs computing in
// float). Front-ends in tensor/ops/norm.cpp validate, make x contiguous and allocate. Built from
// norm.cu with CUDA, or from stub_norm.cpp without it (every call throws).
#pragma once

#include <cstdint>

#include "tensor/tensor.h"

namespace mica::cuda {

// x, out: contiguous [rows, m] on one GPU; weight, bias: normalized-shape tensors (m elements)
// or undefined; mean, rstd: contiguous with rows elements (stat dtype).
void layer_norm(const Tensor& out, const Tensor& mean, const Tensor& rstd, const Tensor& x,
                const Tensor& weight, const Tensor& bias, int64_t rows, int64_t m, double eps);
// x, out: contiguous [rows, m]; weight: m elements or undefined; rstd: rows elements.
void rms_norm(const Tensor& out, const Tensor& rstd, const Tensor& x, const Tensor& weight,
              int64_t rows, int64_t m, double eps);
// x, out: contiguous [n, c, hw]; weight, bias: [c] (any stride) or undefined; mean, rstd: [n, g].
void group_norm(const Tensor& out, const Tensor& mean, const Tensor& rstd, const Tensor& x,
                const Tensor& weight, const Tensor& bias, int64_t n, int64_t c, int64_t hw,
                int64_t groups, double eps);
// x, out: contiguous [n, c, hw]; weight, bias, running stats: [c] (any stride) or undefined;
// save_mean, save_invstd: contiguous [c]. Updates the running stats in place when training.
void batch_norm(const Tensor& out, const Tensor& save_mean, const Tensor& save_invstd,
                const Tensor& x, const Tensor& weight, const Tensor& bias,
                const Tensor& running_mean, const Tensor& running_var, int64_t n, int64_t c,
                int64_t hw, bool training, double momentum, double eps);

}  // namespace mica::cuda
