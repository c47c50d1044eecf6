#!/usr/bin/env bash
# The GPU check: one command for a machine with an NVIDIA GPU (H100/H200, sm_90). Configures a
# Release build with CUDA, builds the CUDA tests, the GPU benchmarks and the chapter-2 example,
# then runs in order, each step under its own time limit and all of them inside one budget
# (GPU_CHECK_BUDGET_S, 540 s by default, so it fits a 10-minute slot):
#   1. ctest -L cuda (the op table's CPU-vs-CUDA parity, values and gradients, and the family tests)
#   2. compute-sanitizer memcheck over the CUDA tests (the family tests; the parity suite only
#      for float32, to fit the time)
#   3. the chapter-2 example's quick run on the GPU
#   4. the G1 workload (GPT-2 124M training steps, bf16 autocast), gpu_kernels_bench (G2, G3,
#      fused kernels, allocator), the PyTorch peer of G1-G3 when PyTorch with CUDA is there, and
#      the allocator benchmarks and G1 again with CUDA's own pool (MICA_CUDA_ALLOCATOR=async)
# (ordered by value: later steps are skipped when the budget runs out), and writes summary.md (a
# table: step, result, seconds) plus every full log into $OUT (or gpu-check-out/ when OUT is
# unset). It never changes the GPU's clocks or modes.
# Usage: bash scripts/gpu-check.sh [extra cmake args]
set -uo pipefail
cd "$(dirname "$0")/.."
if ! command -v nvcc >/dev/null 2>&1 && [[ -x /usr/local/cuda/bin/nvcc ]]; then
  export PATH=/usr/local/cuda/bin:$PATH
fi
out=${OUT:-gpu-check-out}
mkdir -p "$out"
summary="$out/summary.md"
jobs=$(nproc)
rows=()

# The whole check's time budget (seconds, default 540): a step gets at most what is left of it,
# and a step with under 20 s left is skipped, so the check ends inside a 10-minute slot.
budget=${GPU_CHECK_BUDGET_S:-540}

# step NAME LIMIT_S COMMAND...: runs COMMAND with a time limit, logs to $out/NAME.log, records a row.
step() {
  local name=$1 limit=$2
  shift 2
  local left=$((budget - SECONDS))
  if ((left < 20)); then
    rows+=("| $name | skipped: the ${budget} s budget is spent | 0 |")
    echo "gpu-check: $name: skipped (budget spent)"
    return 3
  fi
  ((limit > left)) && limit=$left
  local t0=$SECONDS
  timeout --signal=INT --kill-after=10 "$limit" "$@" >"$out/$name.log" 2>&1
  local rc=$?
  local result="ok"
  if ((rc == 124)); then result="TIMED OUT after ${limit} s"; elif ((rc != 0)); then result="FAILED (exit $rc)"; fi
  rows+=("| $name | $result | $((SECONDS - t0)) |")
  echo "gpu-check: $name: $result ($((SECONDS - t0)) s)"
  return $rc
}

{
  echo "# mica GPU check"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with local changes)')"
  echo "- GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo 'nvidia-smi not found')"
  echo "- nvcc: $(nvcc --version 2>/dev/null | tail -1)"
} >"$summary"

step configure 300 cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DMICA_CUDA=ON \
  -DMICA_BUILD_TESTS=ON -DMICA_BUILD_BENCH=ON -DMICA_BUILD_EXAMPLES=ON "$@" &&
  step build 420 cmake --build build-gpu -j "$jobs" --target mica_cuda_tests gpu_kernels_bench \
    g1_gpt2_gpu ch02_gpt_fortunes
built=$?

if ((built == 0)); then
  step ctest_cuda 240 ctest --test-dir build-gpu -L cuda -j 4 --output-on-failure \
    --output-junit "$(realpath "$out")/ctest_cuda.xml"
  sanitizer=$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer \
    /usr/local/cuda/compute-sanitizer/compute-sanitizer 2>/dev/null | head -1)
  if [[ -z "$sanitizer" ]]; then
    rows+=("| memcheck | skipped: compute-sanitizer not found | 0 |")
  else
    step memcheck 150 "$sanitizer" --tool memcheck --error-exitcode 99 --print-limit 20 \
      build-gpu/tests/cuda/mica_cuda_tests --gtest_brief=1 \
      --gtest_filter='-Ops/*_float64:Ops/*_bfloat16:Ops/*_float16:Ops/*_int64:Ops/*_int32:Ops/*_uint8:Ops/*_bool:Ops/CudaGradParity.*'
  fi
  step example_ch02_cuda 120 build-gpu/examples/ch02/ch02_gpt_fortunes --quick --device cuda \
    --out "$out" --name ch02_run
  step bench_g1 120 build-gpu/bench/g1_gpt2_gpu --batch 16 --steps 10
  step bench_gpu 150 build-gpu/bench/gpu_kernels_bench --benchmark_min_time=0.1s \
    --benchmark_out="$out/gpu_kernels_bench.json" --benchmark_out_format=json
  if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    step peer_pytorch 150 python3 bench/peers/gpu_peers.py --g1-steps 10 --batch 16
  else
    rows+=("| peer_pytorch | skipped: no PyTorch with CUDA here | 0 |")
  fi
  # The caching allocator against CUDA's own pool (cudaMallocAsync), same benchmarks and G1.
  step bench_async_pool 60 env MICA_CUDA_ALLOCATOR=async build-gpu/bench/gpu_kernels_bench \
    --benchmark_filter='allocator|gemm_gpt2_fc|layer_norm' --benchmark_min_time=0.1s
  step bench_g1_async_pool 90 env MICA_CUDA_ALLOCATOR=async build-gpu/bench/g1_gpt2_gpu \
    --batch 16 --steps 8
fi

{
  echo
  echo "| step | result | seconds |"
  echo "|---|---|---|"
  printf '%s\n' "${rows[@]}"
  if [[ -f "$out/ctest_cuda.log" ]]; then
    echo
    echo "ctest: $(grep -E 'tests passed|tests failed' "$out/ctest_cuda.log" | tail -1)"
  fi
  if [[ -f "$out/memcheck.log" ]]; then
    echo "memcheck: $(grep -E 'ERROR SUMMARY' "$out/memcheck.log" | tail -1)"
  fi
  if [[ -f "$out/bench_g1.log" ]]; then
    echo
    echo "G1: $(grep -E '^\{' "$out/bench_g1.log" | tail -1)"
  fi
  if [[ -f "$out/peer_pytorch.log" ]]; then
    echo
    echo "PyTorch peer (bench/peers/gpu_peers.py):"
    echo '```'
    cat "$out/peer_pytorch.log" | cut -c1-200
    echo '```'
  fi
  if [[ -f "$out/bench_gpu.log" ]]; then
    echo
    echo '```'
    grep -E '^(gemm|attention|softmax|layer_norm|group_norm|cross_entropy|conv2d|allocator)' \
      "$out/bench_gpu.log" | cut -c1-150
    echo '```'
  fi
  if [[ -f "$out/bench_async_pool.log" ]]; then
    echo
    echo "With MICA_CUDA_ALLOCATOR=async (cudaMallocAsync):"
    echo '```'
    grep -E '^(gemm|layer_norm|allocator)' "$out/bench_async_pool.log" | cut -c1-150
    grep -E '^\{' "$out/bench_g1_async_pool.log" 2>/dev/null | tail -1
    echo '```'
  fi
} >>"$summary"
cat "$summary"
grep -q 'FAILED\|TIMED OUT' "$summary" && exit 1
((built == 0)) || exit 1  # nothing was checked
exit 0
