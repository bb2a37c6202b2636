"""What a hop reads from and writes to device memory, counted by Nsight
Compute (ncu) from the GPU's DRAM counters, for bench/gpu_compare.py.

A hop's time says how fast it ran, not how many bytes it moved: a gather
served from the L2 costs no DRAM traffic. ncu replays each matching kernel
with the caches flushed first (its default cache control), so the counts are
those of a cold start, as a hop over an X far larger than the L2 has; the
clocks are left alone (--clock-control none), as the timed runs leave them.

  counts = profile(ncu, [program, args...], kernels="regex:spmm_")
  counts = profile(ncu, [python3, script], nvtx_range="sgc_hop")

Each returns a summary (kernels, dram_bytes, seconds, l2_hit_pct) or raises
CountersUnavailable with the reason (no ncu, no access to the counters, as on
some virtual machines, a timeout, or nothing matched).
"""
import csv
import glob
import os
import shutil
import signal
import subprocess

METRICS = ("dram__bytes_read.sum", "dram__bytes_write.sum", "gpu__time_duration.sum", "lts__t_sector_hit_rate.pct")

# ncu scales units unless told otherwise (--print-units base); both are read.
_SCALE = {"byte": 1.0, "kbyte": 1e3, "mbyte": 1e6, "gbyte": 1e9, "tbyte": 1e12,
          "nsecond": 1e-9, "usecond": 1e-6, "msecond": 1e-3, "second": 1.0, "%": 1.0}


class CountersUnavailable(Exception):
    pass


def find_ncu():
    """ncu's path: $SGC_NCU when set (empty: none), else on PATH, or where
    CUDA's toolkit or Nsight Compute's own installer puts it; None when there
    is none."""
    if "SGC_NCU" in os.environ:
        return os.environ["SGC_NCU"] or None
    found = shutil.which("ncu")
    if found:
        return found
    for pattern in ("/usr/local/cuda/bin/ncu", "/usr/local/cuda*/nsight-compute*/ncu", "/opt/nvidia/nsight-compute/*/ncu"):
        hits = sorted(glob.glob(pattern))
        if hits:
            return hits[-1]
    return None


def command(ncu, program, kernels=None, nvtx_range=None):
    """ncu's command line counting METRICS for each kernel of `program` whose
    name matches `kernels` (ncu's syntax: a name, or "regex:...") or that runs
    inside the NVTX push/pop range `nvtx_range`."""
    cmd = [ncu, "--csv", "--page", "details", "--print-units", "base", "--clock-control", "none",
           "--metrics", ",".join(METRICS)]
    if kernels:
        cmd += ["--kernel-name-base", "function", "--kernel-name", kernels]
    if nvtx_range:
        cmd += ["--nvtx", "--nvtx-include", f"{nvtx_range}/"]
    return cmd + list(program)


def to_number(value, unit):
    """A metric's value in base units (bytes, seconds, percent); None when it
    is not a number ("n/a") or its unit is unknown."""
    scale = _SCALE.get(unit.strip().lower())
    try:
        number = float(value.replace(",", "").strip())
    except ValueError:
        return None
    return None if scale is None else number * scale


def parse_csv(text):
    """{kernel id: {"name": ..., metric: value}} from ncu's details page as
    CSV; lines that are not its table (the program's own output, ==PROF==
    messages) are skipped. Columns are found by their header's names."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith('"ID"') and '"Metric Value"' in line), None)
    if start is None:
        return {}
    rows = csv.reader(line for line in lines[start:] if line.startswith('"'))
    header = next(rows)
    col = {name: header.index(name) for name in ("ID", "Kernel Name", "Metric Name", "Metric Unit", "Metric Value")}
    kernels = {}
    for row in rows:
        if len(row) != len(header) or row[col["Metric Name"]] not in METRICS:
            continue
        k = kernels.setdefault(row[col["ID"]], {"name": row[col["Kernel Name"]]})
        k[row[col["Metric Name"]]] = to_number(row[col["Metric Value"]], row[col["Metric Unit"]])
    return kernels


def summarize(kernels):
    """Totals over the kernels: DRAM bytes read and written, seconds, and the
    L2 hit rate weighted by each kernel's time. CountersUnavailable when a
    count is missing (a counter ncu could not read)."""
    if not kernels:
        raise CountersUnavailable("no kernel matched")
    total = {"kernels": len(kernels), "dram_bytes": 0.0, "seconds": 0.0, "l2_hit_pct": 0.0}
    for k in kernels.values():
        missing = [m for m in METRICS if k.get(m) is None]
        if missing:
            raise CountersUnavailable(f"{k['name']}: no value for {', '.join(missing)}")
        t = k["gpu__time_duration.sum"]
        total["dram_bytes"] += k["dram__bytes_read.sum"] + k["dram__bytes_write.sum"]
        total["seconds"] += t
        total["l2_hit_pct"] += k["lts__t_sector_hit_rate.pct"] * t
    if total["seconds"] <= 0:
        raise CountersUnavailable("the kernels' times are zero")
    total["l2_hit_pct"] /= total["seconds"]
    return total


def profile(ncu, program, kernels=None, nvtx_range=None, timeout=120):
    """Runs `program` under ncu and returns summarize()'s totals."""
    if not ncu:
        raise CountersUnavailable("ncu not found")
    cmd = command(ncu, program, kernels, nvtx_range)
    env = dict(os.environ, LC_ALL="C")
    # A group of its own: on a timeout ncu and the program it launched are
    # killed together (the program would otherwise hold the pipe open).
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                                start_new_session=True)
    except OSError as e:
        raise CountersUnavailable(f"ncu did not start: {e}")
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise CountersUnavailable(f"ncu ran past {timeout} s")
    kernels_seen = parse_csv(output)
    if proc.returncode != 0 or not kernels_seen:
        errors = [line for line in output.splitlines() if "==ERROR==" in line or "WRONG" in line]
        why = errors[-1].strip() if errors else (output.strip().splitlines() or ["no output"])[-1]
        raise CountersUnavailable(f"ncu exited with {proc.returncode}: {why}")
    return summarize(kernels_seen)
