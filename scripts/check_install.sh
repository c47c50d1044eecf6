#!/usr/bin/env bash
# Builds and runs a tiny project against an installed mica (find_package(mica)).
# Usage: scripts/check_install.sh <install-prefix> <scratch-dir>
set -euo pipefail
prefix=$1
work=$2
mkdir -p "$work"
cat > "$work/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(mica_consumer LANGUAGES CXX)
find_package(mica REQUIRED)
add_executable(consumer main.cpp)
target_link_libraries(consumer PRIVATE mica::mica)
CMAKE
cat > "$work/main.cpp" <<'CPP'
#include <mica/mica.h>
#include <iostream>
int main() {
  mica::Tensor t = mica::ops::add(mica::ones({2, 2}), mica::ones({2, 2}));
  std::cout << t << "\n";
  return t.select(0, 1).select(0, 1).item<float>() == 2.0f ? 0 : 1;
}
CPP
cmake -S "$work" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/build" >/dev/null
"$work/build/consumer"
echo "check_install: find_package(mica) consumer built and ran"
