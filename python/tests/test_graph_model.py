"""GraphModelClassifier (tsc, acm): the same numbers as `sgc train --model ...`, and its checks."""

import json
import subprocess

import numpy as np
import pytest

import sgc
from test_estimator import cli_binary


def quick_tsc(ds):
    config = sgc.model_defaults(ds, "tsc")
    config["epochs"] = 3
    config["model_params"]["negatives"] = 32
    return config


def test_tsc_same_accuracy_as_the_command_line(cora, planetoid_dir):
    cli = cli_binary()
    if cli is None:
        pytest.skip("no sgc command next to this build (set SGC_CLI)")
    clf = sgc.GraphModelClassifier("tsc", quick_tsc(cora), k=8)
    clf.fit(cora.adj, cora.X, cora.y, cora.train_idx, cora.val_idx, cora.test_idx)
    out = subprocess.run([str(cli), "train", "--dataset", "cora", "--data-dir", str(planetoid_dir), "--model", "tsc",
                          "--epochs", "3", "--negatives", "32", "--k", "8", "--seed", "42", "--json"],
                         check=True, capture_output=True, text=True)
    got = json.loads(out.stdout)
    assert clf.test_score_ == got["accuracy"]["test"]
    assert clf.val_score_ == got["accuracy"]["val"]
    assert clf.epoch_ == got["epoch"]
    assert clf.scores_.shape == (cora.num_nodes, cora.num_classes)
    pred = clf.predict(cora.test_idx)
    assert np.mean(pred == cora.y[cora.test_idx]) == pytest.approx(clf.test_score_)


def test_model_defaults_carry_the_authors_settings():
    cora = sgc.model_defaults("cora", "tsc")
    assert cora["operator"]["k"] == 16 and cora["epochs"] == 80 and cora["model_params"]["tau"] == 0.6
    pubmed = sgc.model_defaults("pubmed", "tsc")
    assert pubmed["model_params"]["encoder_layers"] == 2 and pubmed["operator"]["k"] == 4


def test_bad_parameters_are_clear_errors(cora):
    with pytest.raises(sgc.ArgumentError, match="tau"):
        sgc.GraphModelClassifier("tsc", quick_tsc(cora), tau=-1).fit(cora.adj, cora.X, cora.y, cora.train_idx)
    with pytest.raises(sgc.ArgumentError, match="unknown model parameter"):
        sgc.GraphModelClassifier("tsc", quick_tsc(cora), no_such=1).fit(cora.adj, cora.X, cora.y, cora.train_idx)
    with pytest.raises(sgc.NotFittedError):
        sgc.GraphModelClassifier("tsc").predict()


def test_what_was_taken_silently_is_refused(cora):
    # Another model's parameter: acm's dropout was accepted by tsc and ignored.
    with pytest.raises(sgc.ArgumentError, match="dropout: not a parameter of model tsc"):
        sgc.GraphModelClassifier("tsc", quick_tsc(cora), dropout=0.5).fit(cora.adj, cora.X, cora.y, cora.train_idx)
    # X with fewer rows than the graph blamed train_idx.
    with pytest.raises(ValueError, match=r"adjacency: shape \(2708, 2708\) does not match X's 10 rows"):
        sgc.GraphModelClassifier("tsc", quick_tsc(cora)).fit(cora.adj, cora.X[:10], cora.y, cora.train_idx)
    with pytest.raises(TypeError, match="config: expected a dict"):
        sgc.GraphModelClassifier("tsc", config=[1]).fit(cora.adj, cora.X, cora.y, cora.train_idx)


def test_a_config_without_operator_keeps_the_default_operator(cora):
    # It raised a bare KeyError('operator').
    config = quick_tsc(cora)
    del config["operator"]
    clf = sgc.GraphModelClassifier("tsc", config, k=2).fit(cora.adj, cora.X, cora.y, cora.train_idx,
                                                           cora.val_idx, cora.test_idx)
    assert clf.scores_.shape == (2708, 7) and 0 < clf.test_score_ <= 1


def test_ogb_split_is_refused_where_there_is_none(planetoid_dir):
    with pytest.raises(sgc.ArgumentError, match="ogb_split: 'x' names a split of an OGB folder; cora is not one"):
        sgc.datasets.load_dataset("cora", planetoid_dir, ogb_split="x")


