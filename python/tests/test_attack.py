"""sgc.attack: InfAttack on Cora from Python."""

import pytest

import sgc


def test_attack_returns_flips_and_outcomes(planetoid_dir):
    r = sgc.attack("cora", data_dir=planetoid_dir, budgets=[2, 4], num_targets=10, seed=3)
    assert r["budgets"] == [2, 4]
    assert len(r["per_target"]) == 10
    assert 0.7 <= r["clean_test_accuracy"] <= 0.85
    for t in r["per_target"]:
        assert len(t["flips"]) == 4
        assert t["target_class"] != t["label"]
        assert len(t["success"]) == 2
        for f in t["flips"]:
            assert 0 <= f["u"] < 2708 and f["u"] != t["target"]
    # The rate is the mean of the per-target outcomes.
    rate = sum(t["success"][1] for t in r["per_target"]) / 10
    assert r["success_rate"][1] == pytest.approx(rate)


def test_attack_is_deterministic_and_takes_targets(planetoid_dir):
    with pytest.warns(UserWarning, match=r"^targets: 1 of the 3 entries repeat a node given before \(1824\)"):
        a = sgc.attack("cora", data_dir=planetoid_dir, budgets=[2], targets=[1824, 1824, 7], variant="exact")
        b = sgc.attack("cora", data_dir=planetoid_dir, budgets=[2], targets=[1824, 1824, 7], variant="exact")
    assert [t["target"] for t in a["per_target"]] == [1824, 1824, 7]
    assert [t["flips"] for t in a["per_target"]] == [t["flips"] for t in b["per_target"]]
    assert a["per_target"][0]["flips"] == a["per_target"][1]["flips"]
    # A repeated entry counts in the rates (as in the authors' lists), with a note.
    assert any("1 of the 3 entries repeat a node given before (1824)" in n for n in a["notes"])


def test_attack_errors(planetoid_dir):
    with pytest.raises(sgc.ArgumentError, match="variant"):
        sgc.attack("cora", data_dir=planetoid_dir, variant="fast")
    with pytest.raises(sgc.ArgumentError, match="outside"):
        sgc.attack("cora", data_dir=planetoid_dir, targets=[99999])
    with pytest.raises(sgc.ArgumentError, match="budgets"):
        sgc.attack("cora", data_dir=planetoid_dir, budgets=[4, 2])


@pytest.mark.parametrize("kwargs, exc, message", [
    ({"seed": -1}, ValueError, "seed: must be >= 0, got -1"),
    ({"seed": 1.5}, TypeError, "seed: expected an integer, got float 1.5"),
    ({"num_targets": 2.5}, TypeError, "num_targets: expected an integer"),
    ({"budgets": [2, 4.5]}, TypeError, "budgets: expected an integer, got float 4.5"),
    ({"targets": [7.9]}, TypeError, "targets: expected an integer, got float 7.9"),
])
def test_attack_integer_arguments_are_not_truncated(planetoid_dir, kwargs, exc, message):
    with pytest.raises(exc, match=message):
        sgc.attack("cora", data_dir=planetoid_dir, **kwargs)


@pytest.mark.parametrize("kwargs, exc, message", [
    ({"k": -7}, ValueError, "k: must be >= 0, got -7"),
    ({"targets": []}, ValueError, "targets: no node given"),
    ({"targets": [7], "num_targets": 5}, ValueError, "num_targets: targets are given too; give one of the two"),
    ({"model_file": "m.bin", "k": 3}, ValueError, "k: not used with model_file"),
    ({"model_file": "m.bin", "op": "dgc"}, ValueError, "op: not used with model_file"),
    ({"num_targets": 0}, ValueError, "num_targets: must be >= 1"),
    ({"attack_k": 0}, ValueError, "attack_k: must be >= 1"),
    ({"max_candidates": -1}, ValueError, "max_candidates: must be >= 0"),
])
def test_attack_refuses_what_it_would_ignore(planetoid_dir, kwargs, exc, message):
    # Each of these ran before: k=-7 at K=2, targets=[] over no target, and
    # k or op beside a model file were dropped.
    with pytest.raises(exc, match=message):
        sgc.attack("cora", data_dir=planetoid_dir, **kwargs)


def test_attack_names_its_own_keyword_for_an_unknown_data_set():
    with pytest.raises(sgc.ArgumentError, match="^dataset: unknown data set 'no_such_set'"):  # said `name`
        sgc.attack("no_such_set")


def test_attack_needs_a_data_set_name():
    with pytest.raises(TypeError, match="dataset: expected a name or a path, got NoneType"):
        sgc.attack(None)


def test_attack_k_is_the_victims_depth(planetoid_dir):
    r = sgc.attack("cora", data_dir=planetoid_dir, k=3, budgets=[1], num_targets=2)
    assert r["victim"]["operator"]["k"] == 3


def test_attack_warns_where_the_command_line_notes(planetoid_dir):
    # Fewer correctly classified test nodes than asked: those are attacked, with a warning (`sgc attack` notes it).
    with pytest.warns(UserWarning, match=r"^num_targets: 1000 asked, only \d+ test nodes are classified correctly"):
        r = sgc.attack("cora", data_dir=planetoid_dir, budgets=[1], num_targets=1000)
    assert 700 < len(r["per_target"]) < 1000 and r["notes"]
    with pytest.warns(UserWarning, match="^targets: 1 of the 1 targets are not classified correctly"):
        # every correctly classified test node was drawn: a test node left out is classified wrongly
        test = sgc.datasets.load_planetoid("cora", planetoid_dir).test_idx
        wrong = next(int(t) for t in test if int(t) not in {p["target"] for p in r["per_target"]})
        sgc.attack("cora", data_dir=planetoid_dir, budgets=[1], targets=[wrong])
