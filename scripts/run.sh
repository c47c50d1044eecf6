#!/usr/bin/env bash
# Quick start, command 1: installs what is missing, builds (Release) and runs mica's main job,
# the chapter-2 example (a GPT trained on the fortunes corpus, then every generation strategy),
# on built-in defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash scripts/build.sh
./build/examples/ch02_gpt_fortunes "$@"
