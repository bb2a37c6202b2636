"""The device check's verdict (bench/gpu_compare.py): each target of the GPU
path judged from the figures, without a GPU."""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from conftest import REPO

spec = importlib.util.spec_from_file_location("gpu_compare", REPO / "bench" / "gpu_compare.py")
gpu_compare = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gpu_compare)
gpu_baselines = sys.modules["gpu_baselines"]  # the torch and PyG side, imported by gpu_compare


def figures(**changes):
    # Every target met: gpu_bench's json keys, the baselines, the tests' status.
    f = {"gpu_tests_status": 0, "reddit_total_s": 0.8, "reddit_test_micro_f1": 0.97, "hop_s": 0.01,
         "hop_rel_diff": 1e-6, "hop_bytes": 3.0e9, "copy_gbs": 400.0, "hop_dram_bytes": 5.0e9, "hop_dram_s": 0.02,
         "dgc_pubmed_s": 0.15, "dgc_pubmed_acc": 0.803, "papers_k3_s": 4.0, "papers_fits": 1,
         "torch_csr_int64_s": 0.05, "torch_csr_int32_s": 0.04,
         "pyg_sgconv_edge_index_hop_s": 0.2, "pyg_sgconv_sparse_hop_s": 0.03, "pyg_propagate_hop_s": 0.1}
    f.update(changes)
    return f


def verdicts(f):
    return {r["check"]: r["verdict"] for r in gpu_compare.assess(f)}


def test_every_target_met():
    v = verdicts(figures())
    assert len(v) == 8
    assert set(v.values()) == {"met"}


def test_each_target_can_be_missed():
    assert verdicts(figures(gpu_tests_status=1))["GPU tests"] == "missed"
    assert verdicts(figures(reddit_total_s=1.2))["Reddit-shaped inductive end to end"] == "missed"
    assert verdicts(figures(dgc_pubmed_s=0.25))["DGC on Pubmed, whole run"] == "missed"
    # 3e9 bytes in 0.01 s is 300 GB/s: 75% of 400, 60% of 500, 50% of 600.
    assert verdicts(figures(copy_gbs=500.0))["hop's compulsory bytes / copy bandwidth"] == "met"
    assert verdicts(figures(copy_gbs=600.0))["hop's compulsory bytes / copy bandwidth"] == "missed"
    # 5e9 bytes counted in 0.02 s is 250 GB/s: 62.5% of 400, 50% of 500.
    dram = "hop's bytes from device memory (DRAM counters) / copy bandwidth"
    assert verdicts(figures(copy_gbs=400.0))[dram] == "met"
    assert verdicts(figures(copy_gbs=500.0))[dram] == "missed"


def test_the_fastest_baseline_is_the_one_judged():
    # int64 CSR alone would give 5x; the int32 one gives 1.5x.
    rows = {r["check"]: r for r in gpu_compare.assess(figures(torch_csr_int32_s=0.015))}
    assert rows["one hop vs torch.sparse.mm CSR"]["verdict"] == "missed"
    assert "torch_csr_int32_s" in rows["one hop vs torch.sparse.mm CSR"]["figure"]
    # PyG's spmm path at 0.019 s a hop is under 2x of sgc's 0.01 s.
    assert verdicts(figures(pyg_sgconv_sparse_hop_s=0.019))["one hop vs PyG SGConv"] == "missed"
    # A baseline that did not run leaves the others to judge by.
    assert verdicts(figures(pyg_sgconv_sparse_hop_s=None, pyg_propagate_hop_s=-1))["one hop vs PyG SGConv"] == "met"


def test_missing_figures_are_not_measured_never_met():
    v = verdicts(figures(gpu_tests_status=None, reddit_total_s=-1, hop_s=-1, dgc_pubmed_s=-1,
                         papers_k3_s=-1, papers_fits=-1))
    assert v["GPU tests"] == "not measured"
    for check in ("Reddit-shaped inductive end to end", "one hop vs torch.sparse.mm CSR", "one hop vs PyG SGConv",
                  "hop's compulsory bytes / copy bandwidth", "DGC on Pubmed, whole run", "papers100M-shaped K = 3"):
        assert v[check] == "not measured", check
    # No counts (ncu missing, or refused the counters): not measured.
    dram = "hop's bytes from device memory (DRAM counters) / copy bandwidth"
    assert verdicts(figures(hop_dram_bytes=None, hop_dram_s=None))[dram] == "not measured"
    v = verdicts({})
    assert set(v.values()) == {"not measured"}


