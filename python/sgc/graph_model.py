"""GraphModelClassifier: the library's models beyond the linear head (TSC,
ACM) on a graph given as scipy / numpy objects, trained in the C++ core
through the same Model interface and Config as ``sgc train --model ...``."""

import numpy as np

from . import _core
from ._input import as_features, as_graph, as_index, check_graph_size
from .estimator import NotFittedError, SGCClassifier

__all__ = ["GraphModelClassifier", "model_defaults"]


def model_defaults(dataset, model="tsc"):
    """The configuration ``sgc train --dataset <dataset> --model <model>`` runs, as a dict.

    dataset : "cora", "citeseer", "pubmed", "family/name", or a GraphDataset.
    Pass it as ``GraphModelClassifier(model, config=...)``; change fields
    (``config["epochs"]``, ``config["model_params"]["tau"]``, ...) before.
    """
    from ._api import _identity

    family, name = _identity(dataset)
    return _core.preset(family, name, "sgc", model)["config"]


class GraphModelClassifier:
    """Transductive node classification with a model of the library's registry.

    model : "tsc" (SGC + the Two-Sided Constraint, Peng et al. KDD 2024) or
        "acm" (SGC with aggregation on a compact manifold, Zhou et al. PAKDD
        2024); "linear" also works (SGCClassifier is the full estimator for it).
    config : dict as ``model_defaults`` returns (``config_to_json``): the
        operator (``config["operator"]["k"]`` is the depth L / K), training
        (lr, epochs, weight_decay, seed) and ``model_params``; default: the
        model's generic preset.
    **overrides : top-level config fields (lr=..., epochs=..., seed=...) or
        model parameters (tau=..., negatives=..., dropout=...) or k=...

    After ``fit``: ``scores_`` (n_nodes, n_classes) class scores of every node
    (TSC: the expected operator, deterministic), ``train_score_``,
    ``val_score_``, ``test_score_``, ``epoch_`` (the epoch kept: best
    validation), ``best_test_over_epochs_`` (for comparison with papers that
    report it; not a model-selection result), ``loss_``.
    """

    def __init__(self, model="tsc", config=None, **overrides):
        self.model = model
        self.config = config
        self.overrides = overrides

    # sklearn's estimator protocol: clone() rebuilds the classifier from
    # get_params(), and search tools set parameters by name.
    def get_params(self, deep=True):
        """``{"model", "config", and each override}``: ``type(clf)(**clf.get_params())`` is an unfitted copy."""
        return {"model": self.model, "config": self.config, **self.overrides}

    def set_params(self, **params):
        """Sets ``model``, ``config`` or an override (``lr=``, ``tau=``, ``k=``, ...); returns self."""
        overrides = dict(self.overrides)  # the dict given to __init__ is not changed
        for key, value in params.items():
            if key in ("model", "config"):
                setattr(self, key, value)
            else:
                overrides[key] = value
        self.overrides = overrides
        return self

    def __repr__(self):
        given = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items() if v is not None)
        return f"GraphModelClassifier({given})"

    def _config(self):
        if self.config is not None and not isinstance(self.config, dict):
            raise TypeError(f"config: expected a dict as model_defaults returns, got {type(self.config).__name__}")
        c = dict(self.config) if self.config is not None else model_defaults("", self.model)
        if c.get("model", self.model) != self.model:  # it was retrained as self.model without a word
            raise ValueError(f"config: a configuration of model {c['model']!r}, and this classifier's model is "
                             f"{self.model!r}; pass model={c['model']!r}")
        # A field left out keeps the library's default (the operator: sgc, K = 2).
        c = {**c, "operator": dict(c.get("operator", {})), "model_params": dict(c.get("model_params", {}))}
        c["model"] = self.model
        for key, value in self.overrides.items():
            if key == "k":
                c["operator"]["k"] = value
            elif key in c and key != "model_params":
                c[key] = value
            else:
                c["model_params"][key] = value
        if not c["model_params"]:
            del c["model_params"]
        return c

    def fit(self, adj, X, y, train_idx, val_idx=None, test_idx=None):
        X = as_features(X)
        n = X.shape[0]
        if X.shape[1] == 0:
            raise ValueError(f"X: shape {X.shape} has no feature columns; the model needs at least one")
        adj = as_graph(adj)
        check_graph_size(adj, n)
        # Labels as SGCClassifier takes them: any values (numeric ones < 0 are
        # unlabelled), numbered 0..C-1 in sorted order for the library, given
        # back as classes_.
        y = SGCClassifier._labels(y, n)
        labelled = SGCClassifier._labelled(y)
        classes = np.unique(y[labelled])
        codes = np.full(n, -1, dtype=np.int64)
        codes[labelled] = np.searchsorted(classes, y[labelled])
        idx = [as_index(i, n, name) if i is not None else np.zeros(0, dtype=np.int64)
               for i, name in ((train_idx, "train_idx"), (val_idx, "val_idx"), (test_idx, "test_idx"))]
        out = _core.fit_graph_model(adj, X, codes, len(classes), *idx, self._config())
        self.scores_ = out["scores"]
        self.classes_ = classes
        # No nodes to score: None, as SGCClassifier.val_score_.
        self.train_score_, self.val_score_, self.test_score_ = (
            out["train_acc"], out["val_acc"] if idx[1].size else None, out["test_acc"] if idx[2].size else None)
        self.epoch_, self.best_test_over_epochs_, self.loss_ = (out["epoch"], out["best_test_over_epochs"],
                                                                out["final_loss"])
        return self

    def predict(self, idx=None):
        """Predicted class of the nodes ``idx`` (all nodes if None) of the graph fitted on."""
        if not hasattr(self, "scores_"):
            raise NotFittedError("This GraphModelClassifier instance is not fitted yet; call fit first.")
        scores = self.scores_ if idx is None else self.scores_[as_index(idx, self.scores_.shape[0], "idx")]
        return self.classes_[np.argmax(scores, axis=1)]

    def score(self, y, idx=None):
        """Accuracy on the labelled nodes of ``idx`` (default: every node) of the graph fitted on.

        y has one label per node, as in ``fit``; unlabelled nodes (numeric
        labels < 0) are left out, not counted wrong.
        """
        if not hasattr(self, "scores_"):
            raise NotFittedError("This GraphModelClassifier instance is not fitted yet; call fit first.")
        n = self.scores_.shape[0]
        y = SGCClassifier._labels(y, n)
        idx = np.arange(n) if idx is None else as_index(idx, n, "idx")
        idx = idx[SGCClassifier._labelled(y[idx])]
        if idx.size == 0:
            raise ValueError("y: no labelled node to score among idx (labels < 0 mean unlabelled)")
        return float(np.mean(self.predict(idx) == y[idx]))
