#!/usr/bin/env bash
# A benchmark program's command line (bench/bench_util.h): --help lists its
# flags and exits 0; a flag it does not know and a malformed number are each
# refused with a message naming them, before anything is measured.
#   tests/bench_command_line.sh PROGRAM [SUBCOMMAND]
set -u
prog=$1
name=$(basename "$prog")
shift  # what is left, a subcommand, goes before every flag
fail() { echo "FAIL $name: $1"; echo "$out"; exit 1; }

out=$("$prog" --help 2>&1); rc=$?
[ "$rc" -eq 0 ] || fail "--help exited $rc"
grep -q -- "--help" <<<"$out" || fail "--help lists no flags"

out=$("$prog" "$@" --no-such-flag 3 2>&1); rc=$?
{ [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ]; } || fail "an unknown flag exited $rc"
grep -q -- "--no-such-flag" <<<"$out" || fail "an unknown flag is not named"
grep -q "host:" <<<"$out" && fail "an unknown flag was measured past"

# A count flag given a malformed number (every benchmark but one has --runs).
flag=$("$prog" "$@" --help 2>&1 | grep -o -- "--runs\|--hops" | head -1)
out=$("$prog" "$@" "$flag" 3x 2>&1); rc=$?
{ [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ]; } || fail "$flag 3x exited $rc"
grep -q -- "3x" <<<"$out" || fail "$flag 3x: the value is not named"
echo "ok $name"
