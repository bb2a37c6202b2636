"""The DRAM counts of a hop (bench/ncu_counters.py): ncu's CSV read, totals
formed, and every way counting can fail reported as a reason, without a GPU
(a fake ncu prints what the real one would)."""

import importlib.util
import json
import os
import subprocess
import sys
import time

import pytest

from conftest import REPO

spec = importlib.util.spec_from_file_location("ncu_counters", REPO / "bench" / "ncu_counters.py")
ncu_counters = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ncu_counters)

HEADER = ('"ID","Process ID","Process Name","Host Name","Kernel Name","Context","Stream","Block Size","Grid Size",'
          '"Device","CC","Section Name","Metric Name","Metric Unit","Metric Value"')


def row(kernel_id, name, metric, unit, value):
    return (f'"{kernel_id}","4242","gpu_bench","127.0.0.1","{name}","1","7","(256, 1, 1)","(528, 1, 1)","0","9.0",'
            f'"Command line profiler metrics","{metric}","{unit}","{value}"')


# Two kernels of one hop, as ncu prints them between the program's own lines:
# 10 + 2 GB moved in 4 ms, and 1.5 + 0.5 GB in 1 ms (one kernel's bytes in
# scaled units, as ncu prints them without --print-units base).
OUTPUT = "\n".join([
    "==PROF== Connected to process 4242 (/build/gpu_bench)",
    "host: some CPU",
    '==PROF== Profiling "spmm_pairs_kernel" - 0: 0%....50%....100% - 3 passes',
    "profile-hop: one fp32 hop S X: 0.0040 s",
    "==PROF== Disconnected from process 4242",
    HEADER,
    row(0, "spmm_pairs_kernel", "dram__bytes_read.sum", "byte", "10,000,000,000"),
    row(0, "spmm_pairs_kernel", "dram__bytes_write.sum", "byte", "2,000,000,000"),
    row(0, "spmm_pairs_kernel", "gpu__time_duration.sum", "nsecond", "4,000,000"),
    row(0, "spmm_pairs_kernel", "lts__t_sector_hit_rate.pct", "%", "10.00"),
    row(1, "spmm_long_rows_kernel", "dram__bytes_read.sum", "Mbyte", "1,500.00"),
    row(1, "spmm_long_rows_kernel", "dram__bytes_write.sum", "Gbyte", "0.50"),
    row(1, "spmm_long_rows_kernel", "gpu__time_duration.sum", "usecond", "1,000.00"),
    row(1, "spmm_long_rows_kernel", "lts__t_sector_hit_rate.pct", "%", "60.00"),
    row(1, "spmm_long_rows_kernel", "sm__throughput.avg.pct_of_peak_sustained_elapsed", "%", "5"),
]) + "\n"


def test_the_csv_is_read_among_the_programs_lines():
    kernels = ncu_counters.parse_csv(OUTPUT)
    assert sorted(k["name"] for k in kernels.values()) == ["spmm_long_rows_kernel", "spmm_pairs_kernel"]
    assert kernels["0"]["dram__bytes_read.sum"] == 10e9
    assert kernels["1"]["dram__bytes_read.sum"] == pytest.approx(1.5e9)
    assert kernels["1"]["gpu__time_duration.sum"] == pytest.approx(1e-3)
    assert "sm__throughput.avg.pct_of_peak_sustained_elapsed" not in kernels["1"]
    assert ncu_counters.parse_csv("no table here\n") == {}


def test_totals_over_the_kernels():
    t = ncu_counters.summarize(ncu_counters.parse_csv(OUTPUT))
    assert t["kernels"] == 2
    assert t["dram_bytes"] == pytest.approx(14e9)
    assert t["seconds"] == pytest.approx(5e-3)
    assert t["l2_hit_pct"] == pytest.approx((10 * 4 + 60 * 1) / 5)  # weighted by each kernel's time


def test_units_and_values_that_are_not_numbers():
    assert ncu_counters.to_number("1,234", "Kbyte") == 1.234e6
    assert ncu_counters.to_number("n/a", "byte") is None
    assert ncu_counters.to_number("12", "furlong") is None


def test_a_counter_without_a_value_is_no_total():
    broken = OUTPUT.replace('"nsecond","4,000,000"', '"nsecond","n/a"')
    with pytest.raises(ncu_counters.CountersUnavailable, match="spmm_pairs_kernel: no value for gpu__time"):
        ncu_counters.summarize(ncu_counters.parse_csv(broken))
    with pytest.raises(ncu_counters.CountersUnavailable, match="no kernel matched"):
        ncu_counters.summarize({})


def test_the_command_counts_the_metrics_of_the_named_kernels_or_range():
    cmd = ncu_counters.command("ncu", ["prog", "--flag", "v"], kernels="regex:spmm_")
    assert cmd[-3:] == ["prog", "--flag", "v"]
    assert cmd[cmd.index("--kernel-name") + 1] == "regex:spmm_"
    assert cmd[cmd.index("--metrics") + 1].split(",") == list(ncu_counters.METRICS)
    assert cmd[cmd.index("--clock-control") + 1] == "none"
    cmd = ncu_counters.command("ncu", ["prog"], nvtx_range="sgc_hop")
    assert cmd[cmd.index("--nvtx-include") + 1] == "sgc_hop/" and "--kernel-name" not in cmd


