// Op-table rows for the linalg family: matmul, mm, bmm, addmm, linear, outer, dot and einsum
// against float64 references computed with naive loops over every index (a brute-force einsum
// evaluator serves the matrix products too). Every row is differentiable (grad: the mica:: op on
// the same sample), and gradgradchecked: every backward here is written with differentiable ops.
#include <algorithm>
#include <map>

#include "op_table.h"

namespace mica::test {

namespace {

// ---- reference: brute-force einsum over explicit letter labels (no "...") ----

// Sum over all values of the labels not in out of the product of the operands' elements.
// Size-1 dims broadcast (at() reads their index 0).
Tensor ref_einsum(const std::string& eq, const std::vector<Tensor>& ins, DType dtype) {
  const size_t arrow = eq.find("->");
  std::vector<std::string> terms;
  for (size_t s = 0;;) {
    const size_t c = eq.find(',', s);
    terms.push_back(eq.substr(s, std::min(c, arrow) - s));
    if (c == std::string::npos || c > arrow) break;
    s = c + 1;
  }
  const std::string out = eq.substr(arrow + 2);
  std::map<char, int64_t> size;  // size 1 broadcasts to any size, 0 included
  for (size_t i = 0; i < ins.size(); ++i)
    for (size_t d = 0; d < terms[i].size(); ++d) {
      const auto it = size.find(terms[i][d]);
      if (it == size.end() || it->second == 1)
        size[terms[i][d]] = ins[i].size(static_cast<int64_t>(d));
    }
  std::string summed;
  for (auto& [c, s] : size)
    if (out.find(c) == std::string::npos) summed += c;
  Shape out_shape, sum_shape;
  for (char c : out) out_shape.push_back(size[c]);
  for (char c : summed) sum_shape.push_back(size[c]);
  const int64_t n_out = shape_numel(out_shape), n_sum = shape_numel(sum_shape);
  std::vector<double> result(static_cast<size_t>(n_out));
  std::map<char, int64_t> val;
  for (int64_t o = 0; o < n_out; ++o) {
    const auto oi = unravel(o, out_shape);
    for (size_t d = 0; d < out.size(); ++d) val[out[d]] = oi[d];
    double acc = 0;
    for (int64_t s = 0; s < n_sum; ++s) {
      const auto si = unravel(s, sum_shape);
      for (size_t d = 0; d < summed.size(); ++d) val[summed[d]] = si[d];
      double prod = 1;
      for (size_t i = 0; i < ins.size(); ++i) {
        std::vector<int64_t> idx;
        for (char c : terms[i]) idx.push_back(val[c]);
        prod *= at(ins[i], idx);
      }
      acc += prod;
    }
    result[static_cast<size_t>(o)] = cast_to(dtype, acc);
  }
  return from_values(out_shape, result);
}

// The same values with unit-stride neither in rows nor columns: every other element of a
// buffer twice as wide (GEMM must copy these).
Tensor strided(const Tensor& t) {
  if (t.dim() == 0) return t;
  Shape big = t.sizes();
  big.back() *= 2;
  Tensor view = zeros(big, t.options()).slice(-1, 0, big.back(), 2);
  view.copy_(t);
  return view;
}
// The same values stored transposed in the last two dims (a GEMM trans flag reads them).
Tensor transposed(const Tensor& t) {
  return t.transpose(-1, -2).contiguous().transpose(-1, -2);
}

// torch.matmul's rules, spelled as an einsum over the broadcast batch dims.
Tensor ref_matmul(const Tensor& a, const Tensor& b, DType dt) {
  const std::string letters = "uvwxyz";
  const int64_t batch = std::max({a.dim() - 2, b.dim() - 2, int64_t{0}});
  const std::string bl = letters.substr(0, static_cast<size_t>(batch));
  std::string ta, tb, to;
  if (a.dim() == 1)
    ta = "k";
  else
    ta = bl.substr(bl.size() - static_cast<size_t>(a.dim() - 2)) + "ik";
  if (b.dim() == 1)
    tb = "k";
  else
    tb = bl.substr(bl.size() - static_cast<size_t>(b.dim() - 2)) + "kj";
  to = bl + (a.dim() > 1 ? "i" : "") + (b.dim() > 1 ? "j" : "");
  return ref_einsum(ta + "," + tb + "->" + to, {a, b}, dt);
}

Tol linalg_tol(DType t) {
  switch (t) {
    case kFloat64:
      return {1e-10, 1e-10};
    case kFloat32:
      return {1e-4, 1e-4};
    case kBFloat16:
      return {5e-2, 1.6e-2};
    case kFloat16:
      return {5e-3, 2e-3};
    default:
      return {0, 0};
  }
}

using Pair = std::pair<Shape, Shape>;

// Pairs of shapes, each contiguous, then with a transposed, a strided and a broadcast variant.
std::vector<Sample> pair_samples(DType dt, std::mt19937_64& rng, const std::vector<Pair>& shapes) {
  std::vector<Sample> out;
  for (const auto& [sa, sb] : shapes) {
    Tensor a = rand_tensor(sa, dt, rng), b = rand_tensor(sb, dt, rng);
    const std::string d = shape_str(sa) + " x " + shape_str(sb);
    out.push_back({{a, b}, {}, {}, d + " contiguous"});
    if (a.dim() >= 2 || b.dim() >= 2)
      out.push_back({{a.dim() >= 2 ? transposed(a) : a, b.dim() >= 2 ? transposed(b) : b},
                     {},
                     {},
                     d + " transposed"});
    out.push_back({{strided(a), strided(b)}, {}, {}, d + " strided"});
    if (b.dim() >= 2) out.push_back({{a, transposed(b)}, {}, {}, d + " b transposed"});
  }
  return out;
}

OpInfo pair_row(std::string name, std::vector<DType> dtypes, std::vector<Pair> shapes,
                std::function<Tensor(const Tensor&, const Tensor&)> op,
                std::function<Tensor(const Tensor&, const Tensor&)> grad_op) {
  OpInfo info;
  info.name = std::move(name);
  info.dtypes = std::move(dtypes);
  info.samples = [shapes](DType dt, std::mt19937_64& rng) { return pair_samples(dt, rng, shapes); };
  info.run = [op](const Sample& s) { return std::vector<Tensor>{op(s.inputs[0], s.inputs[1])}; };
  info.reference = [](const Sample& s) {
    return std::vector<Tensor>{ref_matmul(s.inputs[0], s.inputs[1], s.dtype)};
  };
  info.tol = linalg_tol;
  info.grad_run = [grad_op](const Sample& s) {
    return std::vector<Tensor>{grad_op(s.inputs[0], s.inputs[1])};
  };
  info.gradgrad = true;
  return info;
}

const std::vector<DType> kLinalgDTypes{kFloat32, kFloat64, kBFloat16, kFloat16,
                                       kInt64,   kInt32,   kUInt8};

// Equations for the einsum row: (equation, reference equation without "...", shapes).
struct EinsumCase {
  std::string eq, ref_eq;
  std::vector<Shape> shapes;
};
const std::vector<EinsumCase>& einsum_cases() {
  static const std::vector<EinsumCase> cases{
      {"ij,jk->ik", "ij,jk->ik", {{3, 4}, {4, 5}}},
      {"ij,jk", "ij,jk->ik", {{3, 4}, {4, 5}}},
      {"bhqd,bhkd->bhqk", "bhqd,bhkd->bhqk", {{2, 3, 4, 5}, {2, 3, 6, 5}}},
      {"bhqk,bhkd->bhqd", "bhqk,bhkd->bhqd", {{2, 3, 4, 6}, {2, 3, 6, 5}}},
      {"bi,bj->bij", "bi,bj->bij", {{3, 4}, {3, 5}}},
      {"i,i->", "i,i->", {{7}, {7}}},
      {"i,j->ij", "i,j->ij", {{3}, {4}}},
      {"ij->ji", "ij->ji", {{3, 4}}},
      {"ij->", "ij->", {{3, 4}}},
      {"ij->j", "ij->j", {{3, 4}}},
      {"ii->i", "ii->i", {{4, 4}}},
      {"ii", "ii->", {{4, 4}}},
      {"bii->bi", "bii->bi", {{2, 3, 3}}},
      {"...ij,...jk->...ik", "xij,xjk->xik", {{2, 3, 4}, {2, 4, 5}}},
      {"...ij,jk->...ik", "xyij,jk->xyik", {{2, 2, 3, 4}, {4, 5}}},
      {"b...d,b...d->b...", "bxd,bxd->bx", {{2, 3, 4}, {2, 3, 4}}},
      {"bij,bjk->bik", "bij,bjk->bik", {{1, 3, 4}, {5, 4, 2}}},  // size-1 label broadcasts
      {"ij,ij->ij", "ij,ij->ij", {{1, 3}, {2, 3}}},
      {"i,j,k->ijk", "i,j,k->ijk", {{2}, {3}, {4}}},
      {"ij,jk,kl->il", "ij,jk,kl->il", {{2, 3}, {3, 4}, {4, 5}}},
      {"abc,cd->bd", "abc,cd->bd", {{2, 3, 4}, {4, 5}}},
      {"ik,jk->ij", "ik,jk->ij", {{3, 0}, {4, 0}}},  // k = 0: zeros
      {"ij,jk->ik", "ij,jk->ik", {{0, 4}, {4, 5}}},
  };
  return cases;
}

}  // namespace

std::vector<OpInfo> linalg_op_infos() {
  std::vector<OpInfo> rows;
  rows.push_back(pair_row(
      "matmul", kLinalgDTypes,
      {{{3, 4}, {4, 5}},
       {{5}, {5}},
       {{4}, {4, 3}},
       {{3, 4}, {4}},
       {{2, 3, 4}, {4, 5}},
       {{2, 3, 4}, {4}},
       {{4}, {2, 4, 3}},
       {{3, 4}, {2, 4, 5}},
       {{2, 1, 3, 4}, {5, 4, 2}},
       {{3, 0}, {0, 4}},
       {{0, 3}, {3, 4}},
       {{2, 0, 3}, {3, 4}},
       {{0, 2, 3}, {1, 3, 4}}},
      [](auto& a, auto& b) { return ops::matmul(a, b); },
      [](auto& a, auto& b) { return matmul(a, b); }));
  rows.push_back(pair_row(
      "mm", kLinalgDTypes, {{{3, 4}, {4, 5}}, {{1, 6}, {6, 1}}, {{3, 0}, {0, 4}}, {{0, 3}, {3, 2}}},
      [](auto& a, auto& b) { return ops::mm(a, b); }, [](auto& a, auto& b) { return mm(a, b); }));
  {
    // mm_out: the same product written into a preallocated result that holds stale values.
    OpInfo mm_out = pair_row(
        "mm_out", kLinalgDTypes,
        {{{3, 4}, {4, 5}}, {{1, 6}, {6, 1}}, {{3, 0}, {0, 4}}, {{0, 3}, {3, 2}}},
        [](auto& a, auto& b) {
          const Tensor out = full({a.size(0), b.size(1)}, 99, a.options());
          return Tensor(ops::mm_out(out, a, b));
        },
        nullptr);
    mm_out.differentiable = false;
    mm_out.gradgrad = false;
    mm_out.grad_run = nullptr;
    rows.push_back(mm_out);
  }
  {
    OpInfo bmm = pair_row(
        "bmm", kLinalgDTypes,
        {{{2, 3, 4}, {2, 4, 5}},
         {{3, 1, 4}, {3, 4, 2}},
         {{0, 3, 4}, {0, 4, 2}},
         {{2, 3, 0}, {2, 0, 4}}},
        [](auto& a, auto& b) { return ops::bmm(a, b); },
        [](auto& a, auto& b) { return mica::bmm(a, b); });
    auto base = bmm.samples;
    bmm.samples = [base](DType dt, std::mt19937_64& rng) {
      auto s = base(dt, rng);
      // a batch broadcast by expand (stride 0): one matrix reused for every batch entry
      s.push_back(
          {{rand_tensor({1, 3, 4}, dt, rng).expand({4, 3, 4}), rand_tensor({4, 4, 5}, dt, rng)},
           {},
           {},
           "expanded batch"});
      return s;
    };
    rows.push_back(bmm);
  }
  {
    // addmm: inputs {input, m1, m2}, reals {beta, alpha}
    OpInfo info;
    info.name = "addmm";
    info.dtypes = kLinalgDTypes;
    info.samples = [](DType dt, std::mt19937_64& rng) {
      const bool fl = is_floating(dt);
      std::vector<Sample> out;
      const std::vector<std::pair<double, double>> ba =
          fl ? std::vector<std::pair<double, double>>{{1, 1}, {0.5, 2}, {0, 1.5}}
             : std::vector<std::pair<double, double>>{{1, 1}, {2, 3}, {0, 2}};
      const std::vector<Shape> inputs{{3, 5}, {5}, {3, 1}, {}};
      for (size_t i = 0; i < inputs.size(); ++i) {
        const auto [beta, alpha] = ba[i % ba.size()];
        Tensor in = rand_tensor(inputs[i], dt, rng);
        Tensor m1 = rand_tensor({3, 4}, dt, rng), m2 = rand_tensor({4, 5}, dt, rng);
        out.push_back({{in, m1, m2}, {}, {beta, alpha}, "input " + shape_str(inputs[i])});
        out.push_back({{in, transposed(m1), strided(m2)},
                       {},
                       {beta, alpha},
                       "input " + shape_str(inputs[i]) + " non-contiguous"});
      }
      out.push_back({{rand_tensor({3, 5}, dt, rng), rand_tensor({3, 0}, dt, rng),
                      rand_tensor({0, 5}, dt, rng)},
                     {},
                     {fl ? 0.5 : 2.0, 1},
                     "k = 0"});
      return out;
    };
    info.run = [](const Sample& s) {
      const bool fl = is_floating(s.dtype);
      const Scalar beta = fl ? Scalar(s.reals[0]) : Scalar(static_cast<int64_t>(s.reals[0]));
      const Scalar alpha = fl ? Scalar(s.reals[1]) : Scalar(static_cast<int64_t>(s.reals[1]));
      return std::vector<Tensor>{ops::addmm(s.inputs[0], s.inputs[1], s.inputs[2], beta, alpha)};
    };
    info.grad_run = [](const Sample& s) {
      return std::vector<Tensor>{
          addmm(s.inputs[0], s.inputs[1], s.inputs[2], s.reals[0], s.reals[1])};
    };
    info.gradgrad = true;
    info.reference = [](const Sample& s) {
      const Tensor prod = ref_einsum("ik,kj->ij", {s.inputs[1], s.inputs[2]}, kFloat64);
      const double beta = s.reals[0], alpha = s.reals[1];
      const DType dt = s.dtype;
      return std::vector<Tensor>{ref_map({s.inputs[0], prod}, [=](const std::vector<double>& v) {
        return cast_to(dt, beta * v[0] + alpha * v[1]);
      })};
    };
    info.tol = linalg_tol;
    rows.push_back(info);
  }
  {
    // linear: inputs {x, weight[, bias]}
    OpInfo info;
    info.name = "linear";
    info.dtypes = kLinalgDTypes;
    info.samples = [](DType dt, std::mt19937_64& rng) {
      std::vector<Sample> out;
      for (const Shape& xs : std::vector<Shape>{{5, 3}, {2, 4, 3}, {3}, {0, 3}, {2, 0, 3}}) {
        Tensor x = rand_tensor(xs, dt, rng), w = rand_tensor({4, 3}, dt, rng);
        Tensor bias = rand_tensor({4}, dt, rng);
        out.push_back({{x, w}, {}, {}, shape_str(xs) + " no bias"});
        out.push_back({{x, w, bias}, {}, {}, shape_str(xs) + " bias"});
        out.push_back({{strided(x), transposed(w), strided(bias)},
                       {},
                       {},
                       shape_str(xs) + " non-contiguous"});
      }
      Tensor x = rand_tensor({2, 3, 5}, dt, rng).transpose(0, 1);  // [3, 2, 5], not foldable
      out.push_back({{x, rand_tensor({4, 5}, dt, rng), rand_tensor({4}, dt, rng)},
                     {},
                     {},
                     "[3, 2, 5] permuted batch"});
      return out;
    };
    info.run = [](const Sample& s) {
      return std::vector<Tensor>{
          ops::linear(s.inputs[0], s.inputs[1], s.inputs.size() > 2 ? s.inputs[2] : Tensor())};
    };
    info.grad_run = [](const Sample& s) {
      return std::vector<Tensor>{
          linear(s.inputs[0], s.inputs[1], s.inputs.size() > 2 ? s.inputs[2] : Tensor())};
    };
    info.gradgrad = true;
    info.reference = [](const Sample& s) {
      const Tensor& x = s.inputs[0];
      const std::string xl = std::string("uvw").substr(0, static_cast<size_t>(x.dim() - 1));
      Tensor prod = ref_einsum(xl + "i,oi->" + xl + "o", {x, s.inputs[1]}, kFloat64);
      if (s.inputs.size() > 2) {
        const DType dt = s.dtype;
        prod = ref_map({prod, s.inputs[2]},
                       [dt](const std::vector<double>& v) { return cast_to(dt, v[0] + v[1]); });
      } else {
        prod = ref_map({prod},
                       [dt = s.dtype](const std::vector<double>& v) { return cast_to(dt, v[0]); });
      }
      return std::vector<Tensor>{prod};
    };
    info.tol = linalg_tol;
    rows.push_back(info);
  }
  {
    OpInfo info = pair_row(
        "outer", kLinalgDTypes, {{{3}, {4}}, {{1}, {5}}, {{0}, {3}}},
        [](auto& a, auto& b) { return ops::outer(a, b); },
        [](auto& a, auto& b) { return outer(a, b); });
    info.reference = [](const Sample& s) {
      return std::vector<Tensor>{ref_einsum("i,j->ij", {s.inputs[0], s.inputs[1]}, s.dtype)};
    };
    rows.push_back(info);
  }
  rows.push_back(pair_row(
      "dot", kLinalgDTypes, {{{7}, {7}}, {{1}, {1}}, {{0}, {0}}},
      [](auto& a, auto& b) { return ops::dot(a, b); }, [](auto& a, auto& b) { return dot(a, b); }));
  {
    // einsum: ints[0] indexes einsum_cases()
    OpInfo info;
    info.name = "einsum";
    info.dtypes = {kFloat32, kFloat64, kBFloat16, kFloat16, kInt64};
    info.samples = [](DType dt, std::mt19937_64& rng) {
      std::vector<Sample> out;
      const auto& cases = einsum_cases();
      for (size_t c = 0; c < cases.size(); ++c) {
        std::vector<Tensor> ins, nc;
        for (const Shape& sh : cases[c].shapes) {
          ins.push_back(rand_tensor(sh, dt, rng));
          nc.push_back(c % 2 ? strided(ins.back())
                             : (ins.back().dim() >= 2 ? transposed(ins.back()) : ins.back()));
        }
        out.push_back({ins, {static_cast<int64_t>(c)}, {}, cases[c].eq});
        out.push_back({nc, {static_cast<int64_t>(c)}, {}, cases[c].eq + " non-contiguous"});
      }
      return out;
    };
    info.run = [](const Sample& s) {
      return std::vector<Tensor>{ops::einsum(einsum_cases()[s.ints[0]].eq, s.inputs)};
    };
    info.grad_run = [](const Sample& s) {
      return std::vector<Tensor>{einsum(einsum_cases()[s.ints[0]].eq, s.inputs)};
    };
    info.gradgrad = true;
    info.reference = [](const Sample& s) {
      return std::vector<Tensor>{ref_einsum(einsum_cases()[s.ints[0]].ref_eq, s.inputs, s.dtype)};
    };
    // 16-bit: each pairwise contraction rounds to the dtype, like torch.einsum's bmm calls
    info.tol = [](DType t) {
      return t == kBFloat16 ? Tol{1e-1, 3e-2} : t == kFloat16 ? Tol{1e-2, 4e-3} : linalg_tol(t);
    };
    rows.push_back(info);
  }
  return rows;
}

}  // namespace mica::test
