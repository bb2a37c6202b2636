#!/usr/bin/python3
"""Python `sgc.propagate` against the same C++ call, on Pubmed.

    PYTHONPATH=build-py/python /usr/bin/python3 python/bench_propagate.py [--runs 21] [--k 2]

Both sides compute S = AugNormAdj(A) and S^K X (X: Pubmed's row-normalised
features, 19717 x 500, float32) in this process, with the same allocator and
threads, runs interleaved. The C++ side is `_core._time_cpp_propagate`: the
graph and X are built as sgc types beforehand and only
`normalized_operator(adj, spec)` + `apply_operator(s, FeatureInput(x), spec)`
are timed, as a C++ caller holding its own X makes them (a dense X handed over
as a read-only sgc::DenseView, which the sgc operator reads in place). The
Python side is the whole `sgc.propagate(adj, X)`: argument checks, scipy ->
CSR conversion, the call, the numpy result; a float32 C-contiguous X goes to
the library as a view of numpy's buffer (no copy), float64 is converted, a
sparse X is copied into the library's CSR type.
"moved" is the C++ call with an owned X moved in (its copy made outside the
timer), which lets the library consume X.

Like the `sgc` command, the script re-executes itself once with glibc's
hugetlb malloc tunable (first touch of fresh pages is slow on these VMs; see
src/sgc/util/memory.h); SGC_NO_HUGEPAGES=1 keeps the default allocator.
"""

import argparse
import os
import statistics
import sys
import time


def reexec_with_huge_pages():
    if os.environ.get("SGC_NO_HUGEPAGES", "0") not in ("", "0"):
        return
    tunables = os.environ.get("GLIBC_TUNABLES", "")
    if "glibc.malloc.hugetlb" in tunables:
        return
    extra = ("glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=1073741824:"
             "glibc.malloc.trim_threshold=1073741824")
    os.environ["GLIBC_TUNABLES"] = f"{tunables}:{extra}" if tunables else extra
    os.execv(sys.executable, [sys.executable] + sys.argv)


def main():
    # This folder holds the package's sources without the compiled _core: import
    # the built (PYTHONPATH) or installed package instead.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=31)
    ap.add_argument("--k", type=int, default=2)
    ap.add_argument("--dataset", default="pubmed")
    ap.add_argument("--data-dir", default=None, help="folder with the ind.* files")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--evict-mb", type=int, default=256,
                    help="write this much other memory before every timed call (cold caches on both sides; 0: off)")
    ap.add_argument("--synthetic", action="store_true",
                    help="a random graph of Pubmed's shape instead of the files (where they are not available)")
    args = ap.parse_args()
    reexec_with_huge_pages()

    import numpy as np
    import scipy.sparse as sp

    import sgc
    from sgc import _core

    if args.threads:
        sgc.set_num_threads(args.threads)
    if args.synthetic:
        args.dataset = "synthetic (Pubmed-shaped)"
        rng = np.random.default_rng(0)
        n, e = 19717, 44324
        r, c = rng.integers(0, n, e), rng.integers(0, n, e)
        adj = sp.coo_matrix((np.ones(2 * e, np.float32), (np.r_[r, c], np.r_[c, r])), shape=(n, n)).tocsr()
        adj.data[:] = 1
        raw = sp.random(n, 500, density=0.1, format="csr", random_state=1, dtype=np.float32)
    else:
        ds = sgc.datasets.load_planetoid(args.dataset, args.data_dir)
        adj, raw = ds.adj, ds.X
    rowsum = np.asarray(raw.sum(axis=1)).ravel()
    rowsum[rowsum == 0] = 1
    X_sparse = sp.csr_matrix(sp.diags(1.0 / rowsum) @ raw, dtype=np.float32)
    X_sparse.sum_duplicates()  # canonical CSR: what the C++ side is handed
    X = np.ascontiguousarray(X_sparse.toarray(), dtype=np.float32)
    X64 = X.astype(np.float64)
    spec = {"op": "sgc", "k": args.k}

    print(f"{args.dataset}: {adj.shape[0]} nodes, {adj.nnz} adjacency entries, X {X.shape[0]} x {X.shape[1]}, "
          f"K={args.k}, {sgc.get_num_threads()} threads, "
          f"allocator: {'hugetlb heap' if 'hugetlb' in os.environ.get('GLIBC_TUNABLES', '') else 'default'}")
    print(f"median (min) of {args.runs} interleaved runs, milliseconds"
          f"{f', caches evicted before each call ({args.evict_mb} MB written)' if args.evict_mb else ''}\n")

    # Same result on both sides (bitwise: same kernels, same order).
    F = sgc.propagate(adj, X, k=args.k)
    assert np.array_equal(F, _core._reference_propagate(adj, X, spec)), "Python and C++ results differ"

    # The C++ side reads its own copy of X from the C++ heap; numpy's buffer
    # can sit on other pages (e.g. not huge-page backed), which changes the
    # cost of the random row gathers. The same X in memory the library
    # allocated (a K=0 propagate returns such a copy) separates the two effects.
    X_cpp_heap = sgc.propagate(adj, X, k=0)
    cases = [
        ("dense float32 X (read in place)", X, True),
        ("  same X in C++-allocated memory", X_cpp_heap, True),
        ("dense float64 X (converted once)", X64, False),
        ("sparse CSR X", X_sparse, False),
    ]
    print(f"{'input':34s} {'python':>15s} {'C++':>15s} {'overhead':>9s} {'C++, X moved in':>16s} {'vs moved':>9s}")
    results = {}

    scratch = np.zeros(max(args.evict_mb, 0) << 20, np.uint8)

    def python_call(x):
        if scratch.size:
            scratch[::64] += 1  # same eviction as the C++ helper does
        t0 = time.perf_counter()
        sgc.propagate(adj, x, k=args.k)
        return time.perf_counter() - t0

    for name, x, with_moved in cases:
        py_t, cpp_t, moved_t = [], [], []
        for _ in range(2):  # warm-up
            python_call(x)
            _core._time_cpp_propagate(adj, x, spec, 1, evict_mb=args.evict_mb)
        for r in range(args.runs):
            # Alternate which side goes first so neither always runs on a warmer cache/heap.
            if r % 2 == 0:
                py_t.append(python_call(x))
                cpp_t += _core._time_cpp_propagate(adj, x, spec, 1, evict_mb=args.evict_mb)
            else:
                cpp_t += _core._time_cpp_propagate(adj, x, spec, 1, evict_mb=args.evict_mb)
                py_t.append(python_call(x))
            if with_moved:
                moved_t += _core._time_cpp_propagate(adj, x, spec, 1, moved=True, evict_mb=args.evict_mb)
        p, c = statistics.median(py_t) * 1e3, statistics.median(cpp_t) * 1e3
        pm, cm = min(py_t) * 1e3, min(cpp_t) * 1e3
        line = f"{name:34s} {p:7.2f} ({pm:6.2f}) {c:7.2f} ({cm:6.2f}) {100 * (p - c) / c:+8.1f}%"
        if with_moved:
            mv, mvm = statistics.median(moved_t) * 1e3, min(moved_t) * 1e3
            line += f" {mv:7.2f} ({mvm:6.2f}) {100 * (p - mv) / mv:+8.1f}%"
        print(line)
        results[name] = (p, c)
    print()
    for name in (cases[0][0], cases[1][0]):
        p, c = results[name]
        print(f"Python call overhead over the C++ call, {name.strip()}: {100 * (p - c) / c:+.1f}% (target < 5%)")


if __name__ == "__main__":
    main()
