"""SGCClassifier: same results as the C++ pipeline / CLI, and scikit-learn's conventions."""

import copy
import json
import os
import pathlib
import pickle
import shutil
import subprocess

import numpy as np
import pytest
import scipy.sparse as sp

import sgc
from sgc import _core

from conftest import data_root, random_graph


def fitted(ds, **params):
    clf = sgc.SGCClassifier(**{**sgc.paper_defaults(ds.name), **params})
    return clf.fit(ds.adj, ds.X, ds.y, ds.train_idx, ds.val_idx)


def cli_binary():
    """The `sgc` command of the build tree this module comes from, or $SGC_CLI."""
    if os.environ.get("SGC_CLI"):
        return pathlib.Path(os.environ["SGC_CLI"])
    build = pathlib.Path(_core.__file__).resolve().parents[2]  # <build>/python/sgc/_core*.so
    candidate = build / "sgc"
    return candidate if candidate.is_file() and os.access(candidate, os.X_OK) else None


# ---- same numbers as the C++ pipeline -----------------------------------------------------


@pytest.mark.parametrize("name", ["cora", "citeseer", "pubmed"])
def test_same_accuracy_as_the_cpp_pipeline(name, planetoid_dir):
    ds = sgc.datasets.load_planetoid(name, planetoid_dir)
    clf = fitted(ds)
    ref = _core.run_pipeline(name, str(planetoid_dir), 42)
    # Bitwise the same model: large sparse features (citeseer, pubmed) take the
    # pipeline's column-blocked path for the train and val rows in both.
    np.testing.assert_array_equal(clf._theta(), ref["theta"])
    assert clf.loss_ == ref["final_loss"]
    assert clf.val_score_ == ref["val_acc"]
    assert clf.train_score_ == ref["train_acc"]
    assert clf.score(ds.adj, ds.X, ds.y, ds.test_idx) == ref["test_acc"]


def cli_train(name, *flags):
    """`sgc train --dataset name --json` of this build, parsed; skips without the command or the data."""
    cli = cli_binary()
    if cli is None:
        pytest.skip("no sgc command next to this build (set SGC_CLI)")
    out = subprocess.run([str(cli), "train", "--dataset", name, "--data-dir", str(data_root()), "--json", *flags],
                         capture_output=True, text=True)
    if out.returncode != 0 and "no such file" in out.stderr.lower():
        pytest.skip(f"{name} not found under {data_root()}: {out.stderr.strip()}")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def load_or_skip(name):
    try:
        return sgc.datasets.load_dataset(name, data_root())
    except sgc.FileError as e:
        pytest.skip(f"{name} not found under {data_root()}: {e}")


def test_a_class_without_training_nodes_is_trained_as_by_the_command_line():
    # texas, split 0: class 1 has validation and test nodes but no training node.
    ds = load_or_skip("texas")
    assert 1 not in set(ds.y[ds.train_idx]) and 1 in set(ds.y)
    clf = fitted(ds)
    got = cli_train("texas")
    np.testing.assert_array_equal(clf.classes_, np.arange(ds.num_classes))
    assert clf.coef_.shape[0] == ds.num_classes
    assert clf.loss_ == got["final_train_loss"]  # bitwise: same classes, same initial weights
    assert clf.train_score_ == got["accuracy"]["train"]
    assert clf.val_score_ == got["accuracy"]["val"]
    assert clf.score(ds.adj, ds.X, ds.y, ds.test_idx) == got["accuracy"]["test"]


@pytest.mark.parametrize("name", ["citeseer", "cora_ml", "coauthor_cs"])
def test_sparse_features_train_the_command_lines_model(name):
    ds = load_or_skip(name)
    assert sp.issparse(ds.X)
    got = cli_train(name)
    clf = fitted(ds)
    assert clf.loss_ == got["final_train_loss"]
    assert clf.train_score_ == got["accuracy"]["train"]
    assert clf.val_score_ == got["accuracy"]["val"]
    # Sparse or dense X: the same model, as on the command line.
    dense = sgc.SGCClassifier(**{**sgc.paper_defaults(ds), "epochs": 5})
    dense.fit(ds.adj, ds.X.toarray(), ds.y, ds.train_idx, ds.val_idx)
    np.testing.assert_array_equal(fitted(ds, epochs=5).coef_, dense.coef_)