def test_a_fast_wrong_result_is_missed():
    # gpu_bench withholds the time of a hop whose result is not S X.
    for diff in (0.3, 1.7976931348623157e308):  # gpu_bench writes a NaN or infinite difference as the largest double
        v = verdicts(figures(hop_s=-1, hop_rel_diff=diff))
        for check in ("one hop vs torch.sparse.mm CSR", "one hop vs PyG SGConv",
                      "hop's compulsory bytes / copy bandwidth",
                      "hop's bytes from device memory (DRAM counters) / copy bandwidth"):
            assert v[check] == "missed", check
    # The papers100M-shaped run's row 0 is checked the same way.
    rows = {r["check"]: r for r in gpu_compare.assess(figures(papers_k3_s=-1, papers_fits=1, papers_rel_diff=0.5))}
    assert rows["papers100M-shaped K = 3"]["verdict"] == "missed"
    assert "from S^3 X" in rows["papers100M-shaped K = 3"]["figure"]
    # A run's time counts only with its accuracy at the CPU path's level.
    assert verdicts(figures(reddit_test_micro_f1=0.6))["Reddit-shaped inductive end to end"] == "missed"
    assert verdicts(figures(reddit_test_micro_f1=-1))["Reddit-shaped inductive end to end"] == "missed"
    assert verdicts(figures(dgc_pubmed_acc=0.5))["DGC on Pubmed, whole run"] == "missed"
    rows = {r["check"]: r for r in gpu_compare.assess(figures(dgc_pubmed_acc=0.5))}
    assert "test accuracy 0.5000 < 0.79" in rows["DGC on Pubmed, whole run"]["figure"]


def test_papers_that_does_not_fit_is_an_answer_only_beyond_the_gpu():
    check = "papers100M-shaped K = 3"
    big = dict(papers_k3_s=-1, papers_fits=0, papers_need_bytes=200e9, gpu_memory_bytes=150e9)
    assert verdicts(figures(**big))[check] == "met"
    # Refused although it fits: a failure, not an answer.
    rows = {r["check"]: r for r in gpu_compare.assess(figures(**dict(big, papers_need_bytes=90e9)))}
    assert rows[check]["verdict"] == "missed" and "refused although it fits" in rows[check]["figure"]
    assert verdicts(figures(**dict(big, gpu_memory_bytes=None)))[check] == "not measured"


def test_figures_are_written_atomically(tmp_path):
    out = tmp_path / "figures.json"
    gpu_compare.write_atomically(str(out), json.dumps({"targets": gpu_compare.assess(figures())}))
    assert json.loads(out.read_text())["targets"][0]["verdict"] == "met"
    assert [p.name for p in tmp_path.iterdir()] == ["figures.json"]


def test_json_line_takes_the_last_line():
    # gpu_bench prints every figure so far after each section.
    out = 'json: {"copy_gbs": 400}\nsection two\njson: {"copy_gbs": 400, "hop_s": 0.01}\ncrash here\n'
    assert gpu_compare.json_line(out) == {"copy_gbs": 400, "hop_s": 0.01}
    # A last line cut off by a kill: the one before it.
    assert gpu_compare.json_line(out + 'json: {"copy_gbs": 400, "hop_s": 0.0') == {"copy_gbs": 400, "hop_s": 0.01}


def fake_gpu_run(tmp_path, bench_tail, gpu_visible=True):
    """A build folder whose gpu_bench prints one json line and then runs
    bench_tail (shell), and a fake torch; returns (build, env)."""
    build = tmp_path / "build"
    build.mkdir()
    bench = build / "gpu_bench"
    bench.write_text('#!/bin/bash\necho \'json: {"copy_gbs": 400, "hop_s": 0.01, "hop_rel_diff": 1e-6}\'\n' + bench_tail)
    bench.chmod(0o755)
    fake = tmp_path / "fake"
    (fake / "torch").mkdir(parents=True)
    (fake / "torch" / "__init__.py").write_text(
        "import types\n__version__ = 'fake'\n"
        f"cuda = types.SimpleNamespace(is_available=lambda: {gpu_visible}, get_device_name=lambda: 'Fake GPU',\n"
        "    get_device_properties=lambda i: types.SimpleNamespace(total_memory=2**30))\n")
    env = dict(os.environ, PYTHONPATH=f"{fake}{os.pathsep}{os.environ.get('PYTHONPATH', '')}", SGC_NCU="")
    return build, env


