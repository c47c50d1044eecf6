// Workload W5 (shared/WORKLOADS.md): DDPM U-Net 32x32x1 on Fashion-MNIST (padded with -1 to
// 32x32), channels (32, 64, 128), 2 res blocks per level, single-head attention at 8x8, batch 64
// from the hash epoch permutation, timesteps t_b = h(1337, 5, s*64 + b) mod 1000, epsilon from the
// framework RNG, AdamW lr 1e-3 wd 0.01; 3 warm-up + 30 timed steps, median ms/step. Built from leaf
// parameter tensors and mica's functional ops with PyTorch's default init (parameters created in
// the PyTorch peer's module order). Prints one JSON line (bench/run_workloads.py reads it).
//
// Usage: w5_ddpm_unet [--steps N] (default 33 = 3 warm-up + 30 timed)
#include <memory>

#include "bench/workload_util.h"
#include "data/sample_hash.h"

using namespace mica;
using namespace mica::bench;

namespace {

constexpr int64_t kBatch = 64;
constexpr int64_t kWarmup = 3;
constexpr int64_t kDefaultSteps = 33;
constexpr int64_t kTimesteps = 1000;
constexpr int64_t kTemb = 128;
constexpr int64_t kGroups = 8;
constexpr int64_t kParams = 3939393;

// Every parameter, in creation order (the optimizer's list).
std::vector<Tensor>& registry() {
  static std::vector<Tensor> ps;
  return ps;
}
Tensor param(const Shape& shape, double bound) {
  registry().push_back(uniform_param(shape, bound));
  return registry().back();
}

// Conv2d(in -> out, k x k, bias): weight and bias ~ U(+-1/sqrt(in*k*k)).
struct Conv {
  Tensor w, b;
  int64_t stride = 1, pad = 0;
  Conv(int64_t in, int64_t out, int64_t k, int64_t stride_ = 1) : stride(stride_), pad(k / 2) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(in * k * k));
    w = param({out, in, k, k}, bound);
    b = param({out}, bound);
  }
  // x: [B, in, H, W] -> [B, out, H/stride, W/stride]
  Tensor operator()(const Tensor& x) const { return conv2d(x, w, b, {stride}, {pad}); }
};

// Linear(in -> out): weight and bias ~ U(+-1/sqrt(in)).
struct Lin {
  Tensor w, b;
  Lin(int64_t in, int64_t out) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(in));
    w = param({out, in}, bound);
    b = param({out}, bound);
  }
  Tensor operator()(const Tensor& x) const { return linear(x, w, b); }  // [*, in] -> [*, out]
};

// GroupNorm(8, c), eps 1e-5: weight 1, bias 0.
struct Gn {
  Tensor w, b;
  explicit Gn(int64_t c) {
    w = ones({c}).requires_grad_(true);
    b = zeros({c}).requires_grad_(true);
    registry().push_back(w);
    registry().push_back(b);
  }
  Tensor operator()(const Tensor& x) const { return group_norm(x, kGroups, w, b, 1e-5); }
};

// h = Conv3x3(SiLU(GN(x))) + Linear(SiLU(temb)); h = Conv3x3(SiLU(GN(h))); skip(x) + h.
struct ResBlock {
  Gn norm1;
  Conv conv1;
  Lin temb;
  Gn norm2;
  Conv conv2;
  std::unique_ptr<Conv> skip;  // Conv1x1 when cin != cout
  ResBlock(int64_t cin, int64_t cout)
      : norm1(cin), conv1(cin, cout, 3), temb(kTemb, cout), norm2(cout), conv2(cout, cout, 3) {
    if (cin != cout) skip = std::make_unique<Conv>(cin, cout, 1);
  }
  // x: [B, cin, H, W], temb_act = SiLU(temb): [B, 128] -> [B, cout, H, W]
  Tensor operator()(const Tensor& x, const Tensor& temb_act) const {
    Tensor h = conv1(silu(norm1(x)));
    h = add(h, temb(temb_act).unsqueeze(2).unsqueeze(3));
    h = conv2(silu(norm2(h)));
    return add(skip ? (*skip)(x) : x, h);
  }
};

