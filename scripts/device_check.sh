#!/usr/bin/env bash
# The GPU checks, as one command on the device machine (prepared here by
# scripts/device_prepare.sh): the GPU tests, then bench/gpu_compare.py (sgc's
# gpu_bench beside torch.sparse.mm and PyG's SGConv on the same GPU). Logs go
# to $OUT when it is set. Under 8 minutes on an H200.
set -uo pipefail
cd "$(dirname "$0")/.."
B=${B:-.devbuild}
OUT=${OUT:-/tmp}
export SGC_DATA_DIR=$PWD/.devdata PYTHONUNBUFFERED=1
export LD_LIBRARY_PATH=/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
lscpu | grep -E "Model name|L3" || true
timeout 240 "$B/sgc_tests" --gtest_filter='Gpu*:HopPlans*:Device*' 2>&1 | tee "$OUT/gpu_tests.log"
tests=${PIPESTATUS[0]}
timeout 300 python3 bench/gpu_compare.py --build "$B" --runs 5 2>&1 | tee "$OUT/gpu_bench.log"
bench=${PIPESTATUS[0]}
echo "gpu tests: exit $tests; benchmark: exit $bench"
[ "$tests" = 0 ] && [ "$bench" = 0 ]
