// A conv + group-norm + SiLU block (the U-Net's basic unit) against PyTorch: output and the
// gradients of input, conv weight and bias, and group-norm affine parameters (rtol 1e-5).
#include "composite_golden_util.h"

namespace mica::test {
namespace {

// in: x [N, 4, H, W], w [8, 4, 3, 3], b [8], gamma [8], beta [8] -> [N, 8, H, W]
Tensor conv_gn_silu(const std::vector<Tensor>& in) {
  const Tensor h = conv2d(in[0], in[1], in[2], {1}, {1});
  return silu(group_norm(h, 2, in[3], in[4], 1e-5));
}

TEST(CompositeGolden, ConvGroupNormSilu) {
  check_composite("conv_gn_silu", conv_gn_silu, true);
}

}  // namespace
}  // namespace mica::test
