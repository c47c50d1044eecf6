#!/usr/bin/env bash
# Quick start, command 2: installs what is missing, builds (Release) and runs the whole test
# suite through CTest (CUDA tests skip when no GPU is present). Extra arguments go to ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash scripts/build.sh
cd build
ctest --output-on-failure -j"$(nproc)" "$@"