// Single-head self-attention over the H*W positions: x + proj(v softmax(q^T k / sqrt(c))^T).
struct Attn {
  Gn norm;
  Conv qkv, proj;
  explicit Attn(int64_t c) : norm(c), qkv(c, 3 * c, 1), proj(c, c, 1) {}
  // x: [B, c, H, W] -> [B, c, H, W]
  Tensor operator()(const Tensor& x) const {
    const int64_t b = x.size(0), c = x.size(1), hh = x.size(2), ww = x.size(3);
    const std::vector<Tensor> qkv_ =
        chunk(qkv(norm(x)).reshape({b, 3 * c, hh * ww}), 3, 1);  // 3 x [B, c, N]
    const Tensor scores = div(bmm(qkv_[0].transpose(1, 2), qkv_[1]),
                              std::sqrt(static_cast<double>(c)));  // [B, Nq, Nk]
    const Tensor a = softmax(scores, -1);
    const Tensor o = bmm(qkv_[2], a.transpose(1, 2)).reshape({b, c, hh, ww});  // [B, c, H, W]
    return add(x, proj(o));
  }
};

// The U-Net; its members are created (and initialized) in the PyTorch peer's module order.
struct UNet {
  Lin temb1{32, kTemb}, temb2{kTemb, kTemb};
  Conv conv_in{1, 32, 3};
  // Down path (each stage pushes its output): RB, RB, Down at 32x32; RB, RB, Down at 16x16;
  // RB + Attn twice at 8x8.
  ResBlock d1{32, 32}, d2{32, 32};
  Conv down1{32, 32, 3, 2};
  ResBlock d3{32, 64}, d4{64, 64};
  Conv down2{64, 64, 3, 2};
  ResBlock d5{64, 128};
  Attn da5{128};
  ResBlock d6{128, 128};
  Attn da6{128};
  // Middle.
  ResBlock m1{128, 128};
  Attn ma{128};
  ResBlock m2{128, 128};
  // Up path (each RB takes concat(h, pop)).
  ResBlock u1{256, 128};
  Attn ua1{128};
  ResBlock u2{256, 128};
  Attn ua2{128};
  ResBlock u3{192, 128};
  Attn ua3{128};
  Conv up1{128, 128, 3};
  ResBlock u4{192, 64}, u5{128, 64}, u6{96, 64};
  Conv up2{64, 64, 3};
  ResBlock u7{96, 32}, u8{64, 32}, u9{64, 32};
  Gn norm_out{32};
  Conv conv_out{32, 1, 3};

  Tensor freq;  // [16]: exp(-ln(10000) k / 15), float32 as torch computes it
  UNet() {
    NoGradGuard no_grad;
    freq = exp(mul(arange(16, TensorOptions(kFloat32)), -std::log(10000.0) / 15.0));
  }

  // x: [B, 1, 32, 32], t: int64 [B] -> eps_hat [B, 1, 32, 32]
  Tensor operator()(const Tensor& x, const Tensor& t) const {
    const Tensor arg = mul(t.to(kFloat32).unsqueeze(1), freq.unsqueeze(0));  // [B, 16]
    const Tensor emb = cat({sin(arg), cos(arg)}, 1);                         // [B, 32]
    const Tensor te = silu(temb2(silu(temb1(emb))));  // SiLU(temb), as every ResBlock uses it
    std::vector<Tensor> hs;
    Tensor h = conv_in(x);
    hs.push_back(h);
    for (const ResBlock* rb : {&d1, &d2}) hs.push_back(h = (*rb)(h, te));
    hs.push_back(h = down1(h));
    for (const ResBlock* rb : {&d3, &d4}) hs.push_back(h = (*rb)(h, te));
    hs.push_back(h = down2(h));
    hs.push_back(h = da5(d5(h, te)));
    hs.push_back(h = da6(d6(h, te)));
    h = m2(ma(m1(h, te)), te);
    auto pop_cat = [&hs](const Tensor& a) {
      Tensor r = cat({a, hs.back()}, 1);
      hs.pop_back();
      return r;
    };
    h = ua1(u1(pop_cat(h), te));
    h = ua2(u2(pop_cat(h), te));
    h = ua3(u3(pop_cat(h), te));
    h = up1(upsample_nearest2d(h, std::nullopt, std::vector<double>{2.0, 2.0}));
    for (const ResBlock* rb : {&u4, &u5, &u6}) h = (*rb)(pop_cat(h), te);
    h = up2(upsample_nearest2d(h, std::nullopt, std::vector<double>{2.0, 2.0}));
    for (const ResBlock* rb : {&u7, &u8, &u9}) h = (*rb)(pop_cat(h), te);
    MICA_CHECK(hs.empty(), "w5_ddpm_unet: skip stack not empty");
    return conv_out(silu(norm_out(h)));
  }
};

}  // namespace

