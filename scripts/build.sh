#!/usr/bin/env bash
# Configures and builds mica (Release) into build/ with Ninja. Extra arguments go to cmake,
# e.g. scripts/build.sh -DMICA_CUDA=OFF. CUDA is compiled in when nvcc is found (MICA_CUDA=AUTO).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v nvcc >/dev/null 2>&1 && [[ -x /usr/local/cuda/bin/nvcc ]]; then
  export PATH=/usr/local/cuda/bin:$PATH
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build build
