#!/usr/bin/env python3
"""One run, one GPU: sgc's CUDA path against torch.sparse.mm and PyG's SGConv,
and the verdict on each of the GPU path's targets.

Runs build/gpu_bench (sgc's copy bandwidth, one hop on the Reddit-shaped graph,
the inductive end to end, DGC on Pubmed, the papers100M-shaped run) and
build/reddit_bench --stages dump --dump DIR (the same graph, seed 0: S and X as
.npy), then times on the same GPU (bench/gpu_baselines.py):
  * one hop S @ X with torch.sparse.mm on a CSR tensor in float32, with int64
    indices (torch's default) and with int32 ones (sgc's width); and in bfloat16;
  * PyG's SGConv(K=2, cached=True), its cache emptied before each call (a cached
    SGConv propagates only on its first call; that call is what is timed):
    gcn_norm, two propagations and the linear layer, halved for a hop; once with
    an edge_index (PyG's gather-scatter) and once with a torch sparse CSR
    adjacency (PyG's spmm path);
  * one PyG propagation alone on S's own weights (no gcn_norm): on an
    edge_index (gather-scatter) and on S as a torch sparse CSR tensor (PyG's
    spmm, its fastest hop).
A baseline is the fastest of its variants, so each ratio is the strictest one.
Each variant's result is checked, untimed, before it counts: torch's fp32 hop
against rows of S X formed from the dumped arrays with NumPy, the others
against that hop (SGConv against its linear layer on S (S X)); one that
disagrees is reported and not timed.
sgc's own results are checked too: gpu_bench's hop against rows of S X in
double (hop_rel_diff), the end to end's micro-F1 and DGC's accuracy against
floors below what the CPU path gets; a figure whose result is wrong counts as
missed. Where Nsight Compute can read the GPU's counters, it also counts the
bytes sgc's fp32 hop and torch's int32 CSR hop move from and to device memory
(bench/ncu_counters.py): the hop's DRAM traffic against the copy bandwidth is
the bandwidth target read literally, beside the stricter compulsory-bytes
reading. Then it prints each GPU target (docs/gpu.md, "Status") with its figure and met /
missed / not measured, and writes every figure and verdict to --figures (JSON).

  python3 bench/gpu_compare.py [--build build] [--runs 5] [--figures F] [--markdown M] [--tests-status N]
Exit status: 0 when gpu_bench and the baselines ran, 1 when either did not
(torch missing or seeing no GPU included), 124 when stopped by SIGTERM; the
verdict on what was measured is printed and written in every case.
"""
import argparse
import json
import os
import re
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ncu_counters  # noqa: E402  (beside this file)
from gpu_baselines import (BF16_AGREEMENT, FP32_AGREEMENT, Failed, load_dump, run_baselines,  # noqa: E402
                           run_echoed, torch_hop_once)














class TimedOut(BaseException):
    """SIGTERM (device_check.sh's timeout): past every per-step handler, to the verdict."""


def on_sigterm(signum, frame):
    # Once: timeout(1) signals the child and then its whole process group, so
    # a second SIGTERM comes while the verdict is being written.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise TimedOut()




def json_line(output):
    """The figures of gpu_bench's last "json: " line (each one holds every
    figure so far)."""
    error = None
    for line in reversed(output.splitlines()):
        if line.startswith("json: "):
            # printf writes a figure that is not a number as nan or inf, which JSON lacks: not measured.
            text = re.sub(r"-?\b(nan|inf)\b", "-1", line[len("json: "):])
            try:
                return json.loads(text)
            except ValueError as e:  # cut off by a kill: the line before holds the figures before it
                error = error or e
    if error:
        raise Failed(f"gpu_compare: gpu_bench's json line does not parse: {error}")
    raise Failed("gpu_compare: no json line in gpu_bench's output")


def measured(figures, key):
    """The figure under key, or None where it was not measured (gpu_bench
    writes -1 for a section that failed)."""
    v = figures.get(key)
    return v if isinstance(v, (int, float)) and v > 0 else None


def fastest(figures, keys):
    vals = [(figures[k], k) for k in keys if measured(figures, k) is not None]
    return min(vals) if vals else (None, None)


TORCH_HOPS = ("torch_csr_int64_s", "torch_csr_int32_s")
PYG_HOPS = ("pyg_sgconv_edge_index_hop_s", "pyg_sgconv_sparse_hop_s", "pyg_propagate_hop_s",
            "pyg_propagate_csr_hop_s")
