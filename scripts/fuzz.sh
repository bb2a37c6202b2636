#!/usr/bin/env bash
# Builds the libFuzzer harnesses (fuzz/*.cc) with clang + ASan/UBSan into
# build-fuzz/ ($FUZZ_BUILD_DIR), seeds a corpus per harness
# (build-fuzz/corpus/<harness>/) from the committed seeds in
# fuzz/corpus/<harness>/ and from shared/data (see seed_corpus below), and
# runs every fuzz_* binary for N seconds each (default 60):
#   scripts/fuzz.sh [seconds] [harness ...]
# Harnesses: npz, pickle, text (format readers), ogb (OGB folder), targets
# (attack target lists), fastgcn
# (FastGCN Reddit folder), model (model files), edge_list (edge-list files
# through load_dataset). Exits non-zero on any finding (crash, sanitizer
# report, leak, timeout, OOM); the reproducer is left in
# build-fuzz/findings/<harness>/; rerun one with build-fuzz/<harness> FILE.
# Needs clang and libclang-rt-dev (see scripts/install-deps.sh).
set -euo pipefail

SECONDS_PER_TARGET="${1:-60}"
shift || true
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
DATA="${SGC_DATA_DIR:-$ROOT/../shared/data}"
JOBS="${FUZZ_BUILD_JOBS:-2}"

# SGC_BLAS off: OpenBLAS brings libgomp beside clang's libomp, and the
# harnesses parse files (no dense products to speed up).
CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD" -G Ninja \
  -DSGC_BUILD_FUZZ=ON -DSGC_BUILD_TESTS=OFF -DSGC_BUILD_BENCH=OFF -DSGC_BUILD_PYTHON=OFF \
  -DSGC_NATIVE=OFF -DSGC_CUDA=OFF -DSGC_MPI=OFF -DSGC_BLAS=OFF -DCMAKE_BUILD_TYPE= \
  -DCMAKE_CXX_FLAGS="-O1 -gline-tables-only -fno-omit-frame-pointer -fsanitize=address,undefined -fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined" \
  >/dev/null

if [ "$#" -gt 0 ]; then
  TARGETS=()
  for t in "$@"; do TARGETS+=("fuzz_${t#fuzz_}"); done
else
  mapfile -t TARGETS < <(for f in "$ROOT"/fuzz/fuzz_*.cc; do basename "$f" .cc; done)
fi
if [ "${#TARGETS[@]}" -eq 0 ]; then
  echo "fuzz.sh: no fuzz/fuzz_*.cc harnesses" >&2
  exit 1
fi
ninja -C "$BUILD" -j"$JOBS" "${TARGETS[@]}"

seed() {  # seed FILE CORPUS NAME
  [ -f "$1" ] || return 0
  cp -f "$1" "$2/seed_$3"
  chmod u+w "$2/seed_$3"
}

# Entries of the zip $1 smaller than 64 KiB, as files seed_<prefix>_<entry>
# in $2 (.npy arrays; with --pickle, the pickles after the .npy header of
# object arrays, up to 1 MiB). Needs python3; skipped without it.
extract_npz() {
  command -v python3 >/dev/null || return 0
  python3 - "$@" <<'PY'
import sys, zipfile, os
src, dst, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
only_pickles = len(sys.argv) > 4
with zipfile.ZipFile(src) as z:
    for info in z.infolist():
        b = z.read(info)
        if only_pickles:
            if b"'descr': '|O'" not in b[:128]:
                continue
            n = int.from_bytes(b[8:10], "little")
            b = b[10 + n:]
        if len(b) <= (1 << 20 if only_pickles else 65536):  # libFuzzer cuts seeds to -max_len
            with open(os.path.join(dst, "seed_%s_%s" % (prefix, info.filename)), "wb") as f:
                f.write(b)
PY
}

