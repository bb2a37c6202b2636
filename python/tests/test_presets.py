"""sgc.paper_defaults: the library's presets (src/sgc/presets.h) as SGCClassifier parameters."""

import numpy as np
import pytest

import sgc
from sgc import _core

PARAMS = {"epochs", "feature_norm", "k", "lr", "norm", "op", "op_params", "optimizer", "seed", "self_loop",
          "weight_decay"}


def test_dgc_on_cora_is_the_published_setting():
    assert sgc.paper_defaults("cora", op="dgc") == {
        "op": "dgc", "k": 250, "norm": "aug_norm_adj", "self_loop": 1.0, "op_params": {"t": 5.27, "tol": 1e-6},
        "feature_norm": "row", "optimizer": "adam", "lr": 0.156, "epochs": 100, "weight_decay": 3.544e-5,
        "seed": 42}


@pytest.mark.parametrize("name, op, expected", [
    ("cora", "sgc", {"k": 2, "op_params": None, "lr": 0.2, "weight_decay": 1.3027e-5, "epochs": 100}),
    ("citeseer", "sgc", {"k": 2, "lr": 0.2, "weight_decay": 2.3546e-5, "epochs": 150}),
    ("pubmed", "sgc", {"k": 2, "lr": 0.2, "weight_decay": 7.4039e-5, "epochs": 100}),
    ("citeseer", "dgc", {"k": 300, "op_params": {"t": 3.78, "tol": 1e-6}, "lr": 1.39, "weight_decay": 2e-4}),
    ("pubmed", "dgc_naive", {"k": 900, "op_params": {"t": 6.0498}, "lr": 0.627, "weight_decay": 9.38e-6}),
    ("cora", "ssgc", {"k": 16, "op_params": {"alpha": 0.05}, "lr": 0.2, "weight_decay": 1e-5, "epochs": 100}),
    ("citeseer", "ssgc", {"k": 16, "op_params": {"alpha": 0.05}, "weight_decay": 1e-4, "epochs": 150}),
    # No settings of its own on Cora: SGC's training there, the operator's parameter defaults.
    ("cora", "ppr", {"op_params": {"alpha": 0.1, "tol": 1e-6}, "lr": 0.2, "weight_decay": 1.3027e-5}),
])
def test_published_settings(name, op, expected):
    d = sgc.paper_defaults(name, op=op)
    assert d["op"] == op
    for key, value in expected.items():
        assert d[key] == value, key


def test_family_qualified_names_are_the_same_data_set():
    for name in ("cora", "citeseer", "pubmed"):
        for op in ("sgc", "dgc", "ssgc"):
            assert sgc.paper_defaults(f"planetoid/{name}", op=op) == sgc.paper_defaults(name, op=op)


def test_a_loaded_data_set_is_keyed_on_its_identity(cora):
    assert (cora.family, cora.name) == ("planetoid", "cora")
    assert sgc.paper_defaults(cora, op="dgc") == sgc.paper_defaults("cora", op="dgc")


def test_a_bare_name_is_keyed_on_its_family():
    # `sgc train --dataset coauthor_cs --model acm` uses graphdata/coauthor_cs's published setting.
    assert sgc.model_defaults("coauthor_cs", "acm") == sgc.model_defaults("graphdata/coauthor_cs", "acm")
    assert sgc.model_defaults("coauthor_cs", "acm") != sgc.model_defaults("", "acm")
    for name in ("texas", "cora_ml", "amazon_cs"):
        family = {"texas": "heterophilous", "cora_ml": "ppnp", "amazon_cs": "graphdata"}[name]
        assert sgc.paper_defaults(name, op="dgc") == sgc.paper_defaults(f"{family}/{name}", op="dgc")


def test_other_data_sets_get_the_generic_defaults():
    generic = sgc.paper_defaults("")
    assert sgc.paper_defaults("chameleon") == generic
    assert sgc.paper_defaults("npz/cora") == generic  # another family's Cora: no published setting
    assert generic["lr"] == 0.2 and generic["weight_decay"] == 0.0 and generic["k"] == 2
    dgc = sgc.paper_defaults("chameleon", op="dgc")
    d = sgc.operator_defaults()
    assert dgc["k"] == d["k"] and dgc["op_params"] == {"t": d["t"], "tol": d["tol"]}
    assert dgc["lr"] == generic["lr"] and dgc["weight_decay"] == generic["weight_decay"]
    assert sgc.paper_defaults("synthetic/csbm")["feature_norm"] == "none"
    with pytest.raises(ValueError, match="inductive protocol"):
        sgc.paper_defaults("synthetic/powerlaw")  # SGC's Reddit protocol: not what SGCClassifier does


def test_every_operator_gives_classifier_parameters():
    for op, info in sgc.operator_info().items():
        d = sgc.paper_defaults("cora", op=op)
        assert set(d) == PARAMS
        assert set(d["op_params"] or {}) == set(info["params"]) - {"k"}, op
        clf = sgc.SGCClassifier(**d)
        assert clf.get_params()["op"] == op


def test_bad_arguments():
    with pytest.raises(sgc.ArgumentError, match="op: unknown operator 'nope'"):
        sgc.paper_defaults("cora", op="nope")
    with pytest.raises(TypeError, match="op: expected a string"):
        sgc.paper_defaults("cora", op=None)
    with pytest.raises(TypeError, match="dataset: expected a name"):
        sgc.paper_defaults(3)


def test_poly_needs_its_coefficients():
    d = sgc.paper_defaults("cora", op="poly")
    assert d["op_params"] == {"coeffs": []}
    a = np.eye(4, dtype=np.float32)
    import scipy.sparse as sp
    g, X, y = sp.csr_matrix(a), np.eye(4, dtype=np.float32), np.array([0, 1, 0, 1])
    with pytest.raises(sgc.ArgumentError, match="coeffs"):
        sgc.SGCClassifier(**d).fit(g, X, y)
    clf = sgc.SGCClassifier(**{**d, "op_params": {"coeffs": [0.5, 0.5]}, "epochs": 5}).fit(g, X, y)
    assert np.isfinite(clf.loss_)


def test_dgc_estimator_matches_the_cpp_pipeline(cora, planetoid_dir):
    clf = sgc.SGCClassifier(**sgc.paper_defaults("cora", op="dgc"))
    clf.fit(cora.adj, cora.X, cora.y, cora.train_idx, cora.val_idx)
    ref = _core.run_pipeline("cora", str(planetoid_dir), 42, "dgc")
    np.testing.assert_array_equal(clf._theta(), ref["theta"])  # bitwise the same model
    assert clf.val_score_ == ref["val_acc"]
    assert clf.score(cora.adj, cora.X, cora.y, cora.test_idx) == ref["test_acc"]
    assert ref["test_acc"] > 0.78  # DGC publishes 83.3 on this split
