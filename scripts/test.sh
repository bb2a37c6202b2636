#!/usr/bin/env bash
# The whole test suite: Release build, GoogleTest via CTest, the Python tests
# (when the module is built), then every fuzz harness under ASan+UBSan.
#   scripts/test.sh            # fuzz for 60 s per harness
#   FUZZ_SECONDS=0 scripts/test.sh   # skip fuzzing
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
JOBS=${JOBS:-2}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j "$JOBS"
ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS"
if [ -d python/tests ] && ls "$BUILD"/python/sgc/_core*.so >/dev/null 2>&1; then
  PYTHONPATH="$BUILD/python" /usr/bin/python3 -m pytest -q python/tests
fi
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
if [ "$FUZZ_SECONDS" != 0 ]; then
  bash scripts/fuzz.sh "$FUZZ_SECONDS"
fi