def test_same_test_accuracy_as_the_command_line(cora, planetoid_dir):
    cli = cli_binary()
    if cli is None:
        pytest.skip("no sgc command next to this build (set SGC_CLI)")
    for seed in (42, 7):
        out = subprocess.run([str(cli), "train", "--dataset", "cora", "--data-dir", str(planetoid_dir),
                              "--seed", str(seed), "--json"], check=True, capture_output=True, text=True)
        acc = json.loads(out.stdout)["accuracy"]
        clf = fitted(cora, seed=seed)
        assert clf.score(cora.adj, cora.X, cora.y, cora.test_idx) == acc["test"]
        assert clf.val_score_ == acc["val"]


def test_cora_reaches_the_published_accuracy(cora):
    assert fitted(cora).score(cora.adj, cora.X, cora.y, cora.test_idx) >= 0.80


def test_predict_proba_and_decision_function(cora):
    clf = fitted(cora)
    idx = cora.test_idx[:50]
    proba = clf.predict_proba(cora.adj, cora.X, idx)
    assert proba.shape == (50, 7) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    logits = clf.decision_function(cora.adj, cora.X, idx)
    np.testing.assert_array_equal(clf.classes_[logits.argmax(axis=1)], clf.predict(cora.adj, cora.X, idx))
    np.testing.assert_array_equal(proba.argmax(axis=1), logits.argmax(axis=1))
    everything = clf.predict(cora.adj, cora.X)
    assert everything.shape == (cora.num_nodes,)
    np.testing.assert_array_equal(everything[idx], clf.predict(cora.adj, cora.X, idx))
    np.testing.assert_array_equal(everything[idx], clf.predict(cora.adj, cora.X, np.isin(np.arange(2708), idx)))


def test_graph_and_feature_formats(cora):
    clf = fitted(cora)
    base = clf.predict(cora.adj, cora.X, cora.test_idx)
    coo = cora.adj.tocoo()
    edge_index = np.vstack([coo.row, coo.col])
    np.testing.assert_array_equal(clf.predict(edge_index, cora.X, cora.test_idx), base)
    np.testing.assert_array_equal(clf.predict(cora.adj.tocsc(), cora.X.tocoo(), cora.test_idx), base)
    dense = clf.predict(cora.adj, cora.X.toarray(), cora.test_idx)  # other summation order
    assert np.mean(dense == base) > 0.99
    again = sgc.SGCClassifier(**sgc.paper_defaults("cora")).fit(edge_index, cora.X, cora.y, cora.train_idx)
    np.testing.assert_array_equal(again.coef_, clf.coef_)


def test_labels_of_any_kind(cora):
    names = np.array(["case", "theory", "genetic", "neural", "prob", "reinf", "rule"])
    y = np.where(cora.y >= 0, names[np.maximum(cora.y, 0)], "?")
    by_name = sgc.SGCClassifier(**sgc.paper_defaults("cora")).fit(cora.adj, cora.X, y, cora.train_idx)
    assert list(by_name.classes_) == sorted(names)
    pred = by_name.predict(cora.adj, cora.X, cora.test_idx)
    assert set(pred) <= set(names)
    assert by_name.score(cora.adj, cora.X, y, cora.test_idx) == np.mean(pred == y[cora.test_idx]) > 0.75
    shifted = sgc.SGCClassifier(**sgc.paper_defaults("cora")).fit(
        cora.adj, cora.X, np.where(cora.y >= 0, cora.y + 10, -1), cora.train_idx)
    assert list(shifted.classes_) == list(range(10, 17))
    np.testing.assert_array_equal(shifted.coef_, fitted(cora).coef_)  # same class order -> same model


