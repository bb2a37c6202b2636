#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/*.cc) with clang + ASan/UBSan into
# build-fuzz/, seeds a corpus per harness with the real Planetoid pickles, and
# runs every fuzz_* binary for N seconds each (default 60):
#   scripts/fuzz.sh [seconds]
# Exits non-zero on any finding (crash, sanitizer report, leak, timeout, OOM);
# the reproducer is left in build-fuzz/findings/<harness>/.
# Needs clang and libclang-rt-dev (see scripts/install-deps.sh).
set -euo pipefail

SECONDS_PER_TARGET="${1:-60}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="$ROOT/build-fuzz"
DATA="${SGC_DATA_DIR:-$ROOT/../shared/data}/planetoid"
JOBS="${FUZZ_BUILD_JOBS:-2}"

CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -G Ninja \
  -DSGC_BUILD_FUZZ=ON -DSGC_BUILD_TESTS=OFF -DSGC_BUILD_BENCH=OFF -DSGC_BUILD_PYTHON=OFF \
  -DSGC_NATIVE=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined" \
  >/dev/null

mapfile -t TARGETS < <(for f in "$ROOT"/fuzz/fuzz_*.cc; do basename "$f" .cc; done)
if [ "${#TARGETS[@]}" -eq 0 ]; then
  echo "fuzz.sh: no fuzz/fuzz_*.cc harnesses" >&2
  exit 1
fi
ninja -C "$BUILD" -j"$JOBS" "${TARGETS[@]}"

status=0
for t in "${TARGETS[@]}"; do
  corpus="$BUILD/corpus/$t"
  findings="$BUILD/findings/$t"
  mkdir -p "$corpus" "$findings"
  if [ -d "$DATA" ]; then
    # Seeds: every Planetoid pickle (not the text test.index files).
    for f in "$DATA"/ind.*; do
      case "$f" in *.test.index) continue ;; esac
      cp -f "$f" "$corpus/seed_$(basename "$f")"
      chmod u+w "$corpus/seed_$(basename "$f")"
    done
  else
    echo "fuzz.sh: no seed data in $DATA (fuzzing from an empty corpus)" >&2
  fi
  echo "== $t: ${SECONDS_PER_TARGET}s"
  # -max_len keeps inputs small (seeds longer than it are cut, which still
  # exercises truncation); ASan's leak check runs at exit of each input.
  if ! ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}" \
      "$BUILD/$t" "$corpus" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
      -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 \
      -artifact_prefix="$findings/" 2>"$BUILD/$t.log"; then
    echo "== $t: FINDING (log: $BUILD/$t.log, reproducer in $findings/)" >&2
    tail -n 40 "$BUILD/$t.log" >&2
    status=1
  else
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$BUILD/$t.log" || true
    echo "== $t: no findings"
  fi
done
exit $status