# Floors on sgc's GPU results, below what its CPU path gets on the same runs
# (README: the Reddit-shaped inductive run 0.97-0.98 test micro-F1; DGC on
# Pubmed 80.3, as published): a time of a run that does not reach them is not met.
REDDIT_F1_FLOOR, DGC_PUBMED_FLOOR = 0.95, 0.79
# The share of the GPU's memory a run may use (gpu/cuda/cuda_util.cuh's
# kUsableShare, there of the memory free at the time): "does not fit" is an
# answer only beyond it.
USABLE_GPU_MEMORY = 0.95


def judged(t, goal, result, floor, what):
    """Verdict and figure for a time t (None: not measured) with goal, whose
    run's result must reach floor."""
    if t is None:
        return None, None
    if result is None or result < floor:
        return f"{t:.3f} s, but {what} {'not measured' if result is None else f'{result:.4f}'} < {floor}", False
    return f"{t:.3f} s ({what} {result:.4f})", t <= goal


def assess(figures):
    """Each target of the GPU path with its figure and verdict ("met",
    "missed" or "not measured"), from the merged figures."""
    rows = []

    def add(check, target, figure, met):
        rows.append({"check": check, "target": target, "figure": figure,
                     "verdict": "not measured" if met is None else "met" if met else "missed"})

    status = figures.get("gpu_tests_status")
    add("GPU tests", "all pass", None if status is None else f"exit {status}",
        None if status is None else status == 0)
    add("Reddit-shaped inductive end to end", "<= 1 s",
        *judged(measured(figures, "reddit_total_s"), 1.0, measured(figures, "reddit_test_micro_f1"),
                REDDIT_F1_FLOOR, "test micro-F1"))
    hop = measured(figures, "hop_s")
    # gpu_bench reports no hop time when its result is wrong; the difference says why.
    wrong_hop = hop is None and measured(figures, "hop_rel_diff") and figures["hop_rel_diff"] > FP32_AGREEMENT
    for name, keys in (("torch.sparse.mm CSR", TORCH_HOPS), ("PyG SGConv", PYG_HOPS)):
        base, key = fastest(figures, keys)
        ratio = base / hop if base and hop else None
        if wrong_hop:
            add(f"one hop vs {name}", ">= 2x faster", f"sgc's hop is wrong ({figures['hop_rel_diff']:.1e} from S X)",
                False)
        else:
            add(f"one hop vs {name}", ">= 2x faster",
                ratio and f"{ratio:.2f}x (sgc {hop:.4f} s, {key} {base:.4f} s)", ratio and ratio >= 2.0)
    copy, hop_bytes = measured(figures, "copy_gbs"), measured(figures, "hop_bytes")
    share = hop_bytes / hop / 1e9 / copy if hop and copy and hop_bytes else None
    add("hop's compulsory bytes / copy bandwidth", ">= 60%",
        share and f"{100 * share:.0f}% ({hop_bytes / hop / 1e9:.0f} of {copy:.0f} GB/s)",
        False if wrong_hop else share and share >= 0.6)
    dram, dram_s = measured(figures, "hop_dram_bytes"), measured(figures, "hop_dram_s")
    dram_share = dram / dram_s / 1e9 / copy if dram and dram_s and copy else None
    add("hop's bytes from device memory (DRAM counters) / copy bandwidth", ">= 60%",
        dram_share and f"{100 * dram_share:.0f}% ({dram / 1e9:.1f} GB in {dram_s:.4f} s: "
                       f"{dram / dram_s / 1e9:.0f} of {copy:.0f} GB/s)",
        False if wrong_hop else dram_share and dram_share >= 0.6)
    add("DGC on Pubmed, whole run", "<= 0.2 s",
        *judged(measured(figures, "dgc_pubmed_s"), 0.2, measured(figures, "dgc_pubmed_acc"), DGC_PUBMED_FLOOR,
                "test accuracy"))
    add("papers100M-shaped K = 3", "its time, or why it does not fit", *papers_verdict(figures))
    return rows


def papers_verdict(figures):
    """A time; or "does not fit", which answers only where the run needs more
    than the GPU has (else it is a failure to run one that fits)."""
    t, fits = measured(figures, "papers_k3_s"), figures.get("papers_fits")
    if t:
        return f"{t:.2f} s", True
    diff = measured(figures, "papers_rel_diff")
    if fits == 1 and diff and diff > BF16_AGREEMENT:  # gpu_bench withholds the time of a wrong result
        return f"ran, but its row 0 is {diff:.1e} from S^3 X", False
    if fits != 0:
        return None, None
    need, have = measured(figures, "papers_need_bytes"), measured(figures, "gpu_memory_bytes")
    if not need or not have:
        return "refused as too large, beside a GPU of unknown size", None
    sizes = f"needs {need / 1e9:.0f} GB, the GPU has {have / 1e9:.0f} GB"
    if need > USABLE_GPU_MEMORY * have:
        return f"does not fit: {sizes}", True
    return f"refused although it fits ({sizes}; the reason is in the log)", False


