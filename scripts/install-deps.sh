#!/usr/bin/env bash
# Installs every Debian package sgc needs to build, test, fuzz and benchmark.
# Used by README's set-up command and by .ci/run; safe to run twice.
# python3-torch: the benchmarks' PyTorch baselines (bench/compare_reddit.py,
# bench/gpu_compare.py), whose code the Python tests run on the CPU.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential cmake ninja-build pkg-config \
  libeigen3-dev libcli11-dev nlohmann-json3-dev zlib1g-dev libopenblas-openmp-dev \
  libgtest-dev libgmock-dev libbenchmark-dev \
  clang libclang-rt-14-dev libomp-dev \
  python3 python3-dev python3-numpy python3-scipy python3-pytest pybind11-dev \
  openmpi-bin libopenmpi-dev libmetis-dev \
  python3-torch \
  >/dev/null
