// operator<< for Tensor in PyTorch's layout: tensor([[1., 2.],\n        [3., 4.]]), with a
// dtype/device suffix when not float32/cpu and "..." summaries for large tensors.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include "tensor/ops/factory.h"

namespace mica {

namespace {
constexpr int64_t kSummarizeAbove = 1000;
constexpr int64_t kEdgeItems = 3;

struct Formatter {
  enum class Mode { Int, Bool, IntegralFloat, Fixed, Sci } mode;
  int width = 1;
  std::string format(double v) const {
    char buf[64];
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    switch (mode) {
      case Mode::Bool:
        return v != 0 ? "True" : "False";
      case Mode::Int:
        std::snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(v));
        break;
      case Mode::IntegralFloat:
        std::snprintf(buf, sizeof(buf), "%.0f.", v);
        break;
      case Mode::Fixed:
        std::snprintf(buf, sizeof(buf), "%.4f", v);
        break;
      case Mode::Sci:
        std::snprintf(buf, sizeof(buf), "%.4e", v);
        break;
    }
    return buf;
  }
};

bool summarize_dim(int64_t size, bool summarize) {
  return summarize && size > 2 * kEdgeItems;
}

void collect(const Tensor& t, bool summarize, std::vector<double>& out) {
  if (t.dim() == 0) {
    out.push_back(t.item().to_double());
    return;
  }
  const int64_t n = t.size(0);
  for (int64_t i = 0; i < n; ++i) {
    if (summarize_dim(n, summarize) && i == kEdgeItems) i = n - kEdgeItems;
    collect(t.select(0, i), summarize, out);
  }
}

void emit(std::ostream& os, const Tensor& t, const Formatter& f, bool summarize, int indent) {
  if (t.dim() == 0) {
    std::string s = f.format(t.item().to_double());
    os << std::string(static_cast<size_t>(std::max<int>(0, f.width - static_cast<int>(s.size()))),
                      ' ')
       << s;
    return;
  }
  os << "[";
  const int64_t n = t.size(0);
  for (int64_t i = 0; i < n; ++i) {
    if (summarize_dim(n, summarize) && i == kEdgeItems) {
      if (t.dim() == 1)
        os << "...";
      else
        os << "...,\n" << std::string(static_cast<size_t>(indent + 1), ' ');
      i = n - kEdgeItems;
      if (t.dim() == 1) os << ", ";
    }
    emit(os, t.select(0, i), f, summarize, indent + 1);
    if (i + 1 < n) {
      if (t.dim() == 1)
        os << ", ";
      else
        os << "," << std::string(static_cast<size_t>(t.dim() - 1), '\n')
           << std::string(static_cast<size_t>(indent + 1), ' ');
    }
  }
  os << "]";
}
}  // namespace

std::ostream& operator<<(std::ostream& os, const Tensor& t_in) {
  if (!t_in.defined()) return os << "tensor(undefined)";
  const Tensor t = t_in.is_cpu() ? t_in : t_in.to(Device(kCPU));
  const bool summarize = t.numel() > kSummarizeAbove;
  std::vector<double> vals;
  if (t.numel() > 0) collect(t, summarize, vals);
  Formatter f;
  if (t.dtype() == kBool) {
    f.mode = Formatter::Mode::Bool;
  } else if (!is_floating(t.dtype())) {
    f.mode = Formatter::Mode::Int;
  } else {
    double max_abs = 0, min_abs = INFINITY;
    bool integral = true;
    for (double v : vals) {
      if (!std::isfinite(v)) continue;
      max_abs = std::max(max_abs, std::fabs(v));
      if (v != 0) min_abs = std::min(min_abs, std::fabs(v));
      integral = integral && v == std::round(v);
    }
    if (integral && max_abs < 1e8)
      f.mode = Formatter::Mode::IntegralFloat;
    else if (max_abs >= 1e8 || (min_abs < 1e-4) || (max_abs / min_abs > 1e3 && max_abs > 1e3))
      f.mode = Formatter::Mode::Sci;
    else
      f.mode = Formatter::Mode::Fixed;
  }
  for (double v : vals) f.width = std::max<int>(f.width, static_cast<int>(f.format(v).size()));
  os << "tensor(";
  if (t.numel() == 0)
    os << "[]";
  else
    emit(os, t, f, summarize, 7);
  if (t.numel() == 0 && t.dim() > 1) os << ", size=" << shape_str(t.sizes());
  if (t_in.dtype() != kFloat32 && t_in.dtype() != kInt64 && t_in.dtype() != kBool)
    os << ", dtype=" << dtype_name(t_in.dtype());
  if (!t_in.is_cpu()) os << ", device='" << t_in.device() << "'";
  if (t_in.requires_grad()) os << ", requires_grad=True";
  return os << ")";
}

}  // namespace mica