def test_labels_are_any_values_as_in_sgc_classifier(cora):
    # Label values were taken as class ids: y*10+5 made 66 classes and a worse model.
    config = quick_tsc(cora)
    args = (cora.train_idx, cora.val_idx, cora.test_idx)
    plain = sgc.GraphModelClassifier("tsc", config, k=4).fit(cora.adj, cora.X, cora.y, *args)
    shifted = sgc.GraphModelClassifier("tsc", config, k=4).fit(cora.adj, cora.X, cora.y * 10 + 5, *args)
    assert shifted.test_score_ == plain.test_score_
    np.testing.assert_array_equal(shifted.classes_, np.arange(7) * 10 + 5)
    np.testing.assert_array_equal(shifted.predict(cora.test_idx), plain.predict(cora.test_idx) * 10 + 5)


def test_without_validation_nodes_the_last_epoch_is_kept(cora):
    # TSC kept the weights of epoch 1 when nothing could select an epoch.
    config = quick_tsc(cora)
    g = sgc.GraphModelClassifier("tsc", config, k=4).fit(cora.adj, cora.X, cora.y, cora.train_idx)
    assert g.epoch_ == config["epochs"]
    assert g.val_score_ is None and g.test_score_ is None
    assert g.train_score_ > 0.5


def test_an_edge_index_graph_is_accepted(cora):
    coo = cora.adj.tocoo()
    edge_index = np.vstack([coo.row, coo.col])
    args = (cora.y, cora.train_idx, cora.val_idx)
    by_index = sgc.GraphModelClassifier("acm", epochs=3).fit(edge_index, cora.X, *args)
    by_matrix = sgc.GraphModelClassifier("acm", epochs=3).fit(cora.adj, cora.X, *args)
    assert by_index.val_score_ == by_matrix.val_score_
    with pytest.raises(ValueError, match="adjacency: shape"):
        sgc.GraphModelClassifier("acm", epochs=3).fit(cora.adj[:100, :100], cora.X, *args)


def test_sklearn_protocol_get_set_params_and_score(cora):
    # get_params / set_params were missing: sklearn's clone() and searches could not rebuild the classifier.
    config = quick_tsc(cora)
    clf = sgc.GraphModelClassifier("tsc", config, k=4, tau=0.5)
    assert clf.get_params() == {"model": "tsc", "config": config, "k": 4, "tau": 0.5}
    copy = type(clf)(**clf.get_params())
    assert copy.get_params() == clf.get_params() and copy is not clf
    args = (cora.adj, cora.X, cora.y, cora.train_idx, cora.val_idx, cora.test_idx)
    a, b = clf.fit(*args), copy.fit(*args)
    assert a.test_score_ == b.test_score_
    assert a.score(cora.y, cora.test_idx) == pytest.approx(a.test_score_)
    assert copy.set_params(k=2, lr=0.1) is copy and copy.get_params()["k"] == 2 and clf.get_params()["k"] == 4
    assert "k=4" in repr(clf) and "tau=0.5" in repr(clf)
    y = cora.y.copy()
    y[cora.test_idx[:10]] = -1  # unlabelled: left out
    labelled = cora.test_idx[10:]
    assert a.score(y, cora.test_idx) == pytest.approx(np.mean(a.predict(labelled) == cora.y[labelled]))
    with pytest.raises(sgc.NotFittedError):
        sgc.GraphModelClassifier("acm").score(cora.y)


def test_the_command_lines_json_config_trains_the_same_model():
    # `sgc train --json` carries the whole configuration; with the same graph (the demo CSBM at seed 42) the
    # classifier built from it scores what the command line scored.
    cli = cli_binary()
    if cli is None:
        pytest.skip("no sgc command next to this build (set SGC_CLI)")
    out = subprocess.run([str(cli), "train", "--json", "--model", "tsc", "--epochs", "3", "--k", "4", "--negatives",
                          "16"], check=True, capture_output=True, text=True)
    got = json.loads(out.stdout)
    assert got["config"]["model"] == "tsc" and got["config"]["operator"]["k"] == 4
    g = sgc.datasets.generate("csbm")
    clf = sgc.GraphModelClassifier("tsc", got["config"]).fit(g.adj, g.X, g.y, g.train_idx, g.val_idx, g.test_idx)
    assert clf.test_score_ == got["accuracy"]["test"] and clf.val_score_ == got["accuracy"]["val"]


def test_a_config_of_another_model_is_refused(cora):
    config = sgc.model_defaults(cora, "acm")
    with pytest.raises(ValueError, match="config: a configuration of model 'acm', and this classifier's model is 'tsc'"):
        sgc.GraphModelClassifier("tsc", config).fit(cora.adj, cora.X, cora.y, cora.train_idx)
