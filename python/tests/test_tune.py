"""sgc.tune: the command line's search (sgc/tune/search.h), from Python."""

import json
import subprocess

import pytest

import sgc
from test_estimator import cli_binary


def test_tune_is_the_command_lines_search(planetoid_dir):
    r = sgc.tune("cora", data_dir=planetoid_dir, search=["k", "weight_decay"], ranges={"k": (1, 4)}, trials=8, seed=5)
    assert r["searched"]["k"] == {"low": 1, "high": 4, "scale": "linear", "integer": True}
    assert r["trials"] == 8 and r["dataset"] == "cora"
    assert 1 <= r["best"]["k"] <= 4 and r["best"]["operator"]["k"] == r["best"]["k"]
    assert r["best"]["val"] > 0.75 and r["config"]["operator"]["k"] == r["best"]["k"]
    cli = cli_binary()
    if cli is None:
        pytest.skip("no sgc command next to this build (set SGC_CLI)")
    run = subprocess.run([str(cli), "tune", "--json", "--dataset", "cora", "--data-dir", str(planetoid_dir),
                          "--search", "k,weight_decay", "--range", "k=1:4", "--trials", "8", "--seed", "5"],
                         check=True, capture_output=True, text=True)
    out = json.loads(run.stdout)
    assert out["searched"] == r["searched"] and out["kept_start"] == r["kept_start"]
    assert out["best"] == r["best"]  # same trials, same choice, same accuracies
    assert out["config"] == r["config"] and out["config"]["operator"]["k"] == r["best"]["k"]  # the chosen one


def test_tune_names_the_range_it_refuses(planetoid_dir):
    with pytest.raises(sgc.ArgumentError, match=r"ranges\['k'\] = \(4, 1\): the low end of k \(4\) must be below"):
        sgc.tune("cora", data_dir=planetoid_dir, search=["k"], ranges={"k": (4, 1)}, trials=2)
    with pytest.raises(sgc.ArgumentError, match="ranges: 'alpha' is not searched"):
        sgc.tune("cora", data_dir=planetoid_dir, ranges={"alpha": (0.1, 0.2)}, trials=2)
    with pytest.raises(sgc.ArgumentError, match="ranges: k takes integers"):
        sgc.tune("cora", data_dir=planetoid_dir, search=["k"], ranges={"k": (1.5, 3)}, trials=2)
    with pytest.raises(sgc.ArgumentError, match="search: no parameter named"):  # ran the default search
        sgc.tune("cora", data_dir=planetoid_dir, search=[], trials=2)
    with pytest.raises(sgc.ArgumentError, match="no_such"):
        sgc.tune("cora", data_dir=planetoid_dir, search=["no_such"], trials=2)
    with pytest.raises(sgc.ArgumentError, match="^dataset: unknown data set 'no_such_set'"):  # said `name`
        sgc.tune("no_such_set", trials=2)
    with pytest.raises(ValueError, match="trials: must be >= 1"):
        sgc.tune("cora", data_dir=planetoid_dir, trials=0)
    with pytest.raises(sgc.ArgumentError, match="trials: must be at most 10000000, got 10000001"):
        sgc.tune("cora", data_dir=planetoid_dir, trials=10**7 + 1)
    with pytest.raises(TypeError, match=r"ranges: k: expected \(low, high\)"):
        sgc.tune("cora", data_dir=planetoid_dir, ranges={"k": 3})
