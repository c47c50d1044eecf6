// The generic CPU elementwise loop: walks an output and its same-shaped (already broadcast)
// inputs with arbitrary strides, coalescing dims, in parallel chunks; unit-stride inner loops
// (broadcast inputs read from a small buffer) are written so the compiler vectorizes them.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <tuple>

#include "tensor/error.h"
#include "tensor/kernels/strided_plan.h"
#include "tensor/parallel.h"
#include "tensor/tensor.h"

namespace mica::cpu {

using kernels::kMaxDims;
using kernels::make_plan;
using kernels::StridedPlan;

// Calls body(ptrs, inner_count, inner_strides) for runs of the innermost dim, covering flat
// indices [begin, end). ptrs are char* already offset; strides are in elements.
template <int N, class Body>
void walk_range(const StridedPlan<N>& p, const std::array<char*, N>& base,
                const std::array<size_t, N>& elsize, int64_t begin, int64_t end, const Body& body) {
  int64_t idx[kMaxDims];
  int64_t rem = begin;
  for (int d = 0; d < p.ndim; ++d) {
    idx[d] = rem % p.sizes[d];
    rem /= p.sizes[d];
  }
  std::array<char*, N> ptr;
  for (int k = 0; k < N; ++k) {
    int64_t off = 0;
    for (int d = 0; d < p.ndim; ++d) off += idx[d] * p.strides[k][d];
    ptr[k] = base[k] + off * static_cast<int64_t>(elsize[k]);
  }
  std::array<int64_t, N> inner;
  for (int k = 0; k < N; ++k) inner[k] = p.strides[k][0];
  int64_t pos = begin;
  while (pos < end) {
    const int64_t count = std::min(p.sizes[0] - idx[0], end - pos);
    body(ptr, count, inner);
    pos += count;
    if (pos >= end) break;
    // advance: inner dim wrapped to 0, carry into outer dims
    for (int k = 0; k < N; ++k) ptr[k] -= idx[0] * inner[k] * static_cast<int64_t>(elsize[k]);
    idx[0] = 0;
    for (int d = 1; d < p.ndim; ++d) {
      ++idx[d];
      for (int k = 0; k < N; ++k) ptr[k] += p.strides[k][d] * static_cast<int64_t>(elsize[k]);
      if (idx[d] < p.sizes[d]) break;
      for (int k = 0; k < N; ++k)
        ptr[k] -= idx[d] * p.strides[k][d] * static_cast<int64_t>(elsize[k]);
      idx[d] = 0;
    }
  }
}

// out[i] = fn(in0[i], in1[i], ...) over out's shape. Each input must already have out's sizes
// (broadcast with expand) and the C++ type given by Ins. fn must not throw.
template <class Out, class... Ins, class F, class... Tensors>
void elementwise(const Tensor& out, const F& fn, const Tensors&... ins) {
  static_assert(sizeof...(Ins) == sizeof...(Tensors));
  constexpr int N = 1 + sizeof...(Ins);
  const std::array<const Shape*, N> strides{&out.strides(), &ins.strides()...};
  const StridedPlan<N> plan = make_plan<N>(out.sizes(), strides);
  if (plan.numel == 0) return;
  const std::array<char*, N> base{static_cast<char*>(out.raw_data()),
                                  static_cast<char*>(ins.raw_data())...};
  const std::array<size_t, N> elsize{sizeof(Out), sizeof(Ins)...};
  parallel_for(0, plan.numel, kGrainSize, [&](int64_t b, int64_t e) {
    walk_range<N>(
        plan, base, elsize, b, e,
        [&](const std::array<char*, N>& ptr, int64_t count, const std::array<int64_t, N>& st) {
          [&]<size_t... I>(std::index_sequence<I...>) {
            Out* o = reinterpret_cast<Out*>(ptr[0]);
            std::tuple<const Ins*...> in{reinterpret_cast<const Ins*>(ptr[I + 1])...};
            bool unit = st[0] == 1;
            ((unit = unit && st[I + 1] == 1), ...);
            bool unit_or_bcast = st[0] == 1;
            ((unit_or_bcast = unit_or_bcast && (st[I + 1] == 1 || st[I + 1] == 0)), ...);
            if (unit) {
              for (int64_t i = 0; i < count; ++i) o[i] = fn(std::get<I>(in)[i]...);
            } else if (unit_or_bcast) {
              // Broadcast inputs (stride 0: scalars, expanded dims) read from a small buffer
              // holding their one value, so the loop stays unit-stride and vectorizes.
              constexpr int64_t kChunk = 64;
              std::tuple<std::array<Ins, kChunk>...> buf;
              ((st[I + 1] == 0 ? std::get<I>(buf).fill(std::get<I>(in)[0]) : void()), ...);
              for (int64_t c0 = 0; c0 < count; c0 += kChunk) {
                const int64_t m = std::min(kChunk, count - c0);
                Out* oc = o + c0;
                const std::tuple<const Ins*...> src{
                    (st[I + 1] == 0 ? std::get<I>(buf).data() : std::get<I>(in) + c0)...};
                for (int64_t i = 0; i < m; ++i) oc[i] = fn(std::get<I>(src)[i]...);
              }
            } else {
              for (int64_t i = 0; i < count; ++i)
                o[i * st[0]] = fn(std::get<I>(in)[i * st[I + 1]]...);
            }
          }
          (std::index_sequence_for<Ins...>{});
        });
  });
}

}  // namespace mica::cpu
