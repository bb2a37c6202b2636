#!/usr/bin/env bash
# The GPU checks, as one command on the device machine (prepared here by
# scripts/device_prepare.sh): the GPU tests, then bench/gpu_compare.py (sgc's
# gpu_bench beside torch.sparse.mm and PyG's SGConv on the same GPU), then,
# when a test failed, each failing test alone. Logs go to $OUT when it is set.
# Everything runs inside BUDGET seconds (450: under 8 minutes; give the device
# call a timeout of 480).
set -uo pipefail
cd "$(dirname "$0")/.."
B=${B:-.devbuild}
OUT=${OUT:-/tmp}
# Everything printed also goes to $OUT (the reply keeps only its tail).
exec > >(tee -a "$OUT/device_check.log") 2>&1
# The host budget is half of MemTotal, which a device machine may report low
# at first; the checks need a few GB of host memory.
export SGC_DATA_DIR=$PWD/.devdata PYTHONUNBUFFERED=1 SGC_MEMORY_LIMIT=${SGC_MEMORY_LIMIT:-64G}
# The tests and the two runs have fixed limits; the benchmark gets what they
# leave of one budget (less the reruns' share when a test failed), so that the
# verdict line is printed inside the call.
BUDGET=${BUDGET:-450}
left() { local l=$((BUDGET - SECONDS - $1)); echo $((l > 10 ? l : 10)); }
# What is left of the budget, capped at $1 (0 when none).
upto() { local l=$((BUDGET - SECONDS)); l=$((l < $1 ? l : $1)); echo $((l > 0 ? l : 0)); }
# CUDA's libraries: the ones PyTorch's wheels carry first (so that torch keeps
# its own when Python runs here), then the toolkit's.
cuda_libs=
for dir in $(python3 -c 'import glob, site; print(" ".join(sorted(d for p in site.getsitepackages() + [site.getusersitepackages()] for d in glob.glob(p + "/nvidia/*/lib"))))' 2>/dev/null); do
  cuda_libs=$cuda_libs$dir:
done
export LD_LIBRARY_PATH=$cuda_libs/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
# Before spending device time: every program and the module find their libraries.
missing=$(for f in "$B"/sgc "$B"/sgc_tests "$B"/gpu_bench "$B"/reddit_bench "$B"/libsgc_cuda.so; do
  ldd "$f" 2>&1 | sed -n "s|^\t*\(.*not found.*\)|$f: \1|p"; done)
if [ -n "$missing" ]; then echo "device_check: missing libraries:"; echo "$missing"; exit 2; fi
cat "$B/BUILD_INFO" 2>/dev/null || echo "device_check: $B/BUILD_INFO missing (built by an older device_prepare.sh)"
# The programs must be built from these sources (the tree travels without
# .git): every file the same, none gone, none new.
added=$(comm -13 <(sed 's/^[0-9a-f]*  //' "$B/SOURCES.sha256" 2>/dev/null | LC_ALL=C sort) <(bash scripts/build_sources.sh))
if ! stale=$(sha256sum --quiet -c "$B/SOURCES.sha256" 2>&1) || [ -n "$added" ]; then
  echo "device_check: $B was not built from these sources (run scripts/device_prepare.sh again):"
  { echo "$stale"; [ -z "$added" ] || echo "$added" | sed 's/$/: not in the build/'; } | grep -v '^$' | head -20
  exit 2
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
lscpu | grep -E "Model name|L3" || true
grep MemTotal /proc/meminfo
ldd "$B/libsgc_cuda.so" | grep -E "cudart|cublas|cusparse"
timeout -k 10 200 "$B/sgc_tests" --gtest_filter='Gpu*:HopPlans*:Device*' 2>&1 | tee "$OUT/gpu_tests.log"
tests=${PIPESTATUS[0]}
# A GPU test skips when it finds no usable GPU: here that is a failure.
if grep -q '^\[  SKIPPED \]' "$OUT/gpu_tests.log"; then echo "device_check: GPU tests were skipped"; tests=3; fi
# The command line end to end on the GPU, beside the CPU (same preset and seed).
for dev in cpu cuda; do
  timeout -k 5 30 "$B/sgc" train --dataset cora --data-dir .devdata/planetoid --device $dev 2>&1 | tail -2 | tee -a "$OUT/gpu_tests.log"
  [ "${PIPESTATUS[0]}" = 0 ] || { echo "device_check: sgc train --device $dev failed"; tests=4; }
done
# Its last lines judge each target (met / missed / not measured); every figure
# and verdict also goes to $OUT/figures.json, and README's table of them to
# $OUT/figures.md. -k: a process stuck in a CUDA call still ends in time.
reserve=5
[ "$tests" = 0 ] || reserve=95
timeout -k 10 "$(left $((reserve + 10)))" python3 bench/gpu_compare.py --build "$B" --runs 5 --tests-status "$tests" \
  --figures "$OUT/figures.json" --markdown "$OUT/figures.md" 2>&1 | tee "$OUT/gpu_bench.log"
bench=${PIPESTATUS[0]}
# One illegal access spoils the CUDA context for every later test of the
# process: after a failure, each test that did not pass runs alone with sgc's
# kernels waited for (SGC_CUDA_SYNC=1: a fault names its kernel; 30 s each),
# and the first that fails alone again runs under compute-sanitizer (60 s),
# all within what the budget has left, so the log names each failing test and
# where it faults.
if [ "$tests" != 0 ]; then
  sanitized=
  for t in $("$B/sgc_tests" --gtest_filter='Gpu*:HopPlans*:Device*' --gtest_list_tests |
             awk '/^[^ ]/ && /\.$/ {suite = $1} /^  / {print suite $1}'); do
    grep -qF "[       OK ] $t (" "$OUT/gpu_tests.log" && continue
    [ "$(upto 30)" -ge 5 ] || { echo "device_check: no time left to rerun $t alone"; continue; }
    SGC_CUDA_SYNC=1 timeout -k 5 "$(upto 30)" "$B/sgc_tests" --gtest_filter="$t" > "$OUT/alone.log" 2>&1
    rc=$?
    grep -q '^\[  SKIPPED \]' "$OUT/alone.log" && rc=3
    echo "device_check: $t alone: exit $rc"
    [ "$rc" = 0 ] && continue
    tail -15 "$OUT/alone.log" | sed "s|^|  |"
    sanitizer=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
    if [ -z "$sanitized" ] && [ -x "$sanitizer" ] && [ "$(upto 60)" -ge 20 ]; then
      sanitized=$t
      timeout -k 5 "$(upto 60)" "$sanitizer" --print-limit 5 "$B/sgc_tests" --gtest_filter="$t" 2>&1 |
        grep -vE '^\[ *(RUN|OK) ' | tail -40 | tee "$OUT/sanitizer.log"
    fi
  done
fi
echo "gpu tests: exit $tests; benchmark: exit $bench"
[ "$tests" = 0 ] && [ "$bench" = 0 ]
