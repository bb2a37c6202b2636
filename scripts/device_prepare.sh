#!/usr/bin/env bash
# Prepares the GPU checks for a device machine (one without this project's
# Debian packages): builds the CUDA-enabled test and benchmark programs here,
# strips them into .devbuild/ and copies the Planetoid files the checks read
# into .devdata/ (both ignored by git, carried by the device call). Then, on
# the device machine, from the repository root:
#   bash scripts/device_check.sh        (carry: .devbuild .devdata)
# See docs/gpu.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-gpu}
DATA=${SGC_DATA_DIR:-../shared/data}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSGC_CUDA=ON -DSGC_MPI=OFF -DSGC_BUILD_PYTHON=OFF \
  -DCMAKE_CUDA_ARCHITECTURES=90 >/dev/null
cmake --build "$BUILD" -j "${JOBS:-2}" --target sgc sgc_tests gpu_bench reddit_bench sgc_cuda
rm -rf .devbuild .devdata
mkdir -p .devbuild .devdata/planetoid
for p in sgc sgc_tests gpu_bench reddit_bench; do strip -o ".devbuild/$p" "$BUILD/$p"; done
# The CUDA module is loaded from the folder of the program that needs it.
strip -o .devbuild/libsgc_cuda.so "$BUILD/libsgc_cuda.so"
cp "$DATA"/planetoid/ind.cora.* "$DATA"/planetoid/ind.pubmed.* .devdata/planetoid/
for d in /.devbuild/ /.devdata/; do grep -qxF "$d" .git/info/exclude 2>/dev/null || echo "$d" >> .git/info/exclude; done
du -sh .devbuild .devdata
