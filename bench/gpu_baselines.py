"""The PyTorch and PyG side of the device check (bench/gpu_compare.py): one
hop S X by torch.sparse.mm and PyG on the graph reddit_bench dumps, each
result checked against S X before its time counts; and the helpers both
sides share (running a program with its output echoed, medians of device
time).

torch_hop_once is what gpu_compare.py --torch-hop-once runs: torch's hop
once, for ncu to count its traffic.
"""
import math
import os
import subprocess
import tempfile
import time


def device_median(fn, runs, torch, cuda=True):
    """Median seconds of fn over runs calls after a warm-up, waiting for the
    GPU around each call (cuda=False: a CPU run, the tests')."""
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    times = []
    fn()  # warm-up (allocations, kernel selection)
    for _ in range(runs):
        sync()
        t = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2]


# How far a baseline's result may be from the reference, relative to the
# reference's largest magnitude: fp32 sums in another order; bfloat16 keeps
# 8 significant bits.
FP32_AGREEMENT, BF16_AGREEMENT = 1e-4, 2e-2


def rel_diff(got, want):
    scale = float(want.abs().max()) or 1.0
    return float((got.float() - want.float()).abs().max()) / scale


def spot_rows(s_parts, x, rows):
    """Rows `rows` of S X from the CSR arrays and X in NumPy (float64 sums)."""
    indptr, indices, values = s_parts
    return [values[indptr[r]:indptr[r + 1]].astype("float64") @ x[indices[indptr[r]:indptr[r + 1]]] for r in rows]


def agrees(figures, key, label, diff, tolerance):
    """Records how far a baseline's result is from the reference; False
    (saying so) when too far for its time to count."""
    figures[key[:-2] + "_rel_diff"] = diff if math.isfinite(diff) else -1  # JSON has no NaN
    if diff <= tolerance:
        return True
    print(f"{label}: its result differs from the reference by {diff:.2e} (relative, over {tolerance:g}); not timed",
          flush=True)
    return False


class Failed(Exception):
    pass


