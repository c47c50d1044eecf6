// Op-table rows for the random family. Random ops are deterministic given the generator's
// (seed, offset), so each row's reference is the independent Philox implementation of the
// documented element-to-counter mapping (random_ref.h), seeded identically: values must match
// exactly, for contiguous, non-contiguous and zero-size outputs and for seeds/offsets that
// exercise the high counter and key words.
#include "op_table.h"
#include "random_ref.h"

namespace mica::test {

namespace {
// Sample::ints layout shared by the rows: {seed, offset, op-specific...}.
uint64_t seed_of(const Sample& s) {
  return static_cast<uint64_t>(s.ints[0]);
}
uint64_t offset_of(const Sample& s) {
  return static_cast<uint64_t>(s.ints[1]);
}

// The sample's dtype on the device under test (rows that create their output tensor).
TensorOptions on_device(const Sample& s) {
  return TensorOptions(s.dtype).device(s.device);
}

// A generator at the sample's state.
struct SampleGen {
  Generator g;
  explicit SampleGen(const Sample& s) { g.set_state({seed_of(s), offset_of(s)}); }
};

// (seed, offset) pairs: zero, all-ones seed, an offset about to carry into counter word 1, and
// random ones.
std::vector<std::pair<uint64_t, uint64_t>> states(std::mt19937_64& rng) {
  return {{0, 0},
          {~uint64_t{0}, 3},
          {0x243F6A8885A308D3ull, 0xFFFFFFFEull},
          {rng(), rng() >> 20},
          {rng(), 0}};
}

std::vector<Shape> fill_shapes() {
  return {{}, {7}, {3, 4}, {2, 3, 5}, {0, 3}, {1001}};
}

// Samples whose input 0 is the tensor to fill (or, for factories, only carries the shape):
// every shape at every state, plus non-contiguous layouts.
std::vector<Sample> fill_samples(DType dt, std::mt19937_64& rng, std::vector<int64_t> extra = {},
                                 std::vector<double> reals = {}) {
  std::vector<Sample> out;
  const auto st = states(rng);
  size_t k = 0;
  for (const Shape& shape : fill_shapes()) {
    const auto& [seed, offset] = st[k++ % st.size()];
    std::vector<int64_t> ints{static_cast<int64_t>(seed), static_cast<int64_t>(offset)};
    ints.insert(ints.end(), extra.begin(), extra.end());
    out.push_back({{zeros(shape, dt)}, ints, reals, shape_str(shape)});
  }
  for (const auto& [seed, offset] : st) {
    std::vector<int64_t> ints{static_cast<int64_t>(seed), static_cast<int64_t>(offset)};
    ints.insert(ints.end(), extra.begin(), extra.end());
    out.push_back({{non_contiguous(zeros({5, 6}, dt))}, ints, reals, "[5, 6] non-contiguous"});
    out.push_back({{non_contiguous(zeros({9}, dt))}, ints, reals, "[9] strided"});
  }
  return out;
}

Tensor ref_tensor(const Shape& shape, const std::vector<double>& v) {
  return from_values(shape, v);
}

OpInfo exact_row(std::string name, std::vector<DType> dtypes) {
  OpInfo info;
  info.name = std::move(name);
  info.dtypes = std::move(dtypes);
  info.tol = [](DType) { return Tol{0, 0}; };
  info.differentiable = false;
  return info;
}
// Normal draws on the GPU use its log, sin and cos: within a few ulps of the CPU's values.
Tol normal_cuda_tol(DType dt) {
  const double eps = dt == kFloat64   ? 0x1p-52
                     : dt == kFloat32 ? 0x1p-23
                     : dt == kFloat16 ? 0x1p-10
                                      : 0x1p-7;
  return Tol{4 * eps, 4 * eps};
}
}  // namespace

std::vector<OpInfo> random_op_infos() {
  std::vector<OpInfo> rows;

  // rand / uniform_: reals {from, to} (rand: [0, 1)).
  {
    OpInfo r = exact_row("rand", kFloatingDTypes);
    r.samples = [](DType dt, std::mt19937_64& rng) { return fill_samples(dt, rng); };
    r.run = [](const Sample& s) {
      SampleGen g(s);
      return std::vector<Tensor>{rand(s.inputs[0].sizes(), on_device(s), &g.g)};
    };
    r.reference = [](const Sample& s) {
      const Shape& sh = s.inputs[0].sizes();
      return std::vector<Tensor>{
          ref_tensor(sh, ref::uniform(s.dtype, seed_of(s), offset_of(s), shape_numel(sh), 0, 1))};
    };
    rows.push_back(r);
  }
  {
    OpInfo r = exact_row("uniform_", kFloatingDTypes);
    r.samples = [](DType dt, std::mt19937_64& rng) {
      auto a = fill_samples(dt, rng, {}, {-3, 5});
      auto b = fill_samples(dt, rng, {}, {2, 2.5});
      a.insert(a.end(), b.begin(), b.end());
      return a;
    };
    r.run = [](const Sample& s) {
      SampleGen g(s);
      Tensor t = s.inputs[0];
      ops::uniform_(t, s.reals[0], s.reals[1], &g.g);
      return std::vector<Tensor>{t};
    };
    r.reference = [](const Sample& s) {
      const Shape& sh = s.inputs[0].sizes();
      return std::vector<Tensor>{
          ref_tensor(sh, ref::uniform(s.dtype, seed_of(s), offset_of(s), shape_numel(sh),
                                      s.reals[0], s.reals[1]))};
    };
    rows.push_back(r);
  }

  // randn / normal_: reals {mean, std}.
  {
    OpInfo r = exact_row("randn", kFloatingDTypes);
    r.cuda_tol = normal_cuda_tol;
    r.samples = [](DType dt, std::mt19937_64& rng) { return fill_samples(dt, rng); };
    r.run = [](const Sample& s) {
      SampleGen g(s);
      return std::vector<Tensor>{randn(s.inputs[0].sizes(), on_device(s), &g.g)};
    };
    r.reference = [](const Sample& s) {
      const Shape& sh = s.inputs[0].sizes();
      return std::vector<Tensor>{
          ref_tensor(sh, ref::normal(s.dtype, seed_of(s), offset_of(s), shape_numel(sh), 0, 1))};
    };
    rows.push_back(r);
  }
  {
    OpInfo r = exact_row("normal_", kFloatingDTypes);
    r.cuda_tol = normal_cuda_tol;
    r.samples = [](DType dt, std::mt19937_64& rng) {
      auto a = fill_samples(dt, rng, {}, {1.5, 0.25});
      auto b = fill_samples(dt, rng, {}, {-2, 3});
      a.insert(a.end(), b.begin(), b.end());
      return a;
    };
    r.run = [](const Sample& s) {
      SampleGen g(s);
      Tensor t = s.inputs[0];
      ops::normal_(t, s.reals[0], s.reals[1], &g.g);
      return std::vector<Tensor>{t};
    };
    r.reference = [](const Sample& s) {
      const Shape& sh = s.inputs[0].sizes();
      return std::vector<Tensor>{ref_tensor(
          sh,
          ref::normal(s.dtype, seed_of(s), offset_of(s), shape_numel(sh), s.reals[0], s.reals[1]))};
    };
    rows.push_back(r);
  }

  // randint: ints {seed, offset, low, high}; int64 also with a range wider than 2^32.
  {
    OpInfo r = exact_row("randint", kAllDTypes);
    r.samples = [](DType dt, std::mt19937_64& rng) {
      const std::pair<int64_t, int64_t> lh = dt == kBool    ? std::pair<int64_t, int64_t>{0, 2}
                                             : dt == kUInt8 ? std::pair<int64_t, int64_t>{3, 200}
                                                            : std::pair<int64_t, int64_t>{-5, 17};
      auto out = fill_samples(dt, rng, {lh.first, lh.second});
      if (dt == kInt64) {
        auto wide = fill_samples(dt, rng, {-(int64_t{1} << 40), int64_t{1} << 41});
        out.insert(out.end(), wide.begin(), wide.end());
      }
      return out;
    };
    r.run = [](const Sample& s) {
      SampleGen g(s);
      return std::vector<Tensor>{
          randint(s.ints[2], s.ints[3], s.inputs[0].sizes(), on_device(s), &g.g)};
    };
    r.reference = [](const Sample& s) {
      const Shape& sh = s.inputs[0].sizes();
      return std::vector<Tensor>{ref_tensor(
          sh, ref::randint(seed_of(s), offset_of(s), shape_numel(sh), s.ints[2], s.ints[3]))};
    };
    rows.push_back(r);
  }

  // bernoulli(p): p drawn in [0, 1] (with exact 0 and 1 mixed in by the layouts' zeros).
  {
    OpInfo r = exact_row("bernoulli", kFloatingDTypes);
    r.samples = [](DType dt, std::mt19937_64& rng) {
      auto out = fill_samples(dt, rng);
      for (Sample& s : out) {
        Tensor p = s.inputs[0];
        p.copy_(rand_tensor(p.sizes(), kFloat64, rng, 0, 1));
      }
      return out;
    };
    r.run = [](const Sample& s) {
      SampleGen g(s);
      return std::vector<Tensor>{bernoulli(s.inputs[0], &g.g)};
    };
    r.reference = [](const Sample& s) {
      const Shape& sh = s.inputs[0].sizes();
      return std::vector<Tensor>{
          ref_tensor(sh, ref::bernoulli(seed_of(s), offset_of(s), values(s.inputs[0])))};
    };
    rows.push_back(r);
  }
  // bernoulli_(t, p scalar): any output dtype; reals {p}.
  {
    OpInfo r = exact_row("bernoulli_", kAllDTypes);
    r.samples = [](DType dt, std::mt19937_64& rng) {
      auto a = fill_samples(dt, rng, {}, {0.3});
      auto b = fill_samples(dt, rng, {}, {1.0});
      a.insert(a.end(), b.begin(), b.end());
      return a;
    };
    r.run = [](const Sample& s) {
      SampleGen g(s);
      Tensor t = s.inputs[0];
      ops::bernoulli_(t, s.reals[0], &g.g);
      return std::vector<Tensor>{t};
    };
    r.reference = [](const Sample& s) {
      const Shape& sh = s.inputs[0].sizes();
      const std::vector<double> p(static_cast<size_t>(shape_numel(sh)), s.reals[0]);
      return std::vector<Tensor>{ref_tensor(sh, ref::bernoulli(seed_of(s), offset_of(s), p))};
    };
    rows.push_back(r);
  }

  // dropout: outputs {output, mask}; reals {p}.
  {
    OpInfo r = exact_row("dropout", kFloatingDTypes);
    r.samples = [](DType dt, std::mt19937_64& rng) {
      std::vector<Sample> out;
      for (double p : {0.2, 0.5, 0.9}) {
        auto a = fill_samples(dt, rng, {}, {p});
        for (Sample& s : a) {
          Tensor x = s.inputs[0];
          x.copy_(rand_tensor(x.sizes(), dt, rng, -3, 3));
        }
        out.insert(out.end(), a.begin(), a.end());
      }
      return out;
    };
    r.run = [](const Sample& s) {
      SampleGen g(s);
      auto res = ops::dropout(s.inputs[0], s.reals[0], true, &g.g);
      return std::vector<Tensor>{res.output, res.mask};
    };
    r.reference = [](const Sample& s) {
      const Shape& sh = s.inputs[0].sizes();
      auto [o, m] =
          ref::dropout(s.dtype, seed_of(s), offset_of(s), values(s.inputs[0]), s.reals[0]);
      return std::vector<Tensor>{ref_tensor(sh, o), ref_tensor(sh, m)};
    };
    // Differentiable: a fresh generator at the sample's state draws the same mask on every call,
    // so gradcheck's perturbed evaluations are deterministic. The mask is a bool output (skipped).
    r.differentiable = true;
    r.grad_run = [](const Sample& s) {
      SampleGen g(s), gm(s);
      return std::vector<Tensor>{mica::dropout(s.inputs[0], s.reals[0], true, &g.g),
                                 ops::dropout(s.inputs[0], s.reals[0], true, &gm.g).mask};
    };
    r.gradgrad = true;
    rows.push_back(r);
  }

  // randperm: ints {seed, offset, n}.
  {
    OpInfo r = exact_row("randperm", {kInt64, kInt32, kFloat32, kFloat64});
    r.samples = [](DType, std::mt19937_64& rng) {
      std::vector<Sample> out;
      const auto st = states(rng);
      size_t k = 0;
      for (int64_t n : {0, 1, 2, 7, 100, 2000}) {
        const auto& [seed, offset] = st[k++ % st.size()];
        out.push_back({{},
                       {static_cast<int64_t>(seed), static_cast<int64_t>(offset), n},
                       {},
                       "n = " + std::to_string(n)});
      }
      return out;
    };
    r.run = [](const Sample& s) {
      SampleGen g(s);
      return std::vector<Tensor>{randperm(s.ints[2], on_device(s), &g.g)};
    };
    r.reference = [](const Sample& s) {
      return std::vector<Tensor>{
          ref_tensor({s.ints[2]}, ref::randperm(seed_of(s), offset_of(s), s.ints[2]))};
    };
    rows.push_back(r);
  }

  // multinomial: input 0 = probs [C] or [N, C] (some zero categories, non-contiguous too);
  // ints {seed, offset, num_samples, replacement}.
  {
    OpInfo r = exact_row("multinomial", kFloatingDTypes);
    r.samples = [](DType dt, std::mt19937_64& rng) {
      std::vector<Sample> out;
      const auto st = states(rng);
      auto weights = [&](const Shape& shape) {
        Tensor w = rand_tensor(shape, kFloat64, rng, 0, 1);
        std::vector<double> v = values(w);
        for (size_t i = 0; i < v.size(); i += 3) v[i] = 0;  // some impossible categories
        return from_values(shape, v, dt);
      };
      size_t k = 0;
      for (bool repl : {true, false}) {
        for (const auto& [shape, ns] : std::vector<std::pair<Shape, int64_t>>{
                 {{6}, 3}, {{4, 9}, 5}, {{1, 3}, 2}, {{3, 1000}, 7}}) {
          const auto& [seed, offset] = st[k++ % st.size()];
          out.push_back({{weights(shape)},
                         {static_cast<int64_t>(seed), static_cast<int64_t>(offset), ns, repl},
                         {},
                         shape_str(shape) + (repl ? " with" : " without") + " replacement"});
        }
        const auto& [seed, offset] = st[k++ % st.size()];
        out.push_back({{non_contiguous(weights({5, 8}))},
                       {static_cast<int64_t>(seed), static_cast<int64_t>(offset), 4, repl},
                       {},
                       std::string("[5, 8] non-contiguous") + (repl ? " with" : " without")});
      }
      return out;
    };
    r.run = [](const Sample& s) {
      SampleGen g(s);
      return std::vector<Tensor>{multinomial(s.inputs[0], s.ints[2], s.ints[3] != 0, &g.g)};
    };
    r.reference = [](const Sample& s) {
      const Tensor& p = s.inputs[0];
      const int64_t rows = p.dim() == 1 ? 1 : p.size(0), cats = p.size(-1);
      auto v = ref::multinomial(seed_of(s), offset_of(s), values(p), rows, cats, s.ints[2],
                                s.ints[3] != 0);
      const Shape shape = p.dim() == 1 ? Shape{s.ints[2]} : Shape{rows, s.ints[2]};
      return std::vector<Tensor>{ref_tensor(shape, v)};
    };
    rows.push_back(r);
  }
  return rows;
}

}  // namespace mica::test