def test_default_training_nodes_are_the_labelled_ones():
    a = random_graph(40, 100, seed=2)
    X = np.random.default_rng(0).random((40, 5), dtype=np.float32)
    y = np.random.default_rng(1).integers(0, 3, 40)
    y[::4] = -1
    clf = sgc.SGCClassifier(feature_norm="none", epochs=5).fit(a, X, y)
    same = sgc.SGCClassifier(feature_norm="none", epochs=5).fit(a, X, y, train_idx=np.flatnonzero(y >= 0))
    np.testing.assert_array_equal(clf.coef_, same.coef_)
    assert clf.val_score_ is None
    assert clf.score(a, X, y) == clf.score(a, X, y, np.flatnonzero(y >= 0))


def test_lbfgs(cora):
    clf = fitted(cora, optimizer="lbfgs", epochs=50)
    adam = fitted(cora)
    assert np.isfinite(clf.loss_) and clf.loss_ < adam.loss_
    assert clf.score(cora.adj, cora.X, cora.y, cora.test_idx) > 0.7


@pytest.mark.skipif("ssgc" not in sgc.operators(), reason="this build has no ssgc")
def test_operator_parameters_reach_the_library(cora):
    a = fitted(cora, op="ssgc", k=4, op_params={"alpha": 0.05})
    b = fitted(cora, op="ssgc", k=4, op_params={"alpha": 0.5})
    assert not np.array_equal(a.coef_, b.coef_)
    assert a.score(cora.adj, cora.X, cora.y, cora.test_idx) > 0.75


def test_deterministic_for_a_seed_and_threads(cora):
    n = sgc.get_num_threads()
    try:
        sgc.set_num_threads(1)
        one = fitted(cora)
        sgc.set_num_threads(2)
        two = fitted(cora)
    finally:
        sgc.set_num_threads(n)
    np.testing.assert_array_equal(one.coef_, two.coef_)
    assert not np.array_equal(fitted(cora, seed=1).coef_, one.coef_)


# ---- scikit-learn conventions -------------------------------------------------------------


PARAMS = ["epochs", "feature_norm", "k", "lr", "norm", "op", "op_params", "optimizer", "optimizer_params", "seed",
          "self_loop", "weight_decay"]


def test_get_and_set_params():
    clf = sgc.SGCClassifier(k=3, lr=0.1)
    p = clf.get_params()
    assert sorted(p) == PARAMS and p["k"] == 3 and p["lr"] == 0.1 and p["op_params"] is None
    assert clf.set_params(k=4, op="ssgc") is clf
    assert clf.k == 4 and clf.op == "ssgc"
    with pytest.raises(ValueError, match="Invalid parameter 'depth'"):
        clf.set_params(depth=3)
    assert repr(sgc.SGCClassifier()) == "SGCClassifier()"
    assert repr(clf) == "SGCClassifier(k=4, lr=0.1, op='ssgc')"


def test_constructor_defaults_are_the_library_defaults():
    generic = sgc.paper_defaults("")  # the C++ defaults for a data set without a published setting
    params = sgc.SGCClassifier().get_params()
    for name, value in generic.items():
        assert params[name] == value, name


def test_constructor_stores_arguments_unchanged():
    marker = {"alpha": 0.1}
    clf = sgc.SGCClassifier(op_params=marker, k="not validated here")
    assert clf.op_params is marker and clf.k == "not validated here"


def sklearn_style_clone(est):
    """sklearn.base.clone's algorithm for a parameterised estimator."""
    klass = type(est)
    params = est.get_params(deep=False)
    new = klass(**{name: copy.deepcopy(value) for name, value in params.items()})
    for name, value in new.get_params(deep=False).items():
        assert value is not params[name] or isinstance(value, (int, float, str, type(None)))
    return new