def test_without_torch_on_the_gpu_sgc_still_runs_and_is_judged(tmp_path):
    build, env = fake_gpu_run(tmp_path, "exit 0\n", gpu_visible=False)
    out = tmp_path / "figures.json"
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "gpu_compare.py"), "--build", str(build),
                           "--figures", str(out)], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # no baselines: not a clean run
    assert "torch sees no CUDA GPU" in proc.stdout
    assert json.loads(out.read_text())["figures"]["hop_s"] == 0.01


def test_a_timeout_still_writes_the_verdict(tmp_path):
    # timeout(1) sends SIGTERM to gpu_compare and then to its process group:
    # the figures gpu_bench printed before hanging, and the verdict, are
    # written all the same, with exit status 124.
    build, env = fake_gpu_run(tmp_path, "while true; do echo working; sleep 0.01; done\n")
    out, md = tmp_path / "figures.json", tmp_path / "figures.md"
    for _ in range(10):  # a handler that takes the second SIGTERM too loses about half of these
        for p in (out, md):
            if p.exists():
                p.unlink()
        proc = subprocess.run(["timeout", "1", sys.executable, str(REPO / "bench" / "gpu_compare.py"), "--build",
                               str(build), "--figures", str(out), "--markdown", str(md)],
                              env=env, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 124, proc.stdout + proc.stderr
        written = json.loads(out.read_text())
        assert written["figures"]["hop_s"] == 0.01 and written["figures"]["gpu"] == "Fake GPU"
        assert "out of time" in proc.stdout
        assert md.read_text().startswith("Measured on Fake GPU")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "fake", "figures.json", "figures.md"]


def test_json_line_reads_nan_and_inf_as_not_measured():
    f = gpu_compare.json_line('gpu: x\njson: {"hop_s": nan, "copy_gbs": inf, "reddit_total_s": 0.5}')
    assert f == {"hop_s": -1, "copy_gbs": -1, "reddit_total_s": 0.5}
    assert verdicts(figures(**f))["hop's compulsory bytes / copy bandwidth"] == "not measured"
    try:
        gpu_compare.json_line("json: {truncated")
    except gpu_compare.Failed as e:
        assert "does not parse" in str(e)
    else:
        raise AssertionError("a broken json line was accepted")


def bench_build():
    """The build tree beside the imported module (build/python/sgc), or skip."""
    import pathlib
    import sgc
    build = pathlib.Path(sgc.__file__).resolve().parents[2]
    if not (build / "reddit_bench").exists():
        pytest.skip(f"no reddit_bench in {build} (the module is not run from a build tree)")
    return build


@pytest.fixture(scope="module")
def small_dump():
    """A 3,000-node Reddit-shaped graph's S and X, as gpu_compare reads them."""
    import numpy as np
    return gpu_baselines.load_dump(str(bench_build()), np, ("--nodes", "3000", "--features", "40"))


def test_baselines_run_and_are_checked_on_the_cpu(small_dump):
    # The baselines' code on the CPU (torch from Debian where installed; PyG is
    # not, and says so): the fp32 hop is checked against NumPy's rows of S X
    # before it is timed, every other variant against it.
    torch = pytest.importorskip("torch")
    import numpy as np
    s_parts, x = small_dump
    assert x.shape == (3000, 40) and len(s_parts[0]) == 3001
    f = {}
    gpu_baselines.run_baselines(f, s_parts, x, torch, np, 1, torch.device("cpu"))
    assert f["torch_csr_int64_rel_diff"] < gpu_baselines.FP32_AGREEMENT
    assert gpu_compare.measured(f, "torch_csr_int64_s")
    for key in ("torch_csr_int32", "torch_csr_bf16"):  # where this torch runs them, they agree
        assert (key + "_s" in f) == (key + "_rel_diff" in f and f[key + "_rel_diff"] <= gpu_baselines.BF16_AGREEMENT)


def test_a_baseline_that_disagrees_is_not_timed(small_dump, capsys):
    torch = pytest.importorskip("torch")
    import numpy as np
    s_parts, x = small_dump
    rows, want = gpu_baselines.spots_of(s_parts, x, np)
    # Reference rows off by 1%: torch's hop disagrees, so nothing is timed.
    f = {}
    xt = torch.from_numpy(x)
    assert gpu_baselines.time_torch(f, s_parts, x.shape[0], xt, 1, torch, (rows, want * 1.01)) is None
    assert f["torch_csr_int64_rel_diff"] > gpu_baselines.FP32_AGREEMENT
    assert not any(k.endswith("_s") for k in f)
    assert "not timed" in capsys.readouterr().out
    # The NumPy rows themselves are S X's rows.
    dense = np.zeros((x.shape[0], x.shape[0]))
    indptr, indices, values = s_parts
    for r in rows:
        dense[r, indices[indptr[r]:indptr[r + 1]]] = values[indptr[r]:indptr[r + 1]]
    assert np.allclose(want, (dense @ x.astype("float64"))[rows], rtol=1e-6, atol=1e-9)