def fake_ncu(tmp_path, script):
    path = tmp_path / "ncu"
    path.write_text("#!/bin/bash\n" + script)
    path.chmod(0o755)
    return str(path)


def test_profile_runs_the_program_under_ncu_and_totals_it(tmp_path):
    table = tmp_path / "table.txt"
    table.write_text(OUTPUT)
    # The fake checks that the program comes last, as ncu needs it.
    ncu = fake_ncu(tmp_path, f'[ "${{@: -2:1}}" = "--profile-hop" ] || exit 9\ncat {table}\n')
    t = ncu_counters.profile(ncu, ["gpu_bench", "--profile-hop", "fp32"], kernels="regex:spmm_")
    assert t["dram_bytes"] == pytest.approx(14e9)


@pytest.mark.parametrize("script, reason", [
    ('echo "==ERROR== ERR_NVGPUCTRPERM - no permission to access the GPU performance counters"\nexit 1\n',
     "ERR_NVGPUCTRPERM"),
    ('echo "profile-hop: one fp32 hop: 0.01 s; 3e-01 from S X: WRONG"\nexit 1\n', "WRONG"),
    ("echo all fine but no table\n", "no table"),
    ("sleep 30 & wait\n", "ran past 1 s"),  # a child that would hold the pipe open
])
def test_profile_says_why_it_could_not_count(tmp_path, script, reason):
    start = time.monotonic()
    with pytest.raises(ncu_counters.CountersUnavailable, match=reason):
        ncu_counters.profile(fake_ncu(tmp_path, script), ["gpu_bench"], kernels="regex:spmm_", timeout=1)
    assert time.monotonic() - start < 20  # a timeout ends the program ncu launched too
    with pytest.raises(ncu_counters.CountersUnavailable, match="ncu not found"):
        ncu_counters.profile(None, ["gpu_bench"])


def test_sgc_ncu_names_or_disables_the_profiler(monkeypatch):
    monkeypatch.setenv("SGC_NCU", "/somewhere/ncu")
    assert ncu_counters.find_ncu() == "/somewhere/ncu"
    monkeypatch.setenv("SGC_NCU", "")
    assert ncu_counters.find_ncu() is None


def device_check_with(tmp_path, ncu_script):
    """gpu_compare.py end to end with a fake gpu_bench (copy bandwidth 4000
    GB/s), no torch, and a fake ncu running ncu_script: (stdout, figures.json)."""
    build = tmp_path / "build"
    build.mkdir()
    bench = build / "gpu_bench"
    bench.write_text('#!/bin/bash\necho \'json: {"copy_gbs": 4000, "hop_s": 0.01, "hop_rel_diff": 1e-6}\'\n')
    bench.chmod(0o755)
    env = dict(os.environ, SGC_NCU=fake_ncu(tmp_path, ncu_script),
               PYTHONPATH=f"{tmp_path / 'no_torch'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    (tmp_path / "no_torch" / "torch").mkdir(parents=True)
    (tmp_path / "no_torch" / "torch" / "__init__.py").write_text("raise ImportError('no torch here')\n")
    out = tmp_path / "figures.json"
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "gpu_compare.py"), "--build", str(build),
                           "--figures", str(out)], env=env, capture_output=True, text=True, timeout=60)
    return proc.stdout + proc.stderr, json.loads(out.read_text())


def test_the_device_check_reports_the_counted_traffic(tmp_path):
    # 14 GB in 5 ms is 2800 GB/s, 70% of the fake's copy bandwidth.
    table = tmp_path / "table.txt"
    table.write_text(OUTPUT)
    out, written = device_check_with(tmp_path, f"cat {table}\n")
    assert "70% of the copy bandwidth" in out, out
    assert written["figures"]["hop_dram_bytes"] == pytest.approx(14e9)
    assert written["figures"]["hop_bf16_dram_s"] == pytest.approx(5e-3)  # shown, not judged
    assert "torch_hop_dram_bytes" not in written["figures"]  # no torch: its hop is not counted
    target = {r["check"]: r for r in written["targets"]}[
        "hop's bytes from device memory (DRAM counters) / copy bandwidth"]
    assert target["verdict"] == "met" and "70%" in target["figure"]


def test_where_ncu_cannot_count_the_row_is_not_measured_and_says_why(tmp_path):
    out, written = device_check_with(tmp_path, 'echo "==ERROR== Failed to initialize the profiler"\nexit 1\n')
    assert out.count("not counted") == 1, out  # the bf16 and torch counts are not tried after it
    assert "Failed to initialize the profiler" in written["figures"]["hop_counters_note"]
    target = {r["check"]: r for r in written["targets"]}[
        "hop's bytes from device memory (DRAM counters) / copy bandwidth"]
    assert target["verdict"] == "not measured"