def test_clone(cora):
    clf = fitted(cora, op="ssgc", op_params={"alpha": 0.1})
    twin = sklearn_style_clone(clf)
    assert twin.get_params() == clf.get_params()
    assert not hasattr(twin, "coef_")
    twin.fit(cora.adj, cora.X, cora.y, cora.train_idx)
    np.testing.assert_array_equal(twin.coef_, clf.coef_)


def test_clone_with_sklearn(cora):
    base = pytest.importorskip("sklearn.base")
    clf = fitted(cora)
    twin = base.clone(clf)
    assert twin.get_params() == clf.get_params() and not hasattr(twin, "coef_")


def test_pickle_fitted_and_unfitted(cora):
    clf = fitted(cora)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.coef_, clf.coef_)
    np.testing.assert_array_equal(restored.predict(cora.adj, cora.X, cora.test_idx),
                                  clf.predict(cora.adj, cora.X, cora.test_idx))
    assert restored.get_params() == clf.get_params()
    fresh = pickle.loads(pickle.dumps(sgc.SGCClassifier(k=5)))
    assert fresh.k == 5 and not hasattr(fresh, "coef_")


def test_refit_replaces_the_model(cora):
    clf = fitted(cora)
    first = clf.coef_.copy()
    clf.set_params(k=1).fit(cora.adj, cora.X, cora.y, cora.train_idx)
    assert clf.val_score_ is None
    assert not np.array_equal(clf.coef_, first)


def test_dense_float64_features_are_not_modified(cora):
    X = cora.X.toarray()
    before = X.copy()
    sgc.SGCClassifier(**sgc.paper_defaults("cora")).fit(cora.adj, X, cora.y, cora.train_idx)
    np.testing.assert_array_equal(X, before)
    Xs = cora.X.copy()
    sgc.SGCClassifier(**sgc.paper_defaults("cora")).fit(cora.adj, Xs, cora.y, cora.train_idx)
    np.testing.assert_array_equal(Xs.data, cora.X.data)


def test_zscore_features():
    a = random_graph(60, 150, seed=3)
    X = np.random.default_rng(4).normal(5, 2, (60, 4)).astype(np.float32)
    y = np.random.default_rng(5).integers(0, 2, 60)
    for Xin in (X, sp.csr_matrix(X)):
        clf = sgc.SGCClassifier(feature_norm="zscore", epochs=10).fit(a, Xin, y)
        assert np.isfinite(clf.loss_)


def test_what_had_no_effect_is_refused(cora):
    # lbfgs has no learning rate: lr=1e30 trained as lr=0.2 did.
    with pytest.raises(sgc.ArgumentError, match="lr: optimizer lbfgs chooses its own steps"):
        sgc.SGCClassifier(optimizer="lbfgs", lr=1e30).fit(cora.adj, cora.X, cora.y, cora.train_idx)
    # ppr has no depth: k=50 gave k=2's model.
    with pytest.raises(sgc.ArgumentError, match="k: not a parameter of ppr"):
        sgc.SGCClassifier(op="ppr", k=50).fit(cora.adj, cora.X, cora.y, cora.train_idx)
    # The self-loop weight of a normalisation without self-loops.
    with pytest.raises(sgc.ArgumentError, match="norm_adj adds no self-loops"):
        sgc.propagate(cora.adj, cora.X, norm="norm_adj", self_loop=5.0)


def test_features_without_columns_are_named(cora):
    # "softmax regression needs dim > 0 and classes > 0" did not say which input.
    empty = np.zeros((2708, 0), np.float32)
    with pytest.raises(ValueError, match=r"X: shape \(2708, 0\) has no feature columns"):
        sgc.SGCClassifier().fit(cora.adj, empty, cora.y, cora.train_idx)
    with pytest.raises(ValueError, match=r"X: shape \(2708, 0\) has no feature columns"):
        sgc.GraphModelClassifier("acm").fit(cora.adj, empty, cora.y, cora.train_idx)