int main(int argc, char** argv) {
  const Args args(argc, argv);
  const int64_t steps = args.get_int("--steps", kDefaultSteps);
  MICA_CHECK(steps > kWarmup && steps * kBatch <= 60000, "w5_ddpm_unet: --steps must be in (",
             kWarmup, ", ", 60000 / kBatch, "]");
  setup();
  // x0 = pixels / 127.5 - 1, padded 2 px with -1: [60000, 1, 32, 32]
  const Tensor train = ops::pad(fashion_images("train", 1.0 / 127.5, -1.0), {2, 2, 2, 2},
                                ops::PadMode::Constant, -1.0);
  const Tensor perm = perm_tensor(train.size(0));

  // Schedule in float64, then sqrt(abar) and sqrt(1 - abar) cast to float32.
  std::vector<float> sqrt_ab(kTimesteps), sqrt_1m_ab(kTimesteps);
  double abar = 1.0;
  for (int64_t i = 0; i < kTimesteps; ++i) {
    // numpy.linspace: start + i * ((stop - start) / (n - 1)), the last one exactly stop.
    const double beta = i == kTimesteps - 1
                            ? 0.02
                            : 1e-4 + static_cast<double>(i) * ((0.02 - 1e-4) / (kTimesteps - 1));
    abar *= 1.0 - beta;
    sqrt_ab[i] = static_cast<float>(std::sqrt(abar));
    sqrt_1m_ab[i] = static_cast<float>(std::sqrt(1.0 - abar));
  }
  const Tensor sqrt_ab_t = from_vector(sqrt_ab, {kTimesteps});
  const Tensor sqrt_1m_ab_t = from_vector(sqrt_1m_ab, {kTimesteps});

  const UNet model;
  const std::vector<Tensor> params = registry();
  MICA_CHECK(param_count(params) == kParams, "w5_ddpm_unet: parameter count ", param_count(params));
  optim::AdamW opt(params, {.lr = 1e-3, .betas = {0.9, 0.999}, .eps = 1e-8, .weight_decay = 0.01});

  std::vector<double> times;
  double loss0 = NAN, loss_last = NAN;
  for (int64_t s = 0; s < steps; ++s) {
    const Tensor x0 = batch_of(train, perm, s, kBatch);  // [64, 1, 32, 32]
    std::vector<int64_t> tv(kBatch);
    for (int64_t b = 0; b < kBatch; ++b)
      tv[b] = static_cast<int64_t>(
          data::sample_hash(kSeed, 5, static_cast<uint64_t>(s * kBatch + b)) % kTimesteps);
    const Tensor t = from_vector(tv, {kBatch}, TensorOptions(kInt64));
    const Tensor eps = randn({kBatch, 1, 32, 32});
    const double t0 = now_ms();
    opt.zero_grad();
    const Tensor xt = add(mul(index_select(sqrt_ab_t, 0, t).reshape({kBatch, 1, 1, 1}), x0),
                          mul(index_select(sqrt_1m_ab_t, 0, t).reshape({kBatch, 1, 1, 1}), eps));
    const Tensor loss = mse_loss(model(xt, t), eps);
    loss.backward();
    opt.step();
    const double l = loss.item<double>();
    const double t1 = now_ms();
    if (s >= kWarmup) times.push_back(t1 - t0);
    if (s == 0) loss0 = l;
    loss_last = l;
  }

  const Stats st = stats_of(times);
  JsonLine()
      .str("workload", "w5")
      .str("impl", "mica")
      .num("steps", static_cast<double>(steps))
      .num("median_ms", st.median)
      .num("min_ms", st.min)
      .num("max_ms", st.max)
      .integer("params", param_count(params))
      .num("loss_step0", loss0)
      .num("loss_last", loss_last)
      .num("peak_rss_mb", peak_rss_mb())
      .num("threads", kThreads)
      .print();
  return 0;
}
