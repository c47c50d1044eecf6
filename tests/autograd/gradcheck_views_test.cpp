// Gradchecks of Tensor's differentiable view and copy methods (recorded through the autograd
// hook table): view, reshape (as a view and as a copy), permute, transpose, t, expand, squeeze,
// unsqueeze, flatten, unflatten, slice, narrow, select, diagonal, as_strided (overlapping too),
// contiguous, clone, to(dtype) and copy_ into a fresh tensor. Each view is followed by a
// non-linear op so that a wrong gradient layout cannot hide behind a constant gradient.
#include <gtest/gtest.h>

#include "gradcheck_util.h"

namespace mica {
namespace {

using namespace gradcheck_test;  // NOLINT(google-build-using-namespace)

// f(view) with a position-dependent weight: sum-free, so every element of the output is checked.
TensorFn through(std::function<Tensor(const Tensor&)> view) {
  return [view = std::move(view)](const Ins& x) -> Outs {
    const Tensor v = view(x[0]);
    return {mul(v, add(v, 0.5))};  // v^2 + v/2: the gradient depends on the value
  };
}

struct ViewCase {
  const char* name;
  Shape shape;
  std::function<Tensor(const Tensor&)> f;
  bool expect_view = true;  // whether f returns a view of its input when the input is contiguous
};

std::vector<ViewCase> view_cases() {
  return {
      {"view",
       {2, 3, 4},
       [](const Tensor& t) {
         return t.view({6, 4});
       }},
      {"view -1", {2, 3, 4}, [](const Tensor& t) { return t.view({-1}); }},
      {"reshape (view)",
       {2, 3, 4},
       [](const Tensor& t) {
         return t.reshape({4, -1});
       }},
      {"reshape (copy)", {3, 4}, [](const Tensor& t) { return t.t().reshape({-1}); }, false},
      {"permute",
       {2, 3, 4},
       [](const Tensor& t) {
         return t.permute({2, 0, 1});
       }},
      {"permute negative dims",
       {2, 3, 4},
       [](const Tensor& t) {
         return t.permute({-1, -3, -2});
       }},
      {"transpose", {2, 3, 4}, [](const Tensor& t) { return t.transpose(0, 2); }},
      {"transpose negative", {2, 3, 4}, [](const Tensor& t) { return t.transpose(-1, -2); }},
      {"t", {3, 4}, [](const Tensor& t) { return t.t(); }},
      {"t of 1-d", {4}, [](const Tensor& t) { return t.t(); }},
      {"expand",
       {3, 1},
       [](const Tensor& t) {
         return t.expand({2, 3, 4});
       }},
      {"expand -1",
       {3, 1},
       [](const Tensor& t) {
         return t.expand({-1, 5});
       }},
      {"expand_as",
       {1, 4},
       [](const Tensor& t) {
         return t.expand_as(zeros({3, 4}, kFloat64));
       }},
      {"squeeze", {1, 3, 1, 4}, [](const Tensor& t) { return t.squeeze(); }},
      {"squeeze dim", {3, 1, 4}, [](const Tensor& t) { return t.squeeze(1); }},
      {"squeeze non-1 dim", {3, 4}, [](const Tensor& t) { return t.squeeze(0); }},
      {"unsqueeze", {3, 4}, [](const Tensor& t) { return t.unsqueeze(1); }},
      {"unsqueeze -1", {3, 4}, [](const Tensor& t) { return t.unsqueeze(-1); }},
      {"flatten", {2, 3, 4}, [](const Tensor& t) { return t.flatten(); }},
      {"flatten 1..2", {2, 3, 4}, [](const Tensor& t) { return t.flatten(1, 2); }},
      {"unflatten",
       {2, 12},
       [](const Tensor& t) {
         return t.unflatten(1, {3, -1});
       }},
      {"slice", {5, 4}, [](const Tensor& t) { return t.slice(0, 1, 4); }},
      {"slice step 2", {5, 4}, [](const Tensor& t) { return t.slice(0, 0, 5, 2); }},
      {"slice step 3 dim 1", {3, 7}, [](const Tensor& t) { return t.slice(1, 1, 7, 3); }},
      {"slice negative", {3, 7}, [](const Tensor& t) { return t.slice(-1, -5, -1, 2); }},
      {"narrow", {3, 6}, [](const Tensor& t) { return t.narrow(1, 2, 3); }},
      {"select", {3, 4}, [](const Tensor& t) { return t.select(0, 1); }},
      {"select dim 1 negative", {2, 3, 4}, [](const Tensor& t) { return t.select(1, -1); }},
      {"operator[]", {3, 4}, [](const Tensor& t) { return t[2]; }},
      {"diagonal", {4, 4}, [](const Tensor& t) { return t.diagonal(); }},
      {"diagonal offset 1", {3, 5}, [](const Tensor& t) { return t.diagonal(1); }},
      {"diagonal offset -1", {4, 3}, [](const Tensor& t) { return t.diagonal(-1); }},
      {"diagonal of 3-d", {2, 3, 3}, [](const Tensor& t) { return t.diagonal(0, 1, 2); }},
      {"diagonal dims 2, 0", {3, 2, 4}, [](const Tensor& t) { return t.diagonal(1, 2, 0); }},
      {"contiguous", {3, 4}, [](const Tensor& t) { return t.contiguous(); }},
      {"contiguous of transpose",
       {3, 4},
       [](const Tensor& t) { return t.t().contiguous(); },
       false},
      {"clone", {3, 4}, [](const Tensor& t) { return t.clone(); }, false},
      {"chain",
       {2, 3, 4},
       [](const Tensor& t) {
         return t.permute({1, 0, 2})
             .reshape({3, 8})
             .slice(1, 1, 8, 2)
             .unsqueeze(0)
             .expand({2, 3, 4});
       },
       false},
      {"reshape of select of transpose",
       {4, 3, 2},
       [](const Tensor& t) { return t.transpose(0, 2).select(1, 1).reshape({-1}); },
       false},
  };
}

TEST(GradcheckViews, ViewMethodsOnContiguousInputs) {
  uint64_t seed = 10000;
  for (const ViewCase& c : view_cases()) {
    SCOPED_TRACE(c.name);
    const Tensor x = leaf(c.shape, seed += 10);
    if (c.expect_view) {
      const Tensor v = c.f(x);
      EXPECT_EQ(v.impl()->storage(), x.impl()->storage()) << "expected a view";
      EXPECT_TRUE(v.requires_grad());
    }
    EXPECT_TRUE(Gradcheck(through(c.f), {x}));
  }
}

TEST(GradcheckViews, ViewMethodsOnNonContiguousInputs) {
  uint64_t seed = 11000;
  for (const ViewCase& c : view_cases()) {
    if (c.shape.size() < 2) continue;
    SCOPED_TRACE(c.name);
    // view() needs compatible strides: of these layouts only the strided one splits or merges
    // leading dims ("view" [2, 3, 4] -> [6, 4], "unflatten"); the others accept any layout.
    const std::string name = c.name;
    const bool view_only = name.starts_with("view") || name.starts_with("unflatten");
    if (!view_only && non_unit_dims(c.shape) >= 2) {
      EXPECT_TRUE(Gradcheck(through(c.f), {transposed_leaf(c.shape, seed += 10)}));
    }
    if (name != "view -1") {
      EXPECT_TRUE(Gradcheck(through(c.f), {strided_leaf(c.shape, seed += 10)}));
    }
  }
}

TEST(GradcheckViews, ViewsOfIntermediateResults) {
  // The base of the view is a non-leaf, so the view's gradient goes through another node.
  uint64_t seed = 12000;
  for (const ViewCase& c : view_cases()) {
    SCOPED_TRACE(c.name);
    const TensorFn fn = through([&c](const Tensor& t) { return c.f(exp(t)); });
    EXPECT_TRUE(Gradcheck(fn, {leaf(c.shape, seed += 10)}));
  }
}

TEST(GradcheckViews, ReshapeCopiesWhenItMust) {
  const Tensor x = transposed_leaf({3, 4}, 13000);
  const Tensor r = x.reshape({12});
  EXPECT_NE(r.impl()->storage(), x.impl()->storage());
  EXPECT_TRUE(Gradcheck(through([](const Tensor& t) { return t.reshape({2, 6}); }), {x}));
  EXPECT_TRUE(Gradcheck(through([](const Tensor& t) { return t.flatten(); }), {x}));
}

TEST(GradcheckViews, AsStrided) {
  // Contiguous leaves: as_strided addresses storage, which gradcheck's perturbed copies share.
  const Tensor x = leaf({12}, 14000);
  struct Case {
    const char* name;
    Shape sizes, strides;
    int64_t offset;
  };
  const std::vector<Case> cases = {
      {"identity", {3, 4}, {4, 1}, 0},
      {"transposed", {4, 3}, {1, 4}, 0},
      {"offset and gaps", {2, 3}, {5, 2}, 1},
      {"overlapping windows", {5, 4}, {2, 1}, 0},
      {"overlapping, offset", {3, 3}, {1, 1}, 2},
      {"broadcast (stride 0)", {2, 3}, {0, 3}, 1},
      {"0-d", {}, {}, 7},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_TRUE(Gradcheck(
        through([&c](const Tensor& t) { return t.as_strided(c.sizes, c.strides, c.offset); }),
        {x}));
    // of an intermediate (contiguous) result
    EXPECT_TRUE(Gradcheck(
        through([&c](const Tensor& t) { return sin(t).as_strided(c.sizes, c.strides, c.offset); }),
        {x}));
  }
  // of a 2-d leaf, and of a view whose storage offset is not 0 (elements inside the base)
  EXPECT_TRUE(Gradcheck(through([](const Tensor& t) {
                          return t.as_strided({3, 3}, {2, 1}, 1);
                        }),
                        {leaf({3, 4}, 14001)}));
  EXPECT_TRUE(Gradcheck(through([](const Tensor& t) {
                          return t.slice(0, 2, 10).as_strided({3, 2}, {2, 1}, 3);
                        }),
                        {x}));
}

TEST(GradcheckViews, OverlappingAsStridedAccumulates) {
  const Tensor x = make_leaf(from_vector(std::vector<double>{1, 2, 3, 4}));
  sum(x.as_strided({3, 2}, {1, 1}, 0)).backward();  // windows [0,1], [1,2], [2,3]
  EXPECT_EQ(to_doubles(x.grad()), (std::vector<double>{1, 2, 2, 1}));
}

TEST(GradcheckViews, ToDtypeRoundTrips) {
  // float32 rounds values to ~1e-7 relative, which a 1e-6 finite-difference step would see, so
  // the values are kept small (|x| < 4e-3): the rounding then stays ~1e-10 absolute.
  const auto small = [](double v) { return std::fabs(v) > 1e-3; };
  const Tensor x = leaf({3, 4}, 15000, -4e-3, 4e-3, small);
  EXPECT_TRUE(Gradcheck(through([](const Tensor& t) { return t.to(kFloat32).to(kFloat64); }), {x}));
  EXPECT_TRUE(Gradcheck(
      through([](const Tensor& t) { return t.t().to(kFloat32).contiguous().to(kFloat64); }),
      {transposed_leaf({3, 4}, 15001, -4e-3, 4e-3, small)}));
  // to() of the same dtype and float64 round trips of ordinary values
  const Tensor y = leaf({3, 4}, 15002, -2, 2);
  EXPECT_TRUE(Gradcheck(through([](const Tensor& t) { return t.to(kFloat64); }), {y}));
  // The gradient comes back in the input's dtype, and exact for representable values.
  const Tensor z = make_leaf(from_vector(std::vector<double>{0.5, -1.25, 3.0}));
  const Tensor w = from_vector(std::vector<float>{2.0f, -4.0f, 0.25f});
  sum(mul(z.to(kFloat32), w)).backward();
  EXPECT_EQ(z.grad().dtype(), kFloat64);
  EXPECT_EQ(to_doubles(z.grad()), (std::vector<double>{2.0, -4.0, 0.25}));
}

TEST(GradcheckViews, CopyIntoAFreshTensor) {
  const TensorFn same_shape = through([](const Tensor& t) {
    Tensor buf = zeros(t.sizes(), kFloat64);
    buf.copy_(t);
    return buf;
  });
  EXPECT_TRUE(Gradcheck(same_shape, {leaf({3, 4}, 16000)}));
  EXPECT_TRUE(Gradcheck(same_shape, {transposed_leaf({3, 4}, 16001)}));
  EXPECT_TRUE(Gradcheck(same_shape, {strided_leaf({3, 4}, 16002)}));
  const TensorFn broadcast = through([](const Tensor& t) {
    Tensor buf = zeros({2, 3, 4}, kFloat64);
    buf.copy_(t);  // t broadcasts to buf's shape
    return buf;
  });
  EXPECT_TRUE(Gradcheck(broadcast, {leaf({4}, 16003)}));
  EXPECT_TRUE(Gradcheck(broadcast, {leaf({3, 1}, 16004)}));
  // into a transposed (non-contiguous) destination
  const TensorFn into_t = through([](const Tensor& t) {
    Tensor buf = zeros({4, 3}, kFloat64).t();
    buf.copy_(t);
    return buf;
  });
  EXPECT_TRUE(Gradcheck(into_t, {leaf({3, 4}, 16005)}));
  // from an intermediate result, into a float32 destination (values small, see ToDtypeRoundTrips)
  const TensorFn to_f32 = through([](const Tensor& t) {
    Tensor buf = zeros({3, 4}, kFloat32);
    buf.copy_(mul(t, 0.5));
    return buf.to(kFloat64);
  });
  EXPECT_TRUE(Gradcheck(
      to_f32, {leaf({3, 4}, 16006, -4e-3, 4e-3, [](double v) { return std::fabs(v) > 1e-3; })}));
}

}  // namespace
}  // namespace mica
