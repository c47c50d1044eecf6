#!/usr/bin/env bash
# Installs, from Debian packages, everything mica needs to build, test and run its examples.
# Idempotent: installs only what is missing. Needs root (or sudo). python3-torch (~1 GB) is
# only for regenerating fixtures and running the PyTorch peers: pass --with-torch for it.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libeigen3-dev libopenblas-openmp-dev libhdf5-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  zlib1g-dev libpng-dev nlohmann-json3-dev
  dataset-fashion-mnist fortunes
)
if [[ "${1:-}" == "--with-torch" ]]; then
  packages+=(python3-torch libtorch-dev)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install_deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install_deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
