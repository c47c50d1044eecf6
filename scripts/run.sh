#!/usr/bin/env bash
# Quick start, command 1: installs what is missing, builds (Release) and runs mica's main job
# on built-in defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash scripts/build.sh
./build/examples/mica_demo "$@"