# Seeds per harness, from shared/data.
seed_corpus() {  # seed_corpus HARNESS CORPUS
  local t="$1" c="$2" f
  case "$t" in
    fuzz_pickle)  # every Planetoid pickle, and the pickled objects inside graphdata npz files
      for f in "$DATA"/planetoid/ind.*; do
        case "$f" in *.test.index) continue ;; esac
        seed "$f" "$c" "$(basename "$f")"
      done
      extract_npz "$DATA/graphdata/polblogs.npz" "$c" polblogs --pickle
      extract_npz "$DATA/graphdata/amazon_cs.npz" "$c" amazon_cs --pickle
      # Two of them as numpy writes arrays at protocol 5 (_frombuffer); skipped without numpy and scipy.
      if command -v python3 >/dev/null; then
        python3 - "$DATA/planetoid" "$c" <<'PY' || true
import os, pickle, sys, warnings
src, dst = sys.argv[1], sys.argv[2]
warnings.simplefilter("ignore")
for name in ("ind.cora.ty", "ind.cora.tx"):
    try:
        with open(os.path.join(src, name), "rb") as f:
            obj = pickle.load(f, encoding="latin1")
    except Exception:
        continue
    with open(os.path.join(dst, "seed_protocol5_" + name), "wb") as f:
        pickle.dump(obj, f, protocol=5)
PY
      fi
      ;;
    fuzz_npz)  # small npz files (deflated, stored, pickled objects) and their .npy entries
      for f in heterophilous/texas.npz heterophilous/cornell.npz graphdata/polblogs.npz \
               geom-gcn/splits/texas_split_0.6_0.2_0.npz geom-gcn/splits/cornell_split_0.6_0.2_1.npz; do
        seed "$DATA/$f" "$c" "$(basename "$f")"
      done
      extract_npz "$DATA/heterophilous/texas.npz" "$c" texas
      extract_npz "$DATA/geom-gcn/splits/texas_split_0.6_0.2_0.npz" "$c" split
      extract_npz "$DATA/graphdata/polblogs.npz" "$c" polblogs
      ;;
    fuzz_text)  # edge lists (TSV, SNAP with CRLF), plain and gzip, and OGB-style CSV
      seed "$DATA/geom-gcn/texas/out1_graph_edges.txt" "$c" texas_edges.txt
      if [ -f "$DATA/snap/soc-Slashdot0902.txt.gz" ]; then
        { gzip -dc "$DATA/snap/soc-Slashdot0902.txt.gz" 2>/dev/null || true; } | head -n 200 >"$c/seed_slashdot_head.txt"
        gzip -c "$c/seed_slashdot_head.txt" >"$c/seed_slashdot_head.txt.gz"
      fi
      printf '0,1\n1,2\n2,0\n' >"$c/seed_edge.csv"
      printf '0.5,1,-2\n1e-3,0,0\n3,3,3\n-1.25,2,0\n' >"$c/seed_node_feat.csv"
      printf '0\n1\nnan\n2\n' >"$c/seed_node_label.csv"
      gzip -c "$c/seed_node_feat.csv" >"$c/seed_node_feat.csv.gz"
      ;;
    fuzz_edge_list)  # a real edge list too (the committed seeds are small)
      seed "$DATA/geom-gcn/texas/out1_graph_edges.txt" "$c" texas_edges.txt
      ;;
  esac
}

status=0
for t in "${TARGETS[@]}"; do
  corpus="$BUILD/corpus/$t"
  findings="$BUILD/findings/$t"
  mkdir -p "$corpus" "$findings"
  # The committed seeds (fuzz/corpus/<harness>/, regenerated by fuzz/corpus/make_seeds.sh).
  if [ -d "$ROOT/fuzz/corpus/$t" ]; then
    for f in "$ROOT/fuzz/corpus/$t"/*; do
      [ -f "$f" ] && seed "$f" "$corpus" "committed_$(basename "$f")"
    done
  fi
  if [ -d "$DATA" ]; then
    seed_corpus "$t" "$corpus"
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