def host_cpu():
    """The host's CPU model, for the line beside the figures."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def render_markdown(figures, rows, build_info="", host=""):
    """README's table of the targets from one run: the GPU named, what the
    build was, the command; a figure only where it was measured."""
    lines = [f"Measured on {figures.get('gpu', 'an unnamed GPU')} (torch {figures.get('torch_version', '-')}, "
             f"PyG {figures.get('pyg_version', 'not installed')}; host {host or 'unknown'}), "
             f"{build_info.strip() or 'build of unknown commit'}; `bash scripts/device_check.sh` "
             "(bench/gpu_compare.py, medians of its --runs):", "",
             "| target | goal | measured | verdict |", "|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['check']} | {r['target']} | {r['figure'] or '-'} | {r['verdict']} |")
    counted = tuple(f"{run}_{what}" for run in ("hop", "hop_bf16", "torch_hop") for what in COUNTED)
    behind = ("copy_gbs", "hop_s", "hop_streamed_s", "head_eval_s", "head_split_eval_s", "reddit_opt_in_total_s") + \
        counted + TORCH_HOPS + PYG_HOPS
    shown = [(k, figures[k]) for k in behind if measured(figures, k)]
    if shown:
        lines += ["", "Figures behind them: " + ", ".join(f"{k} {v:.4g}" for k, v in shown) + "."]
    return "\n".join(lines) + "\n"


def write_atomically(path, text):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)












def time_baselines(figures, args, torch, np):
    s_parts, x = load_dump(args.build, np)
    run_baselines(figures, s_parts, x, torch, np, args.runs, torch.device("cuda"))
    # Shown, not judged: the judged hop is sgc's default (its kernel in fp32).
    bf16_keys = TORCH_HOPS + ("torch_csr_bf16_s",)
    for key, label, keys in (("hop_cusparse_s", "sgc with SGC_GPU_CUSPARSE=1 (cuSPARSE), fp32", TORCH_HOPS),
                             ("hop_pairs_bf16_s", "sgc's kernel, bfloat16", bf16_keys),
                             ("hop_pairs_fp32_heavy_first_s", "sgc's kernel, heavy rows first, fp32", TORCH_HOPS),
                             ("hop_pairs_bf16_heavy_first_s", "sgc's kernel, heavy rows first, bfloat16", bf16_keys)):
        base, base_key = fastest(figures, keys)
        if measured(figures, key) and base:
            print(f"{label}: {figures[key]:.4f} s -> {base / figures[key]:.2f}x {base_key}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--figures", help="write every figure and verdict here (JSON)")
    ap.add_argument("--tests-status", type=int, help="the GPU tests' exit status, for the verdict")
    ap.add_argument("--markdown", help="write README's table of the targets here")
    ap.add_argument("--torch-hop-once", action="store_true",
                    help="(for ncu, run by this script) torch's int32 CSR hop once inside the NVTX range sgc_hop")
    args = ap.parse_args()
    if args.torch_hop_once:
        return torch_hop_once(args)

    # From here a timeout (SIGTERM) still prints the verdict on what was
    # measured, importing torch included (seconds on the device). sgc's side
    # failing still leaves the PyTorch and PyG times to measure (the device
    # time is spent either way); the exit status reports it.
    signal.signal(signal.SIGTERM, on_sigterm)
    figures = {}
    if args.tests_status is not None:
        figures["gpu_tests_status"] = args.tests_status
    sgc_ran, baselines_ran, status, bench_lines = True, False, 0, []
    try:
        torch, np = cuda_torch(figures)
        try:
            run_echoed([os.path.join(args.build, "gpu_bench"), "--runs", str(args.runs)], bench_lines)
        except Failed as e:
            print(e, flush=True)
            sgc_ran = False
        merge_bench_figures(figures, bench_lines)
        if torch:
            try:
                time_baselines(figures, args, torch, np)
                baselines_ran = True
            except Exception as e:
                print(f"gpu_compare: the baselines stopped: {type(e).__name__}: {e}", flush=True)
        if sgc_ran:
            count_hop_traffic(figures, args, torch is not None)
    except TimedOut:
        print("gpu_compare: out of time (SIGTERM); the verdict covers what was measured", flush=True)
        status = 124
        merge_bench_figures(figures, bench_lines)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the verdict is written whole (timeout's -k still bounds it)
    report(figures, args)
    return status or (0 if sgc_ran and baselines_ran else 1)


# What each count keeps in figures ({run}_{key}), from ncu_counters.summarize's fields.
COUNTED = {"dram_bytes": "dram_bytes", "dram_s": "seconds", "l2_hit_pct": "l2_hit_pct"}


def count_hop_traffic(figures, args, with_torch):
    """The bytes sgc's fp32 hop (judged), its bf16 hop and torch's int32 CSR
    hop (with_torch; both shown) move from and to device memory, counted by
    ncu; where it cannot count, the reason is printed and kept in figures
    (hop_counters_note), and the counts after it are not tried."""
    ncu = ncu_counters.find_ncu()
    bench = os.path.join(args.build, "gpu_bench")
    runs = [("hop", "sgc's kernel, fp32", [bench, "--profile-hop", "fp32"], {"kernels": "regex:spmm_"}),
            ("hop_bf16", "sgc's kernel, bf16", [bench, "--profile-hop", "bf16"], {"kernels": "regex:spmm_"})]
    if with_torch:
        runs.append(("torch_hop", "torch.sparse.mm CSR int32, fp32",
                     [sys.executable, os.path.abspath(__file__), "--build", args.build, "--torch-hop-once"],
                     {"nvtx_range": "sgc_hop"}))
    for key, label, program, which in runs:
        try:
            c = ncu_counters.profile(ncu, program, timeout=90, **which)
        except ncu_counters.CountersUnavailable as e:
            figures["hop_counters_note"] = f"{label}: {e}"
            print(f"DRAM traffic of one hop, {label}: not counted ({e})", flush=True)
            return
        figures.update({f"{key}_{what}": c[field] for what, field in COUNTED.items()})
        copy = measured(figures, "copy_gbs")
        share = f", {100 * c['dram_bytes'] / c['seconds'] / 1e9 / copy:.0f}% of the copy bandwidth" if copy else ""
        print(f"DRAM traffic of one hop, {label} (ncu, {c['kernels']} kernel launches, caches flushed): "
              f"{c['dram_bytes'] / 1e9:.2f} GB in {c['seconds']:.4f} s = {c['dram_bytes'] / c['seconds'] / 1e9:.0f} "
              f"GB/s{share}; L2 hit rate {c['l2_hit_pct']:.1f}%", flush=True)


def cuda_torch(figures):
    """(torch, numpy) with the GPU named in figures; (None, None), saying
    why, where torch cannot be imported or sees no GPU: sgc's side still runs
    and the verdict is still written."""
    try:
        import numpy as np
        import torch
    except ImportError as e:
        print(f"gpu_compare: no baselines: {e}", flush=True)
        return None, None
    figures["torch_version"] = torch.__version__
    if not torch.cuda.is_available():
        print("gpu_compare: no baselines: torch sees no CUDA GPU", flush=True)
        return None, None
    figures.update(gpu=torch.cuda.get_device_name(), gpu_memory_bytes=torch.cuda.get_device_properties(0).total_memory)
    return torch, np


def merge_bench_figures(figures, lines):
    """gpu_bench's figures from its last json line so far (none when it
    printed none: a crash or a timeout in its first section)."""
    try:
        figures.update({k: v for k, v in json_line("".join(lines)).items() if k not in figures})
    except Failed as e:
        print(e, flush=True)


def report(figures, args):
    """The verdict on each target, printed and written to --figures and --markdown."""
    rows = assess(figures)
    gpu = figures.get("gpu", "no GPU seen")
    print(f"\ntargets on {gpu} (torch {figures.get('torch_version', '-')}, PyG {figures.get('pyg_version', '-')}):")
    for r in rows:
        print(f"  {r['verdict']:>12}  {r['check']} ({r['target']}): {r['figure'] or '-'}")
    count = {v: sum(r["verdict"] == v for r in rows) for v in ("met", "missed", "not measured")}
    print("targets: " + ", ".join(f"{c} {v}" for v, c in count.items()), flush=True)
    if args.figures:
        write_atomically(args.figures, json.dumps({"figures": figures, "targets": rows}, indent=1) + "\n")
    if args.markdown:
        try:
            with open(os.path.join(args.build, "BUILD_INFO")) as f:
                build_info = f.readline()
        except OSError:
            build_info = ""
        write_atomically(args.markdown, render_markdown(figures, rows, build_info, host_cpu()))


if __name__ == "__main__":
    sys.exit(main())
