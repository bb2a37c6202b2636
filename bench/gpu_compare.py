#!/usr/bin/env python3
"""One run, one GPU: sgc's CUDA path against torch.sparse.mm and PyG's SGConv.

Runs build/reddit_bench --stages hop --dump DIR (the Reddit-shaped graph, seed 0:
S, X as .npy) and build/gpu_bench on the same graph (sgc's copy bandwidth, one
hop, the inductive end to end, DGC on Pubmed), then times on the same GPU:
  * one hop S @ X with torch.sparse.mm on a CSR tensor (float32);
  * PyG's SGConv(K=2) forward (gcn_norm + two propagations + the linear layer,
    not cached: a cached SGConv only propagates on its first call), against
    two sgc hops;
and prints the ratios. Needs torch with CUDA; PyG is optional.

  python3 bench/gpu_compare.py [--build build] [--runs 5]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time


def cuda_median(fn, runs, torch):
    times = []
    fn()  # warm-up (allocations, kernel selection)
    for _ in range(runs):
        torch.cuda.synchronize()
        t = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2]


class Failed(Exception):
    pass


def run_echoed(cmd):
    """Runs cmd, printing its output as it comes (so a failure or a timeout
    still leaves it in the log); returns the output, raises Failed on failure."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in proc.stdout:
        print(line, end="", flush=True)
        lines.append(line)
    if proc.wait() != 0:
        raise Failed(f"gpu_compare: {' '.join(cmd)} exited with {proc.returncode}")
    return "".join(lines)


def json_line(output):
    for line in output.splitlines():
        if line.startswith("json: "):
            return json.loads(line[len("json: "):])
    raise Failed("gpu_compare: no json line in gpu_bench's output")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    import numpy as np
    import torch
    if not torch.cuda.is_available():
        raise SystemExit("gpu_compare: torch sees no CUDA GPU")

    # sgc's side failing still leaves the PyTorch and PyG times to measure
    # (the device time is spent either way); the exit status reports it.
    try:
        sgc = json_line(run_echoed([os.path.join(args.build, "gpu_bench"), "--runs", str(args.runs)]))
    except Failed as e:
        print(e, flush=True)
        sgc = {}  # empty: sgc's side failed
    sgc_hop = sgc.get("hop_s", -1)

    with tempfile.TemporaryDirectory() as dump:
        run_echoed([os.path.join(args.build, "reddit_bench"), "--stages", "hop", "--runs", "1", "--dump", dump])
        indptr = np.load(os.path.join(dump, "s_indptr.npy"))
        indices = np.load(os.path.join(dump, "s_indices.npy"))
        values = np.load(os.path.join(dump, "s_values.npy"))
        x = np.load(os.path.join(dump, "x.npy"))
    n, f = x.shape
    dev = torch.device("cuda")
    s = torch.sparse_csr_tensor(torch.from_numpy(indptr), torch.from_numpy(indices.astype(np.int64)),
                                torch.from_numpy(values), size=(n, n), device=dev)
    xt = torch.from_numpy(x).to(dev)
    torch_hop = cuda_median(lambda: torch.sparse.mm(s, xt), args.runs, torch)
    line = f"torch {torch.__version__} on {torch.cuda.get_device_name()}: one hop torch.sparse.mm (CSR) {torch_hop:.4f} s"
    if sgc_hop > 0:
        line += f"; sgc {sgc_hop:.4f} s -> sgc {torch_hop / sgc_hop:.2f}x faster"
    print(line, flush=True)
    for key, label in (("hop_pairs_fp32_s", "sgc's pair kernel, fp32"),
                       ("hop_pairs_bf16_s", "sgc's pair kernel, X and Y in bfloat16")):
        if sgc.get(key, -1) > 0:
            print(f"{label}: {sgc[key]:.4f} s -> {torch_hop / sgc[key]:.2f}x torch.sparse.mm (fp32)")
    try:
        s16, x16 = s.to(torch.bfloat16), xt.to(torch.bfloat16)
        torch_hop16 = cuda_median(lambda: torch.sparse.mm(s16, x16), args.runs, torch)
        line = f"torch.sparse.mm (CSR) in bfloat16: {torch_hop16:.4f} s"
        if sgc.get("hop_pairs_bf16_s", -1) > 0:
            line += f" -> sgc's bf16 pair kernel {torch_hop16 / sgc['hop_pairs_bf16_s']:.2f}x faster"
        print(line)
        del s16, x16
    except (RuntimeError, NotImplementedError) as e:
        print(f"torch.sparse.mm in bfloat16: not run ({e})")

    try:
        from torch_geometric.nn import SGConv
        import torch_geometric
    except ImportError:
        print("PyG: not installed, SGConv not timed")
        return 0 if sgc else 1
    rows = torch.repeat_interleave(torch.arange(n, device=dev), torch.from_numpy(np.diff(indptr)).to(dev))
    cols = torch.from_numpy(indices.astype(np.int64)).to(dev)
    keep = rows != cols  # SGConv adds its own self-loops
    edge_index = torch.stack([rows[keep], cols[keep]])
    conv = SGConv(f, 41, K=2, cached=False).to(dev)
    try:
        with torch.no_grad():
            pyg = cuda_median(lambda: conv(xt, edge_index), args.runs, torch)
    except torch.OutOfMemoryError as e:  # its messages are gathered per edge: E x f floats, twice
        print(f"PyG SGConv(K=2): out of GPU memory (peak {torch.cuda.max_memory_allocated() / 2**30:.1f} GiB): {e}")
        return 1
    line = f"PyG {torch_geometric.__version__} SGConv(K=2) forward {pyg:.4f} s"
    if sgc_hop > 0:
        line += f"; sgc two hops {2 * sgc_hop:.4f} s -> sgc {pyg / (2 * sgc_hop):.2f}x faster"
    print(line, flush=True)
    return 0 if sgc else 1


if __name__ == "__main__":
    sys.exit(main())