def fake_pyg(torch):
    """A stand-in for torch_geometric with SGConv's interface and semantics
    (gcn_norm on A + I, K hops, a linear layer; a cache in _cached_x): runs
    gpu_compare's PyG code where PyG is not installed. Not PyG's speed."""
    import types

    class SGConv(torch.nn.Module):
        def __init__(self, fin, fout, K=1, cached=False):
            super().__init__()
            self.K, self.cached, self._cached_x = K, cached, None
            self.lin = torch.nn.Linear(fin, fout)

        def propagate(self, edge_index, x, edge_weight):  # out[target] += w * x[source]; PyG's needs the weight named
            if edge_index.layout == torch.sparse_csr:  # read as adj_t, as PyG does
                return torch.sparse.mm(edge_index, x)
            out = torch.zeros_like(x)
            return out.index_add_(0, edge_index[1], edge_weight.view(-1, 1) * x[edge_index[0]])

        def forward(self, x, adj):
            if self._cached_x is None:
                n = x.shape[0]
                if adj.layout == torch.sparse_csr:
                    adj = adj.to_sparse_coo().indices()
                loops = torch.arange(n).repeat(2, 1)
                ei = torch.cat([adj, loops], 1)
                deg = torch.zeros(n).index_add_(0, ei[1], torch.ones(ei.shape[1]))
                w = deg[ei[0]].rsqrt() * deg[ei[1]].rsqrt()
                for _ in range(self.K):
                    x = self.propagate(ei, x, w)
                self._cached_x = x
            return self.lin(self._cached_x)

    pyg = types.ModuleType("torch_geometric")
    pyg.__version__ = "stand-in"
    pyg.nn = types.ModuleType("torch_geometric.nn")
    pyg.nn.SGConv = SGConv
    return pyg


def test_pyg_baselines_are_checked_and_timed(small_dump, monkeypatch, capsys):
    torch = pytest.importorskip("torch")
    import numpy as np
    import sys
    pyg = fake_pyg(torch)
    monkeypatch.setitem(sys.modules, "torch_geometric", pyg)
    monkeypatch.setitem(sys.modules, "torch_geometric.nn", pyg.nn)
    s_parts, x = small_dump
    f = {}
    gpu_baselines.run_baselines(f, s_parts, x, torch, np, 1, torch.device("cpu"))
    for key in gpu_compare.PYG_HOPS:
        assert gpu_compare.measured(f, key), (key, capsys.readouterr().out)
        assert f[key[:-2] + "_rel_diff"] < gpu_baselines.FP32_AGREEMENT
    # An SGConv that propagates once too often disagrees and is not timed; the
    # propagation alone still is.
    right = pyg.nn.SGConv
    pyg.nn.SGConv = lambda fin, fout, K, cached: right(fin, fout, K=K + 1, cached=cached)
    f = {}
    gpu_baselines.run_baselines(f, s_parts, x, torch, np, 1, torch.device("cpu"))
    assert not gpu_compare.measured(f, "pyg_sgconv_edge_index_hop_s")
    assert f["pyg_sgconv_edge_index_hop_rel_diff"] > gpu_baselines.FP32_AGREEMENT
    assert gpu_compare.measured(f, "pyg_propagate_hop_s")
    assert "not timed" in capsys.readouterr().out


def test_readme_table_names_the_gpu_and_shows_only_measured_figures():
    f = figures(gpu="NVIDIA H200", torch_version="2.11", dgc_pubmed_s=-1)
    md = gpu_compare.render_markdown(f, gpu_compare.assess(f), "built from commit abc123\n", "Some CPU")
    assert md.startswith("Measured on NVIDIA H200 (torch 2.11, PyG not installed; host Some CPU), "
                         "built from commit abc123;")
    rows = [line for line in md.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert len(rows) == 8
    dgc = next(r for r in rows if r.startswith("| DGC on Pubmed"))
    assert dgc.endswith("| - | not measured |")
    reddit = next(r for r in rows if r.startswith("| Reddit-shaped"))
    assert "0.800 s" in reddit and reddit.endswith("| met |")
    assert "hop_s 0.01" in md and "dgc_pubmed_s" not in md
