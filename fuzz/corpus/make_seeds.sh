#!/usr/bin/env bash
# Regenerates the committed seed corpora of the harnesses that read files
# written by sgc itself (fuzz/corpus/<harness>/), with a built `sgc`:
#   fuzz/corpus/make_seeds.sh [path/to/sgc]     (default: build/sgc)
# Multi-file inputs (fuzz_ogb, fuzz_fastgcn) join their files with the
# separator of fuzz/fuzz_util.h ("\n--sgc-fuzz-part--\n"). Each seed is a few KB.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SGC="${1:-$HERE/../../build/sgc}"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
SEP=$'\n--sgc-fuzz-part--\n'

join() {  # join OUT FILE...
  local out="$1" first=1
  shift
  : >"$out"
  for f in "$@"; do
    if [ $first -eq 0 ]; then printf '%s' "$SEP" >>"$out"; fi
    first=0
    [ -f "$f" ] && cat "$f" >>"$out"
  done
}

# fuzz_ogb: a 12-node OGB folder, plain and gzip, with and without num-edge-list.
O="$HERE/fuzz_ogb"; mkdir -p "$O"; rm -f "$O"/seed_*
mkdir -p "$TMP/ogb"
printf '12\n' >"$TMP/ogb/nn"
for i in $(seq 0 11); do printf '%d,%d\n' "$i" $(( (i * 5 + 1) % 12 )); done >"$TMP/ogb/edge"
for i in $(seq 0 11); do printf '%d.5,-%d,1e-3\n' $(( i % 3 )) $(( i % 4 )); done >"$TMP/ogb/feat"
for i in $(seq 0 11); do if [ $i -eq 7 ]; then echo nan; else echo $(( i % 3 )); fi; done >"$TMP/ogb/label"
printf '0\n1\n2\n3\n4\n5\n' >"$TMP/ogb/train"; printf '6\n7\n8\n' >"$TMP/ogb/valid"; printf '9\n10\n11\n' >"$TMP/ogb/test"
printf '12\n' >"$TMP/ogb/ne"
P=("$TMP/ogb/nn" "$TMP/ogb/edge" "$TMP/ogb/feat" "$TMP/ogb/label" "$TMP/ogb/train" "$TMP/ogb/valid" "$TMP/ogb/test")
join "$O/seed_plain" "${P[@]}" "$TMP/ogb/ne"
join "$O/seed_plain_no_edge_count" "${P[@]}"
for f in "${P[@]}" "$TMP/ogb/ne"; do gzip -nc "$f" >"$f.gz"; done
join "$O/seed_gzip" "${P[@]/%/.gz}" "$TMP/ogb/ne.gz"

# fuzz_fastgcn: 30-node folders written by `sgc generate`, stored and deflated.
O="$HERE/fuzz_fastgcn"; mkdir -p "$O"; rm -f "$O"/seed_*
"$SGC" generate --out "$TMP/r1" --format fastgcn --nodes 30 --features 4 --classes 3 --avg-degree 4 --threads 1 >/dev/null
"$SGC" generate --out "$TMP/r2" --format fastgcn --nodes 24 --features 3 --classes 2 --avg-degree 3 --threads 1 --compress >/dev/null
join "$O/seed_stored" "$TMP/r1/reddit_adj.npz" "$TMP/r1/reddit.npz"
join "$O/seed_deflated" "$TMP/r2/reddit_adj.npz" "$TMP/r2/reddit.npz"

# fuzz_model: models trained on a 1600-node synthetic graph with 16 features
# (the harness predicts on a 30-node graph with 16 features).
O="$HERE/fuzz_model"; mkdir -p "$O"; rm -f "$O"/seed_*
S=(--nodes 1600 --features 16 --classes 3 --train-per-class 5 --epochs 2 --threads 1)
"$SGC" train "${S[@]}" --save "$O/seed_sgc.sgcm" >/dev/null
"$SGC" train "${S[@]}" --op ssgc --save "$O/seed_ssgc.sgcm" >/dev/null
"$SGC" train "${S[@]}" --op heat --feature-norm zscore --save "$O/seed_heat_zscore.sgcm" >/dev/null
"$SGC" train "${S[@]}" --op ppr --save "$O/seed_ppr.sgcm" >/dev/null

# fuzz_edge_list: small edge lists (TSV with comments, CSV, CRLF, gzip).
O="$HERE/fuzz_edge_list"; mkdir -p "$O"; rm -f "$O"/seed_*
{ printf '# Directed graph\n# FromNodeId\tToNodeId\n'; for i in $(seq 0 19); do printf '%d\t%d\n' "$i" $(( (i * 7 + 3) % 20 )); done; } >"$O/seed_snap.txt"
printf '0,1\n1,2\n2,0\n2,3\n' >"$O/seed_csv.txt"
printf '%% konect\r\n0 1 1.0 1234\r\n1 2 1.0 1235\r\n2 2 1 1\r\n' >"$O/seed_crlf.txt"
gzip -nc "$O/seed_snap.txt" >"$O/seed_snap.txt.gz"
ls -l "$HERE"/fuzz_*/ | awk '{s+=$5} END {print "seed bytes:", s}'
