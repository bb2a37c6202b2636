"""scripts/device_check.sh, the one command the device machine runs, run here
on stand-in programs (no GPU needed): the order of its steps, the reruns of
a failing test, the verdict files, and the refusal of a stale build."""

import hashlib
import json
import os
import subprocess
import sys

from conftest import REPO

SCRIPT = REPO / "scripts" / "device_check.sh"

# gtest's output for three tests, one failing; every call logged with
# SGC_CUDA_SYNC's value.
FAKE_TESTS = r"""#!/bin/bash
echo "sync=${SGC_CUDA_SYNC:-} $*" >> "$FAKE_LOG"
case "$*" in
  *--gtest_list_tests*) printf 'Gpu.\n  Good\n  Bad\nDevice.\n  Ok\n' ;;
  *"--gtest_filter=Gpu*"*)
    printf '[ RUN      ] Gpu.Good\n[       OK ] Gpu.Good (1 ms)\n[ RUN      ] Gpu.Bad\n[  FAILED  ] Gpu.Bad (2 ms)\n'
    printf '[ RUN      ] Device.Ok\n[       OK ] Device.Ok (0 ms)\n'
    exit 1 ;;
  *--gtest_filter=Gpu.Bad*) echo "[  FAILED  ] Gpu.Bad"; exit 1 ;;
  *) echo "unexpected: $*"; exit 9 ;;
esac
"""
FAKE_BENCH = """#!/bin/bash
echo "gpu_bench $*" >> "$FAKE_LOG"
echo 'json: {"copy_gbs": 400, "hop_s": 0.01, "hop_rel_diff": 1e-6, "hop_bytes": 3e9}'
"""
FAKE_TORCH = ("import types\n__version__ = 'fake'\n"
              "cuda = types.SimpleNamespace(is_available=lambda: True, get_device_name=lambda: 'Fake GPU',\n"
              "    get_device_properties=lambda i: types.SimpleNamespace(total_memory=2**30))\n")


def executable(path, text):
    path.write_text(text)
    path.chmod(0o755)


def fake_machine(tmp_path):
    """A .devbuild of stand-ins, a PATH with this python3 as python3 and a
    logging compute-sanitizer, and torch faked; returns (build, env)."""
    build, bin_dir, mods, out = (tmp_path / p for p in ("devbuild", "bin", "mods", "out"))
    for p in (build, bin_dir, mods / "torch", out):
        p.mkdir(parents=True)
    executable(build / "sgc_tests", FAKE_TESTS)
    executable(build / "gpu_bench", FAKE_BENCH)
    executable(build / "sgc", '#!/bin/bash\necho "sgc $*" >> "$FAKE_LOG"\necho trained\n')
    executable(build / "reddit_bench", "#!/bin/bash\nexit 1\n")
    (build / "libsgc_cuda.so").write_text("")
    (build / "BUILD_INFO").write_text("built from commit fake\n")
    (build / "SOURCES.sha256").write_text("".join(f"{hashlib.sha256((REPO / f).read_bytes()).hexdigest()}  {f}\n"
                                                  for f in build_sources()))
    os.symlink(sys.executable, bin_dir / "python3")
    executable(bin_dir / "compute-sanitizer", '#!/bin/bash\necho "sanitizer $*" >> "$FAKE_LOG"\n')
    (mods / "torch" / "__init__.py").write_text(FAKE_TORCH)
    env = dict(os.environ, B=str(build), OUT=str(out), FAKE_LOG=str(tmp_path / "calls.log"),
               PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", PYTHONPATH=str(mods), BUDGET="120")
    return build, env


def build_sources():
    out = subprocess.run(["bash", str(REPO / "scripts" / "build_sources.sh")], capture_output=True, text=True, check=True)
    return out.stdout.split()


def run_check(env):
    return subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=300)


def test_a_failing_test_is_rerun_alone_after_the_benchmark(tmp_path):
    build, env = fake_machine(tmp_path)
    proc = run_check(env)
    log = proc.stdout + proc.stderr
    assert proc.returncode != 0, log
    out = tmp_path / "out"
    figures = json.loads((out / "figures.json").read_text())
    assert figures["figures"]["gpu_tests_status"] == 1
    assert figures["figures"]["hop_s"] == 0.01
    tests = next(t for t in figures["targets"] if t["check"] == "GPU tests")
    assert tests["verdict"] == "missed"
    assert (out / "figures.md").read_text().startswith("Measured on Fake GPU")
    calls = (tmp_path / "calls.log").read_text().splitlines()
    # The benchmark before the reruns; only the failed test rerun, alone, with
    # sgc's kernels waited for; then under the sanitizer.
    bench = next(i for i, c in enumerate(calls) if c.startswith("gpu_bench"))
    rerun = next(i for i, c in enumerate(calls) if c == "sync=1 --gtest_filter=Gpu.Bad")
    assert bench < rerun
    assert not any("--gtest_filter=Gpu.Good" in c or "--gtest_filter=Device.Ok" in c for c in calls)
    assert any(c.startswith("sanitizer") and "--gtest_filter=Gpu.Bad" in c for c in calls)
    assert "device_check: Gpu.Bad alone: exit 1" in log
    assert sum(c.startswith("sgc train") for c in calls) == 2  # --device cpu and cuda
    assert "gpu tests: exit 1" in log


def test_a_build_from_other_sources_is_refused(tmp_path):
    build, env = fake_machine(tmp_path)
    listed = (build / "SOURCES.sha256").read_text().splitlines()
    assert "CMakeLists.txt" in build_sources() and any(f.endswith(".cu") for f in build_sources())
    changed = [("0" * 64 + "  CMakeLists.txt") if line.endswith("  CMakeLists.txt") else line for line in listed]
    # A file changed, one gone from the tree, one new to it.
    for lines, named in ((changed, "CMakeLists.txt: FAILED"), (listed + ["0" * 64 + "  src/gone.cc"], "src/gone.cc"),
                         (listed[1:], listed[0].split("  ", 1)[1] + ": not in the build")):
        (build / "SOURCES.sha256").write_text("\n".join(lines) + "\n")
        proc = run_check(env)
        assert proc.returncode == 2, proc.stdout
        assert "was not built from these sources" in proc.stdout and named in proc.stdout
        assert not (tmp_path / "calls.log").exists()  # nothing ran
