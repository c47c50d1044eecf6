// nn::init: in-place parameter initializers with PyTorch's names, defaults and formulas
// (torch.nn.init). Each fills its tensor under NoGradGuard (so parameters that require grad can
// be initialized), returns the same handle, and takes an optional Generator (null: the default
// generator of the tensor's device). Nonlinearity and fan-mode names are torch's strings.
#pragma once

#include <optional>
#include <string_view>
#include <utility>

#include "tensor/generator.h"
#include "tensor/tensor.h"

namespace mica::nn::init {

// The recommended gain for a nonlinearity: "linear", "conv1d/2d/3d", "conv_transpose1d/2d/3d",
// "sigmoid" -> 1; "tanh" -> 5/3; "relu" -> sqrt(2); "leaky_relu" -> sqrt(2 / (1 + slope^2))
// (param = slope, default 0.01); "selu" -> 3/4.
double calculate_gain(std::string_view nonlinearity, std::optional<double> param = std::nullopt);
// t: [out, in, k...] (>= 2 dims) -> {fan_in = in * prod(k), fan_out = out * prod(k)}.
std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& t);
// fan_in or fan_out by mode ("fan_in" / "fan_out").
int64_t calculate_correct_fan(const Tensor& t, std::string_view mode);

Tensor uniform_(Tensor t, double a = 0, double b = 1, Generator* gen = nullptr);
Tensor normal_(Tensor t, double mean = 0, double std = 1, Generator* gen = nullptr);
Tensor constant_(Tensor t, double value);
Tensor zeros_(Tensor t);
Tensor ones_(Tensor t);
// 2-d: the identity (ones on the main diagonal).
Tensor eye_(Tensor t);

// U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)).
Tensor xavier_uniform_(Tensor t, double gain = 1, Generator* gen = nullptr);
// N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out)).
Tensor xavier_normal_(Tensor t, double gain = 1, Generator* gen = nullptr);
// U(-bound, bound), bound = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a),
// fan by mode. A tensor with no elements is left alone.
Tensor kaiming_uniform_(Tensor t, double a = 0, std::string_view mode = "fan_in",
                        std::string_view nonlinearity = "leaky_relu", Generator* gen = nullptr);
// N(0, std^2), std = gain / sqrt(fan).
Tensor kaiming_normal_(Tensor t, double a = 0, std::string_view mode = "fan_in",
                       std::string_view nonlinearity = "leaky_relu", Generator* gen = nullptr);
// N(mean, std^2) truncated to [a, b], by inverse-CDF sampling like torch.
Tensor trunc_normal_(Tensor t, double mean = 0, double std = 1, double a = -2, double b = 2,
                     Generator* gen = nullptr);
// t: >= 2 dims, viewed as [rows = size(0), cols = numel / rows]. A (semi-)orthogonal matrix
// from the QR decomposition of a normal matrix, signs fixed by diag(R) (torch's recipe),
// times gain.
Tensor orthogonal_(Tensor t, double gain = 1, Generator* gen = nullptr);

}  // namespace mica::nn::init