def test_score_leaves_unlabelled_nodes_out(cora):
    clf = fitted(cora)
    y = cora.y.copy()
    labelled = cora.test_idx[500:]
    y[cora.test_idx[:500]] = -1
    # Unlabelled nodes were counted as wrong (0.385 for 0.77).
    assert clf.score(cora.adj, cora.X, y, cora.test_idx) == clf.score(cora.adj, cora.X, cora.y, labelled)
    y[cora.test_idx] = -1
    with pytest.raises(ValueError, match="no labelled node to score among idx"):
        clf.score(cora.adj, cora.X, y, cora.test_idx)


def test_fitted_model_is_fixed_until_the_next_fit(cora):
    # predict/score read k, op and feature_norm at call time: set_params changed a fitted model.
    clf = sgc.SGCClassifier(**sgc.paper_defaults("cora")).fit(cora.adj, cora.X, cora.y, cora.train_idx)
    before = clf.score(cora.adj, cora.X, cora.y, cora.test_idx)
    clf.set_params(k=20, feature_norm="none")
    assert clf.score(cora.adj, cora.X, cora.y, cora.test_idx) == before
    clf.set_params(op="sign")
    assert clf.score(cora.adj, cora.X, cora.y, cora.test_idx) == before
    refit = clf.set_params(op="sgc").fit(cora.adj, cora.X, cora.y, cora.train_idx)
    assert refit.score(cora.adj, cora.X, cora.y, cora.test_idx) != before  # k = 20, no normalisation now


def test_float_labels_minus_one_are_unlabelled(cora):
    # Float labels with -1.0 for unlabelled (as files often store them) made
    # the unlabelled nodes a class of their own: one class more, another model.
    y = cora.y.copy()
    y[cora.test_idx[:500]] = -1
    yf = y.astype(np.float64)
    a = sgc.SGCClassifier(**sgc.paper_defaults("cora")).fit(cora.adj, cora.X, y, cora.train_idx)
    b = sgc.SGCClassifier(**sgc.paper_defaults("cora")).fit(cora.adj, cora.X, yf, cora.train_idx)
    np.testing.assert_array_equal(b.classes_, np.arange(7.0))
    np.testing.assert_array_equal(a.coef_, b.coef_)
    assert b.score(cora.adj, cora.X, yf, cora.test_idx) == a.score(cora.adj, cora.X, y, cora.test_idx)
    m = sgc.GraphModelClassifier("acm").fit(cora.adj, cora.X, yf, cora.train_idx)
    np.testing.assert_array_equal(m.classes_, np.arange(7.0))
    with pytest.raises(ValueError, match="training node .* has no label"):
        sgc.SGCClassifier().fit(cora.adj, cora.X, yf, cora.test_idx[:10])


def test_val_score_leaves_unlabelled_nodes_out(cora):
    y = cora.y.copy()
    y[cora.val_idx[:250]] = -1
    clf = sgc.SGCClassifier(**sgc.paper_defaults("cora")).fit(cora.adj, cora.X, y, cora.train_idx, cora.val_idx)
    assert clf.val_score_ == clf.score(cora.adj, cora.X, y, cora.val_idx)
    y[cora.val_idx] = -1
    clf = sgc.SGCClassifier(**sgc.paper_defaults("cora")).fit(cora.adj, cora.X, y, cora.train_idx, cora.val_idx)
    assert clf.val_score_ is None


def test_graph_size_is_checked_before_node_ids(cora):
    with pytest.raises(ValueError, match="adjacency: shape \\(100, 100\\) does not match X's 2708 rows"):
        sgc.SGCClassifier().fit(cora.adj[:100, :100], cora.X, cora.y, cora.train_idx)


def test_nested_parameters_of_a_dict_are_refused_clearly():
    with pytest.raises(ValueError, match="op_params is not an estimator"):
        sgc.SGCClassifier().set_params(op_params__alpha=0.1)