def run_echoed(cmd, lines=None):
    """Runs cmd, printing its output as it comes (so a failure or a timeout
    still leaves it in the log) and appending it to `lines` where given;
    raises Failed on failure."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in proc.stdout:
        print(line, end="", flush=True)
        if lines is not None:
            lines.append(line)
    if proc.wait() != 0:
        raise Failed(f"gpu_compare: {' '.join(cmd)} exited with {proc.returncode}")


def time_torch(figures, s_parts, n, xt, runs, torch, spots):
    """Times torch.sparse.mm's hop variants; returns the fp32 int64 one's
    result S X (the reference for the rest) when it matched the spot rows
    (spots: the rows and their S X from spot_rows), else None."""
    indptr, indices, values = s_parts
    rows, want_rows = spots
    reference = None
    for key, index, dtype in (("torch_csr_int64_s", torch.int64, torch.float32),
                              ("torch_csr_int32_s", torch.int32, torch.float32),
                              ("torch_csr_bf16_s", torch.int64, torch.bfloat16)):
        label = f"one hop torch.sparse.mm (CSR, {index} indices, {dtype})"
        try:
            s = torch.sparse_csr_tensor(torch.from_numpy(indptr).to(index), torch.from_numpy(indices).to(index),
                                        torch.from_numpy(values).to(dtype), size=(n, n), device=xt.device)
            x = xt.to(dtype)
            y = torch.sparse.mm(s, x)
            if key == "torch_csr_int64_s":  # the first: the reference, checked against NumPy's rows
                got = y[torch.tensor(rows, device=y.device)].cpu().double()
                ok = agrees(figures, key, label, rel_diff(got, torch.tensor(want_rows)), FP32_AGREEMENT)
                if ok:
                    reference = y
            elif reference is None:
                print(f"{label}: not timed (no checked fp32 hop to check it against)", flush=True)
                ok = False
            else:
                ok = agrees(figures, key, label, rel_diff(y, reference),
                            FP32_AGREEMENT if dtype == torch.float32 else BF16_AGREEMENT)
            y = None
            if ok:
                figures[key] = device_median(lambda: torch.sparse.mm(s, x), runs, torch, xt.is_cuda)
                print(f"{label}: {figures[key]:.4f} s", flush=True)
        except (RuntimeError, NotImplementedError) as e:
            print(f"{label}: not run ({e})", flush=True)
        s = x = y = None
        if xt.is_cuda:
            torch.cuda.empty_cache()
    return reference


def time_pyg(figures, s_parts, n, xt, runs, torch, np, reference):
    """Times PyG's SGConv and one propagation, each checked against
    reference = S X (torch's hop) first."""
    try:
        from torch_geometric.nn import SGConv
        import torch_geometric
    except ImportError:
        print("PyG: not installed, SGConv not timed")
        return
    figures["pyg_version"] = torch_geometric.__version__
    indptr, indices, values = s_parts
    dev, f = xt.device, xt.shape[1]
    rows = torch.repeat_interleave(torch.arange(n, device=dev), torch.from_numpy(np.diff(indptr)).to(dev))
    cols = torch.from_numpy(indices.astype(np.int64)).to(dev)
    keep = rows != cols  # SGConv adds its own self-loops
    edge_index = torch.stack([rows[keep], cols[keep]])
    conv = SGConv(f, 41, K=2, cached=True).to(dev)

    def sgconv(adj):
        # Emptying the cache makes the call propagate, as a cached SGConv's
        # first call does; that it filled again shows the attribute is the cache.
        conv._cached_x = None
        out = conv(xt, adj)
        if conv._cached_x is None:
            raise AttributeError("SGConv keeps its cache elsewhere than _cached_x")
        return out

    def guarded(key, label, fn, per, want):
        try:
            with torch.no_grad():
                if agrees(figures, key, f"PyG {label}", rel_diff(fn(), want()), FP32_AGREEMENT):
                    figures[key] = device_median(fn, runs, torch, xt.is_cuda) / per
                    print(f"PyG {torch_geometric.__version__} {label}: {figures[key]:.4f} s a hop", flush=True)
        except out_of_memory as e:  # gather-scatter holds E x f messages
            print(f"PyG {label}: out of GPU memory (peak {torch.cuda.max_memory_allocated() / 2**30:.1f} GiB): {e}")
        except Exception as e:  # a baseline that cannot run is reported, not fatal
            print(f"PyG {label}: not run ({type(e).__name__}: {e})")
        if xt.is_cuda:
            torch.cuda.empty_cache()

    if reference is None:
        print("PyG: no checked reference hop (torch's did not run or disagreed), so not timed")
        return
    out_of_memory = getattr(torch, "OutOfMemoryError", torch.cuda.OutOfMemoryError)
    # SGConv(K=2) is its linear layer on S (S X), S with SGConv's own self-loops and gcn_norm: this S.
    with torch.no_grad():
        s = torch.sparse_csr_tensor(torch.from_numpy(indptr).to(torch.int64), torch.from_numpy(indices).to(torch.int64),
                                    torch.from_numpy(values), size=(n, n), device=dev)
        two_hops = conv.lin(torch.sparse.mm(s, reference))
        s = None

    guarded("pyg_sgconv_edge_index_hop_s", "SGConv(K=2, cached) first call, edge_index, halved",
            lambda: sgconv(edge_index), 2, lambda: two_hops)
    try:
        adj = torch.sparse_coo_tensor(edge_index, torch.ones(edge_index.shape[1], device=dev), (n, n))
        adj = adj.coalesce().to_sparse_csr()
        guarded("pyg_sgconv_sparse_hop_s", "SGConv(K=2, cached) first call, torch sparse CSR adjacency, halved",
                lambda: sgconv(adj), 2, lambda: two_hops)
        adj = None
    except RuntimeError as e:
        print(f"PyG SGConv on a torch sparse adjacency: not run ({e})")
    weights = torch.from_numpy(values).to(dev)
    full = torch.stack([rows, cols])
    guarded("pyg_propagate_hop_s", "one propagation alone (edge_index, S's weights)",
            lambda: conv.propagate(full, x=xt, edge_weight=weights), 1, lambda: reference)
    full = weights = None
    # PyG reads a sparse adjacency as transposed (adj_t @ x); S is symmetric.
    s_csr = torch.sparse_csr_tensor(torch.from_numpy(indptr).to(torch.int64), torch.from_numpy(indices).to(torch.int64),
                                    torch.from_numpy(values), size=(n, n), device=dev)
    guarded("pyg_propagate_csr_hop_s", "one propagation alone (S as a torch sparse CSR tensor)",
            lambda: conv.propagate(s_csr, x=xt, edge_weight=None), 1, lambda: reference)


def load_dump(build, np, graph_flags=()):
    """S's CSR arrays and X of reddit_bench's graph (graph_flags: its size
    flags; none: the Reddit shape)."""
    with tempfile.TemporaryDirectory() as dump:
        run_echoed([os.path.join(build, "reddit_bench"), *graph_flags, "--stages", "dump", "--dump", dump])
        s_parts = tuple(np.load(os.path.join(dump, f"s_{p}.npy")) for p in ("indptr", "indices", "values"))
        x = np.load(os.path.join(dump, "x.npy"))
    return s_parts, x


def spots_of(s_parts, x, np, count=64):
    """Spread rows of S X from the arrays (time_torch's check), with the
    densest row among them."""
    n = x.shape[0]
    rows = sorted(set(np.linspace(0, n - 1, count).astype(int).tolist()) | {int(np.argmax(np.diff(s_parts[0])))})
    return rows, np.array(spot_rows(s_parts, x, rows))


def run_baselines(figures, s_parts, x, torch, np, runs, device):
    """torch's and PyG's hops on S and X, on `device` (the tests: the CPU)."""
    n = x.shape[0]
    spots = spots_of(s_parts, x, np)
    xt = torch.from_numpy(x).to(device)
    reference = time_torch(figures, s_parts, n, xt, runs, torch, spots)
    time_pyg(figures, s_parts, n, xt, runs, torch, np, reference)


def torch_hop_once(args):
    """torch's fastest fp32 hop (CSR, int32 indices) on reddit_bench's graph,
    once after a warm-up, inside the NVTX range that ncu counts."""
    import numpy as np
    import torch
    (indptr, indices, values), x = load_dump(args.build, np)
    n = x.shape[0]
    s = torch.sparse_csr_tensor(torch.from_numpy(indptr).to(torch.int32), torch.from_numpy(indices).to(torch.int32),
                                torch.from_numpy(values), size=(n, n), device="cuda")
    xt = torch.from_numpy(x).to("cuda")
    torch.sparse.mm(s, xt)  # warm-up: cuSPARSE's buffers and kernel choice
    torch.cuda.synchronize()
    torch.cuda.nvtx.range_push("sgc_hop")
    torch.sparse.mm(s, xt)
    torch.cuda.synchronize()
    torch.cuda.nvtx.range_pop()
    return 0
