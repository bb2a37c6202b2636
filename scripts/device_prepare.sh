#!/usr/bin/env bash
# Prepares the GPU checks for a device machine (one without this project's
# Debian packages): builds the CUDA-enabled test and benchmark programs here,
# strips them into .devbuild/ with the shared libraries they need beyond the
# C and C++ runtimes and CUDA (.devbuild/lib, found through an RPATH of
# $ORIGIN/lib, which also serves their own dependencies), and copies the
# Planetoid files the checks read into .devdata/ (both ignored by git, carried
# by the device call). Then, on the device machine, from the repository root:
#   bash scripts/device_check.sh        (carry: .devbuild .devdata)
# See docs/gpu.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-gpu}
DATA=${SGC_DATA_DIR:-../shared/data}
# No OpenBLAS (the GPU checks need none of its products, and the device image
# lacks it and its Fortran runtime); DT_RPATH (not RUNPATH) so that the bundled
# folder also serves the libraries' own dependencies.
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSGC_CUDA=ON -DSGC_MPI=OFF -DSGC_BLAS=OFF \
  -DSGC_BUILD_PYTHON=OFF -DCMAKE_CUDA_ARCHITECTURES=90 \
  -DCMAKE_EXE_LINKER_FLAGS=-Wl,--disable-new-dtags -DCMAKE_MODULE_LINKER_FLAGS=-Wl,--disable-new-dtags \
  '-DCMAKE_BUILD_RPATH=$ORIGIN/lib' >/dev/null
cmake --build "$BUILD" -j "${JOBS:-2}" --target sgc sgc_tests gpu_bench reddit_bench sgc_cuda
rm -rf .devbuild .devdata
mkdir -p .devbuild/lib .devdata/planetoid
programs="sgc sgc_tests gpu_bench reddit_bench"
for p in $programs; do strip -o ".devbuild/$p" "$BUILD/$p"; done
# The CUDA module is loaded from the folder of the program that needs it.
strip -o .devbuild/libsgc_cuda.so "$BUILD/libsgc_cuda.so"
# Bundle what the programs link beyond glibc, libstdc++/libgcc (the device's
# are newer and compatible) and CUDA's own libraries (the device's toolkit).
for p in $programs; do ldd "$BUILD/$p"; done | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | sort -u |
  while read -r name path; do
    case "$name" in
      libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|ld-linux*|libstdc++.so*|libgcc_s.so*) ;;
      libcu*|libnv*) ;;
      *) cp -L "$path" ".devbuild/lib/$name" ;;
    esac
  done
cp "$DATA"/planetoid/ind.cora.* "$DATA"/planetoid/ind.pubmed.* .devdata/planetoid/
for d in /.devbuild/ /.devdata/; do grep -qxF "$d" .git/info/exclude 2>/dev/null || echo "$d" >> .git/info/exclude; done
# Each program and the module must carry the RPATH (not RUNPATH) $ORIGIN/lib
# and find every bundled library there, not in this machine's system folders.
for p in $programs libsgc_cuda.so; do
  if ! readelf -d ".devbuild/$p" | grep -q '(RPATH).*\$ORIGIN/lib\]'; then
    echo "device_prepare: .devbuild/$p lacks the RPATH \$ORIGIN/lib" >&2; exit 1
  fi
  for lib in .devbuild/lib/*; do
    name=$(basename "$lib")
    if ldd ".devbuild/$p" | grep -F "$name =>" | grep -vqF "$PWD/.devbuild/lib/$name"; then
      echo "device_prepare: .devbuild/$p does not take $name from .devbuild/lib" >&2; exit 1
    fi
  done
done
# What the programs were built from, printed on the device; and the sources
# they were compiled from, which device_check.sh checks against the tree that
# travels with them (without .git), so that a stale .devbuild is refused.
changes=$( (git diff HEAD; git ls-files --others --exclude-standard | sort | xargs -r cat) )
{ echo "built from commit $(git rev-parse HEAD)"
  echo "uncommitted changes: $([ -z "$changes" ] && echo none || echo "$changes" | sha256sum | cut -c1-16)"; } > .devbuild/BUILD_INFO
bash scripts/build_sources.sh | xargs -d '\n' sha256sum > .devbuild/SOURCES.sha256
ls .devbuild/lib
du -sh .devbuild .devdata
