// The op table's shared pieces: the list of all rows and the common sample generators.
#include "op_table.h"

namespace mica::test {

const std::vector<OpInfo>& all_op_infos() {
  static const std::vector<OpInfo> all = [] {
    std::vector<OpInfo> v;
    for (auto family : {pointwise_op_infos, reduction_op_infos, linalg_op_infos, indexing_op_infos,
                        nn_op_infos, conv_op_infos, random_op_infos, view_op_infos}) {
      auto rows = family();
      v.insert(v.end(), rows.begin(), rows.end());
    }
    return v;
  }();
  return all;
}

std::vector<Sample> unary_samples(DType dt, std::mt19937_64& rng, double low, double high) {
  std::vector<Sample> s;
  for (const Shape& shape : std::vector<Shape>{{}, {7}, {3, 4}, {2, 3, 5}, {0, 3}})
    s.push_back({{rand_tensor(shape, dt, rng, low, high)}, {}, {}, shape_str(shape)});
  s.push_back(
      {{non_contiguous(rand_tensor({4, 5}, dt, rng, low, high))}, {}, {}, "[4, 5] non-contiguous"});
  s.push_back({{non_contiguous(rand_tensor({6}, dt, rng, low, high))}, {}, {}, "[6] strided"});
  return s;
}

std::vector<Sample> binary_samples(DType dt, std::mt19937_64& rng, double low, double high) {
  std::vector<Sample> s;
  const std::vector<std::pair<Shape, Shape>> pairs{
      {{}, {}},         {{7}, {7}},   {{3, 4}, {3, 4}}, {{3, 1}, {1, 4}},
      {{2, 3, 4}, {4}}, {{}, {3, 4}}, {{0, 4}, {1, 4}}, {{2, 1, 5}, {3, 1}}};
  for (const auto& [a, b] : pairs)
    s.push_back({{rand_tensor(a, dt, rng, low, high), rand_tensor(b, dt, rng, low, high)},
                 {},
                 {},
                 shape_str(a) + " x " + shape_str(b)});
  s.push_back({{non_contiguous(rand_tensor({4, 5}, dt, rng, low, high)),
                rand_tensor({4, 5}, dt, rng, low, high)},
               {},
               {},
               "[4, 5] non-contiguous x contiguous"});
  s.push_back({{rand_tensor({5}, dt, rng, low, high),
                non_contiguous(rand_tensor({3, 5}, dt, rng, low, high))},
               {},
               {},
               "[5] x [3, 5] non-contiguous"});
  return s;
}

Sample to_float64(const Sample& s) {
  Sample out = s;
  for (Tensor& t : out.inputs)
    if (t.defined() && is_floating(t.dtype())) t = t.to(kFloat64);
  return out;
}

}  // namespace mica::test
