#!/usr/bin/env python3
"""One run, one graph: sgc against SciPy and PyTorch on the Reddit-shaped graph.

Runs build/reddit_bench (generates the graph, times sgc's hop, a STREAM-like
triad and the end-to-end inductive run, dumps S, X and the propagated training
features as .npy), then times on exactly the same arrays:
  * one hop S @ X in SciPy (csr @ dense) and in PyTorch (torch.sparse.mm on a
    CSR tensor and on COO, the reference implementation's path), 2 threads;
  * PyTorch softmax-regression training on the same training features:
    torch.optim.LBFGS for 2 steps (the SGC Reddit script's setting) and Adam
    for 100 epochs;
and prints the ratios. sgc's L-BFGS is timed twice: to the loss torch's two
steps end at (equal training loss) and over the same 40 iterations (where it
ends lower). The end-to-end run is a separate process, so its peak RSS is its own.

Needs Debian's python3-scipy and python3-torch, and an optimised BLAS under
torch's dense layers (Debian's torch calls the system libblas.so.3; with only
the reference libblas3 its training is ~10x slower): libopenblas0-pthread.
Run without the OpenBLAS core-type pin this VM sets, which slows OpenBLAS:

  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/compare_reddit.py \
      [--nodes 232965] [--avg-degree 100] [--runs 3]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import scipy.sparse as sp


def median_time(fn, runs):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=232965)
    ap.add_argument("--avg-degree", type=float, default=100.0)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--lbfgs-iters", type=int, default=0,
                    help="sgc L-BFGS iterations (0: as many as torch's 2 steps took)")
    ap.add_argument("--bench", default=os.path.join(os.path.dirname(__file__), "..", "build", "reddit_bench"))
    ap.add_argument("--end-to-end", choices=["yes", "no", "only"], default="yes",
                    help="also (or only) time the whole inductive pipeline against SciPy + PyTorch (end_to_end)")
    args = ap.parse_args()

    try:
        import torch
    except ImportError:
        torch = None
        print("torch is not installed: the hop is compared against SciPy only, and the training comparison is skipped")
    if torch is not None:
        torch.set_num_threads(args.threads)
        with open("/proc/self/maps") as maps:
            blas = sorted({line.split("/")[-1].strip() for line in maps if "blas" in line.lower()})
        print(f"torch {torch.__version__}, BLAS libraries loaded: {', '.join(blas) or 'none'}")
        if not any("openblas" in b for b in blas):
            print("WARNING: torch is not using OpenBLAS; install libopenblas0-pthread for a fair training comparison")
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    if args.end_to_end == "only":
        if torch is None:
            sys.exit("--end-to-end only needs torch")
        return end_to_end(torch, args, env)

    with tempfile.TemporaryDirectory(prefix="sgc_reddit_") as tmp:
        # PyTorch's L-BFGS first, on features sgc computes: run sgc once to get them.
        cmd = [args.bench, "--nodes", str(args.nodes), "--avg-degree", str(args.avg_degree),
               "--runs", str(args.runs), "--dump", tmp, "--lbfgs-iters", "40"]
        out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
        sys.stdout.write(out)
        sgc = json.loads(out.split("json: ", 1)[1])

        indptr = np.load(f"{tmp}/s_indptr.npy")
        indices = np.load(f"{tmp}/s_indices.npy")
        values = np.load(f"{tmp}/s_values.npy")
        x = np.load(f"{tmp}/x.npy")
        n, d = x.shape
        s = sp.csr_matrix((values, indices, indptr), shape=(n, n))
        scipy_hop = median_time(lambda: s @ x, args.runs)

        if torch is None:
            del s, x
            tl_loss = None
        else:
            (torch_csr_hop, torch_csr_bf16_hop, torch_coo_hop, tl_secs, tl_loss, tl_iters, tl_evals, ta_secs, fx,
             classes) = time_torch(torch, tmp, s, x, indptr, indices, values, n, args.runs)

    reached = [(it, secs) for it, secs, loss in sgc["lbfgs_trace"] if tl_loss is not None and loss <= tl_loss]
    # The end-to-end run alone in a process (peak RSS), for as many iterations as torch's two steps made.
    iters = args.lbfgs_iters or (int(tl_iters) if torch is not None else 40)
    cmd = [args.bench, "--nodes", str(args.nodes), "--avg-degree", str(args.avg_degree),
           "--stages", "inductive", "--lbfgs-iters", str(iters)]
    out2 = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    sys.stdout.write(out2)
    sgc2 = json.loads(out2.split("json: ", 1)[1])

    hop = sgc["hop_s"]
    hop16 = sgc["hop_bf16_s"]
    print()
    print(f"graph: {n} nodes, {len(values)} non-zeros, d = {d}; {args.threads} threads")
    print(f"{'one hop S X':28s} {'seconds':>9s} {'x sgc fp32':>11s} {'x sgc bf16':>11s}")
    print(f"{'sgc fp32 (auto kernel)':28s} {hop:9.3f} {'1.0x':>11s} {'':>11s}")
    print(f"{'sgc bf16 X and Y':28s} {hop16:9.3f} {'':>11s} {'1.0x':>11s}")
    print(f"{'sgc fp32 (whole rows)':28s} {sgc['hop_rows_s']:9.3f} {sgc['hop_rows_s'] / hop:10.1f}x {'':>11s}")
    print(f"{'scipy csr @ dense (fp32)':28s} {scipy_hop:9.3f} {scipy_hop / hop:10.1f}x {scipy_hop / hop16:10.1f}x")
    if torch is not None:
        print(f"{'torch.sparse.mm CSR fp32':28s} {torch_csr_hop:9.3f} {torch_csr_hop / hop:10.1f}x "
              f"{torch_csr_hop / hop16:10.1f}x")
        if torch_csr_bf16_hop:
            print(f"{'torch.sparse.mm CSR bf16':28s} {torch_csr_bf16_hop:9.3f} {'':>11s} "
                  f"{torch_csr_bf16_hop / hop16:10.1f}x")
        print(f"{'torch.sparse.mm COO fp32':28s} {torch_coo_hop:9.3f} {torch_coo_hop / hop:10.1f}x {'':>11s}")
    print(f"STREAM-like triad {sgc['triad_gbs']:.1f} GB/s (roofline lines above)")
    if torch is not None:
        print(f"training, {fx.shape[0]} x {fx.shape[1]} -> {classes} classes:")
        print(f"  torch L-BFGS 2 steps ({tl_iters} iterations, {tl_evals} evaluations): {tl_secs:.2f} s, "
              f"loss {tl_loss:.4f}")
        if reached:
            it, secs = reached[0]
            print(f"  sgc   L-BFGS to torch's loss: iteration {it}, {secs:.2f} s -> {tl_secs / secs:.1f}x faster")
        else:
            print("  sgc   L-BFGS did not reach torch's loss")
        print(f"  sgc   L-BFGS {sgc['lbfgs_iters']} iterations ({sgc['lbfgs_evals']} evaluations): "
              f"{sgc['train_s']:.2f} s, loss {sgc['train_loss']:.4f} -> {tl_secs / sgc['train_s']:.1f}x faster")
        print(f"  torch Adam 100 epochs: {ta_secs:.2f} s")
    print(f"end-to-end inductive sgc run: {sgc2['total_s']:.2f} s, peak RSS {sgc2['peak_rss_gb']:.2f} GB, "
          f"test micro-F1 {sgc2['test_micro_f1']:.4f}, macro-F1 {sgc2['test_macro_f1']:.4f}")
    if torch is not None and args.end_to_end == "yes":
        end_to_end(torch, args, env)


def time_torch(torch, tmp, s, x, indptr, indices, values, n, runs):
    """torch's hops (CSR fp32 and bf16, COO) and training on sgc's features."""
    if True:
        xt = torch.from_numpy(x)
        s_csr = torch.sparse_csr_tensor(torch.from_numpy(indptr), torch.from_numpy(indices.astype(np.int64)),
                                        torch.from_numpy(values), size=(n, n))
        torch_csr_hop = median_time(lambda: torch.sparse.mm(s_csr, xt), runs)
        try:  # bf16 sparse x dense on CPU is not in every torch build
            s16, x16 = s_csr.to(torch.bfloat16), xt.to(torch.bfloat16)
            torch_csr_bf16_hop = median_time(lambda: torch.sparse.mm(s16, x16), runs)
            del s16, x16
        except (RuntimeError, NotImplementedError) as e:
            print(f"torch bf16 CSR hop not available: {e}")
            torch_csr_bf16_hop = None
        coo = s.tocoo()
        s_coo = torch.sparse_coo_tensor(np.vstack([coo.row, coo.col]).astype(np.int64), coo.data, (n, n)).coalesce()
        torch_coo_hop = median_time(lambda: torch.sparse.mm(s_coo, xt), max(1, runs // 2))
        del s_csr, s_coo, coo, s, xt, x

        fx = torch.from_numpy(np.load(f"{tmp}/train_x.npy"))
        fy = torch.from_numpy(np.load(f"{tmp}/train_y.npy").astype(np.int64))
        classes = int(fy.max()) + 1

        def torch_lbfgs():
            torch.manual_seed(0)
            model = torch.nn.Linear(fx.shape[1], classes)
            opt = torch.optim.LBFGS(model.parameters(), lr=1)
            evals = [0]

            def closure():
                opt.zero_grad()
                loss = torch.nn.functional.cross_entropy(model(fx), fy)
                loss.backward()
                evals[0] += 1
                return loss
            t = time.perf_counter()
            for _ in range(2):
                opt.step(closure)
            secs = time.perf_counter() - t
            with torch.no_grad():
                loss = float(torch.nn.functional.cross_entropy(model(fx), fy))
            return secs, loss, opt.state[opt._params[0]]["n_iter"], evals[0]

        def torch_adam():
            torch.manual_seed(0)
            model = torch.nn.Linear(fx.shape[1], classes)
            opt = torch.optim.Adam(model.parameters(), lr=0.2)
            t = time.perf_counter()
            for _ in range(100):
                opt.zero_grad()
                loss = torch.nn.functional.cross_entropy(model(fx), fy)
                loss.backward()
                opt.step()
            return time.perf_counter() - t

        tl_secs, tl_loss, tl_iters, tl_evals = torch_lbfgs()
        ta_secs = torch_adam()
    return (torch_csr_hop, torch_csr_bf16_hop, torch_coo_hop, tl_secs, tl_loss, tl_iters, tl_evals, ta_secs, fx,
            classes)


# ---- end to end: the whole inductive pipeline, sgc against SciPy + PyTorch ----

def python_pipeline(torch, folder, k=2, steps=2):
    """SGC's Reddit pipeline as its reference implementation runs it (Tiiiger/SGC reddit.py): read the FastGCN
    files, adj + adj.T, z-score with the training rows' statistics, S = (D+I)^-1/2 (A+I) (D+I)^-1/2 of the graph
    induced on the training nodes and of the full graph (SciPy), K hops with torch.sparse.mm, torch L-BFGS (lr 1,
    `steps` steps), micro/macro F1 on the test rows. Returns seconds per stage, the loss, iterations and F1s."""
    t = {}
    clock = time.perf_counter()
    adj = sp.load_npz(f"{folder}/reddit_adj.npz").tocsr()
    z = np.load(f"{folder}/reddit.npz")
    feats = z["feats"].astype(np.float32)
    train, val, test = z["train_index"], z["val_index"], z["test_index"]
    labels = np.full(feats.shape[0], -1, dtype=np.int64)
    labels[train], labels[val], labels[test] = z["y_train"], z["y_val"], z["y_test"]
    t["load"] = time.perf_counter() - clock

    clock = time.perf_counter()
    adj = adj + adj.T
    mean, std = feats[train].mean(0), feats[train].std(0)
    feats = (feats - mean) / np.where(std > 0, std, 1)

    def aug_norm(a):
        a = (a + sp.eye(a.shape[0], dtype=np.float32)).tocsr()
        r = 1.0 / np.sqrt(np.asarray(a.sum(1)).ravel())
        return sp.diags(r) @ a @ sp.diags(r)

    def to_torch(a):
        a = a.tocoo().astype(np.float32)
        return torch.sparse_coo_tensor(np.vstack([a.row, a.col]).astype(np.int64), a.data, a.shape).coalesce()

    s_train = to_torch(aug_norm(adj[train][:, train]))
    s_full = to_torch(aug_norm(adj))
    t["normalize"] = time.perf_counter() - clock

    clock = time.perf_counter()
    fx = torch.from_numpy(np.ascontiguousarray(feats[train]))
    ex = torch.from_numpy(feats)
    for _ in range(k):
        fx = torch.sparse.mm(s_train, fx)
        ex = torch.sparse.mm(s_full, ex)
    rest = np.concatenate([val, test])
    ex = ex[torch.from_numpy(rest)]
    t["propagate"] = time.perf_counter() - clock

    clock = time.perf_counter()
    fy = torch.from_numpy(labels[train])
    classes = int(labels.max()) + 1
    torch.manual_seed(0)
    model = torch.nn.Linear(fx.shape[1], classes)
    opt = torch.optim.LBFGS(model.parameters(), lr=1)

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(fx), fy)
        loss.backward()
        return loss
    for _ in range(steps):
        opt.step(closure)
    t["train"] = time.perf_counter() - clock
    with torch.no_grad():
        loss = float(torch.nn.functional.cross_entropy(model(fx), fy))
        pred = model(ex[len(val):]).argmax(1).numpy()
    truth = labels[test]
    micro = float((pred == truth).mean())
    f1s = []
    for c in range(classes):
        tp = np.sum((pred == c) & (truth == c))
        fp, fn = np.sum((pred == c) & (truth != c)), np.sum((pred != c) & (truth == c))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0)
    t["total"] = sum(t.values())
    return t, loss, int(opt.state[opt._params[0]]["n_iter"]), micro, float(np.mean(f1s))


def peak_rss_gb_of_children():
    import resource
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 / 1e9


def end_to_end(torch, args, env):
    """The inductive pipeline end to end, median of args.runs runs each: SciPy + PyTorch (python_pipeline, in a
    process of its own) against `sgc train --dataset` on the same FastGCN files, `sgc train --generator powerlaw`
    and `reddit_bench --stages inductive` (both generating the graph themselves); sgc runs as many L-BFGS
    iterations as torch's two steps made, so both end at a comparable loss."""
    sgc_cli = os.path.join(os.path.dirname(args.bench), "sgc")
    size = ["--nodes", str(args.nodes), "--avg-degree", str(args.avg_degree)]
    with tempfile.TemporaryDirectory(prefix="sgc_e2e_") as tmp:
        subprocess.run([sgc_cli, "generate", "--out", tmp, "--format", "fastgcn", "--threads", str(args.threads)]
                       + size, env=env, check=True, capture_output=True)
        py = []
        for _ in range(args.runs):
            code = (f"import sys, json, resource; sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r}); "
                    f"import torch; torch.set_num_threads({args.threads}); import compare_reddit as c; "
                    f"r = c.python_pipeline(torch, {tmp!r}); "
                    "print(json.dumps(list(r) + [resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9]))")
            out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
            py.append(json.loads(out.stdout.strip().splitlines()[-1]))
        iters = int(np.median([r[2] for r in py]))
        common = ["--inductive", "--optimizer", "lbfgs", "--epochs", str(iters), "--threads", str(args.threads), "--json"]
        runs = {"sgc train --dataset (same files)": [sgc_cli, "train", "--dataset", tmp, "--feature-norm", "zscore",
                                                     "--weight-decay", "0"] + common,
                "sgc train --generator powerlaw": [sgc_cli, "train", "--generator", "powerlaw"] + size + common}
        results = {}
        for name, cmd in runs.items():
            rs = [json.loads(subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout)
                  for _ in range(args.runs)]
            results[name] = rs
        bench = []
        for _ in range(args.runs):
            out = subprocess.run([args.bench, "--stages", "inductive", "--lbfgs-iters", str(iters)] + size, env=env,
                                 check=True, capture_output=True, text=True).stdout
            bench.append(json.loads(out.split("json: ", 1)[1]))
            host = [line for line in out.splitlines() if line.startswith("host:")]

    med = lambda xs: float(np.median(xs))
    py_total = med([r[0]["total"] for r in py])
    print()
    if not host:  # reddit_bench prints none: the CPU and cores at least
        with open("/proc/cpuinfo") as f:
            model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "unknown CPU")
        host = [f"host: {model}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}"]
    print(host[0])
    print(f"end to end, inductive, K = 2, L-BFGS; median of {args.runs} runs, {args.threads} threads")
    stages = ["load", "normalize", "propagate", "train"]
    print(f"  SciPy + PyTorch: " + ", ".join(f"{k} {med([r[0][k] for r in py]):.2f}" for k in stages)
          + f", total {py_total:.2f} s; loss {med([r[1] for r in py]):.4f} after {iters} iterations; "
          f"test micro-F1 {med([r[3] for r in py]):.4f}, macro-F1 {med([r[4] for r in py]):.4f}; "
          f"peak RSS {med([r[5] for r in py]):.2f} GB")
    for name, rs in results.items():
        total = med([r["seconds"]["total"] for r in rs])
        print(f"  {name}: " + ", ".join(f"{k} {med([r['seconds'][k] for r in rs]):.2f}" for k in stages)
              + f", total {total:.2f} s; loss {med([r['final_train_loss'] for r in rs]):.4f}; test micro-F1 "
              f"{med([r['accuracy']['test'] for r in rs]):.4f}, macro-F1 {med([r['macro_f1']['test'] for r in rs]):.4f}; "
              f"peak RSS {med([r['peak_rss_bytes'] for r in rs]) / 1e9:.2f} GB -> {py_total / total:.1f}x faster")
    total = med([b["total_s"] for b in bench])
    print(f"  reddit_bench --stages inductive: total {total:.2f} s; loss {med([b['train_loss'] for b in bench]):.4f}; "
          f"test micro-F1 {med([b['test_micro_f1'] for b in bench]):.4f}; peak RSS "
          f"{med([b['peak_rss_gb'] for b in bench]):.2f} GB -> {py_total / total:.1f}x faster")

if __name__ == "__main__":
    main()
