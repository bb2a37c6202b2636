"""SGCClassifier: Simple Graph Convolution as a scikit-learn style estimator.

The conventions of scikit-learn are followed without importing it: every
constructor argument is stored unchanged under its own name (validation
happens in ``fit``), ``get_params`` / ``set_params`` work from the signature,
``sklearn.base.clone`` rebuilds an unfitted copy, fitted state lives in
attributes ending in ``_`` (plain numpy arrays, so pickling just works), and
``fit`` returns ``self``.

Graph estimators need the graph at every call, so the data arguments are
``(adj, X)`` instead of ``X`` alone, and node subsets are chosen by index
arrays::

    clf = SGCClassifier(k=2).fit(adj, X, y, train_idx=train, val_idx=val)
    clf.score(adj, X, y, test)          # accuracy on the test nodes
    clf.predict(adj, X, test)           # their predicted labels
"""

import inspect

import numpy as np

from . import _core
from ._input import (_check_param, _operator_reads, as_features, as_graph, as_index, check_graph_size, check_int,
                     check_real, operator_spec)


class NotFittedError(ValueError, AttributeError):
    """The estimator is used before ``fit`` (as sklearn.exceptions.NotFittedError)."""


class BaseEstimator:
    """get_params / set_params / repr from the ``__init__`` signature (sklearn's protocol)."""

    @classmethod
    def _get_param_names(cls):
        sig = inspect.signature(cls.__init__)
        names = []
        for p in sig.parameters.values():
            if p.name == "self":
                continue
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise RuntimeError(f"{cls.__name__}: estimators must list their parameters explicitly")
            names.append(p.name)
        return sorted(names)

    @classmethod
    def _defaults(cls):
        """{parameter: its default} from the ``__init__`` signature."""
        return {p.name: p.default for p in inspect.signature(cls.__init__).parameters.values()}

    def get_params(self, deep=True):
        out = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{name}__{k}", v) for k, v in value.get_params().items())
            out[name] = value
        return out

    def set_params(self, **params):
        if not params:
            return self
        valid = self.get_params(deep=True)
        nested = {}
        for key, value in params.items():
            name, sep, sub = key.partition("__")
            if name not in valid:
                raise ValueError(f"Invalid parameter {name!r} for estimator {self}. "
                                 f"Valid parameters are: {sorted(self._get_param_names())!r}.")
            if sep:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
                valid[name] = value
        for name, sub in nested.items():
            if not hasattr(valid[name], "set_params"):
                raise ValueError(f"Invalid parameter {name + '__' + next(iter(sub))!r} for estimator {self}: "
                                 f"{name} is not an estimator (set {name} as a whole)")
            valid[name].set_params(**sub)
        return self

    def __repr__(self):
        defaults = self._defaults()
        changed = []
        for name in self._get_param_names():
            value, default = getattr(self, name), defaults.get(name)
            same = value is default
            if not same:
                try:
                    same = bool(value == default) and type(value) is type(default)
                except Exception:  # arrays and other odd values: show them
                    same = False
            if not same:
                changed.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"


def _softmax(z):
    z = np.asarray(z, dtype=np.float64)
    z = z - z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


class SGCClassifier(BaseEstimator):
    """Simple Graph Convolution (Wu et al., ICML 2019) and its family.

    Features are normalised (``feature_norm``), propagated over the graph by
    the operator (``op``, ``k``, ``norm``, ``self_loop``, ``op_params``) and a
    softmax regression is trained on the training nodes, all in the C++ core.

    Parameters
    ----------
    k : int, default=2
        Propagation steps K.
    op : str, default="sgc"
        Operator (``sgc.operators()``): sgc, dgc, dgc_naive, heat, ssgc, ppr,
        sign, poly.
    norm : str, default="aug_norm_adj"
        Graph normalisation (``sgc.normalizations()``).
    self_loop : float, default=1.0
        Self-loop weight of the augmented normalisations.
    op_params : dict or None, default=None
        Further operator parameters of the library's registry, e.g.
        ``{"alpha": 0.05}`` for ssgc, ``{"t": 5.27}`` for dgc or
        ``{"coeffs": [0.5, 0.3, 0.2]}`` for poly (names and defaults:
        ``sgc.operator_defaults()``; which operator reads which:
        ``sgc.operator_info()``). A parameter ``op`` does not read raises
        sgc.ArgumentError in ``fit``, as ``sgc train`` refuses it.
    feature_norm : {"row", "zscore", "none"}, default="row"
        Feature normalisation before propagation (row: each row divided by the
        sum of its absolute values, Planetoid's row sum for non-negative X).
    optimizer : {"adam", "lbfgs", "sgc-compressed", "scrn", "scrn-zo"}, default="adam"
        An optimizer of the library's registry (``sgc.optimizers()``).
    optimizer_params : dict or None, default=None
        Parameters of that optimizer, e.g. ``{"sketch_dim": 4096,
        "sparsity": 512}`` for sgc-compressed or ``{"rho": 1.0,
        "batch_size": 64}`` for scrn (the names of ``--sketch-dim`` etc.;
        which optimizer reads which: ``params`` of ``sgc._core.optimizers()``).
    lr : float, default=0.2
        Adam learning rate (not used by L-BFGS).
    epochs : int, default=100
        Adam steps or L-BFGS iterations.
    weight_decay : float, default=0.0
        L2 penalty (torch's Adam semantics: ``weight_decay * theta`` added
        to the gradient).
    seed : int, default=42
        Seed of the weight initialisation (0 <= seed < 2**64).

    Attributes
    ----------
    classes_ : ndarray (n_classes,), the distinct labels of ``y`` given to
        ``fit`` (every labelled node's, not only the training nodes', as
        ``sgc train`` takes them from the whole data set)
    coef_ : ndarray (n_classes, n_propagated_features), float32
    intercept_ : ndarray (n_classes,), float32
    n_features_in_ : int
    loss_ : float, final training cross-entropy
    train_score_ : float, accuracy on the training nodes
    val_score_ : float or None, accuracy on ``val_idx`` when given
    """

    def __init__(self, k=2, op="sgc", norm="aug_norm_adj", self_loop=1.0, op_params=None, feature_norm="row",
                 optimizer="adam", lr=0.2, epochs=100, weight_decay=0.0, seed=42, optimizer_params=None):
        self.k = k
        self.op = op
        self.norm = norm
        self.self_loop = self_loop
        self.op_params = op_params
        self.feature_norm = feature_norm
        self.optimizer = optimizer
        self.lr = lr
        self.epochs = epochs
        self.weight_decay = weight_decay
        self.seed = seed
        self.optimizer_params = optimizer_params

    # -- helpers ---------------------------------------------------------------

    def _spec(self):
        if self.op_params is not None and not isinstance(self.op_params, dict):
            raise TypeError(f"op_params: expected a dict {{name: value}} or None, got {type(self.op_params).__name__}")
        params = dict(self.op_params or {})
        for name in ("norm", "self_loop", "k"):
            if name in params:
                raise ValueError(f"op_params: {name!r} is a parameter of its own")
        params.update(norm=self.norm, self_loop=self.self_loop)
        # k is a parameter of its own (default 2), checked whether or not the operator reads
        # it, and passed only to one that does (the library refuses a parameter not read).
        spec = operator_spec(self.op, None, params, type(self).__name__, where="op_params: ")
        k = _check_param("k", "int", self.k)
        if "k" in _operator_reads().get(self.op, ("k",)):
            spec["k"] = k
        elif k != self._defaults()["k"]:
            raise _core.ArgumentError(f"k: not a parameter of {self.op} (it has no depth K)")
        return spec

    def _train_args(self):
        """The training parameters, checked: (optimizer, lr, epochs, weight_decay, seed)."""
        if not isinstance(self.optimizer, str):
            raise TypeError(f"optimizer: expected a string, got {type(self.optimizer).__name__}")
        uses_lr = {o["name"]: o["uses_lr"] for o in _core.optimizers()}
        if not uses_lr.get(self.optimizer, True) and self.lr != self._defaults()["lr"]:
            raise _core.ArgumentError(f"lr: optimizer {self.optimizer} chooses its own steps and has no learning rate")
        return (self.optimizer, check_real(self.lr, "lr"), check_int(self.epochs, "epochs", -2**31, 2**31 - 1),
                check_real(self.weight_decay, "weight_decay"), check_int(self.seed, "seed", 0, 2**64 - 1))

    def _features(self, adj, X, rows):
        """Normalised, propagated features of the nodes ``rows`` (float32, C order), as fitted.

        After ``fit`` the operator and feature normalisation are the fitted
        ones (sklearn's convention: set_params does not change a fitted model
        until the next fit).
        """
        fitted = getattr(self, "_fitted_features", None)
        spec, norm = fitted if fitted is not None else (self._spec(), self.feature_norm)
        return _core.features(adj, X, norm, spec, rows)

    def _check_fitted(self):
        if not hasattr(self, "coef_"):
            raise NotFittedError(f"This {type(self).__name__} instance is not fitted yet; call fit first.")

    def _theta(self):
        return np.concatenate([self.coef_.T.ravel(), self.intercept_]).astype(np.float32, copy=False)

    def _inputs(self, adj, X):
        X = as_features(X)
        if hasattr(self, "n_features_in_") and X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but {type(self).__name__} is fitted "
                             f"with {self.n_features_in_}")
        g = as_graph(adj)
        check_graph_size(g, X.shape[0])
        return g, X

    @staticmethod
    def _labels(y, n):
        """y checked: one label per node, finite (GraphModelClassifier takes labels the same way)."""
        y = np.asarray(y)
        _core.check_labels(y, n)
        if y.dtype.kind in "fc":
            bad = ~np.isfinite(y)
            if bad.any():
                i = int(np.argmax(bad))
                raise ValueError(f"y: non-finite label {y[i]} at node {i}")
        return y

    @staticmethod
    def _labelled(y):
        """Mask of the labelled nodes: numeric labels < 0 (-1 or -1.0) mean unlabelled.

        Floats too: labels read from files often come as floats (-1.0 for
        unlabelled, as the command line reads OGB's and the .npz files'), and
        -1.0 made a class of its own out of the unlabelled nodes."""
        return y >= 0 if y.dtype.kind in "iuf" else np.ones(y.shape, dtype=bool)

    # -- estimator API ---------------------------------------------------------

    def fit(self, adj, X, y, train_idx=None, val_idx=None):
        """Train on the nodes ``train_idx``.

        adj : scipy.sparse (n, n) or int edge_index (2, E).
        X : (n, d) float32/float64 array or scipy.sparse matrix.
        y : (n,) labels of every node: they make ``classes_`` (at least
            two; non-finite values raise ValueError); the model is trained on
            ``y[train_idx]`` (and ``y[val_idx]`` makes ``val_score_``).
            Numeric labels < 0 (-1 or -1.0) mean "unlabelled".
        train_idx : node ids (or a boolean mask); default: every labelled node.
        val_idx : node ids for ``val_score_`` (optional).
        """
        for name in ("coef_", "intercept_", "classes_", "n_features_in_", "loss_", "train_score_",
                     "val_score_", "_fitted_features"):
            self.__dict__.pop(name, None)
        g, X = as_graph(adj), as_features(X)
        n = X.shape[0]
        if X.shape[1] == 0:
            raise ValueError(f"X: shape {X.shape} has no feature columns; the classifier needs at least one")
        check_graph_size(g, n)
        y = self._labels(y, n)
        labelled = self._labelled(y)
        if train_idx is None:
            train = np.flatnonzero(labelled)
        else:
            train = as_index(train_idx, n, "train_idx")
        if train.size == 0:
            raise ValueError("train_idx: no training nodes")
        val = as_index(val_idx, n, "val_idx") if val_idx is not None else np.zeros(0, dtype=np.int64)
        if not labelled[train].all():
            i = train[np.argmax(~labelled[train])]
            raise ValueError(f"y: training node {i} has no label ({y[i]})")
        # The classes of every label given, not only the training ones: the
        # command line takes them from the whole data set, and a class without
        # a training node still has its row in the model (same shape, same loss).
        classes = np.unique(y[labelled])
        if classes.size < 2:
            raise ValueError(f"y: {classes.size} class{'' if classes.size == 1 else 'es'} among the labels "
                             f"({', '.join(map(str, classes))}); classification needs at least two")
        y_train = np.searchsorted(classes, y[train])
        train_args = self._train_args()
        rows = np.concatenate([train, val])
        spec = (self._spec(), self.feature_norm)
        F = _core.features(g, X, spec[1], spec[0], rows)
        theta, loss = _core.train(F[:train.size], y_train.astype(np.int32), len(classes), *train_args,
                                  self.optimizer_params)
        C = len(classes)
        dim = F.shape[1]
        self.classes_ = classes
        self.coef_ = np.ascontiguousarray(theta[:dim * C].reshape(dim, C).T)
        self.intercept_ = np.array(theta[dim * C:])
        self.n_features_in_ = X.shape[1]
        self.loss_ = float(loss)
        pred = _core.predict(theta, F, C)
        self.train_score_ = float(np.mean(pred[:train.size] == y_train))
        # Unlabelled validation nodes are left out, as score() leaves them out.
        scored = self._labelled(y[val])
        self.val_score_ = (float(np.mean(classes[pred[train.size:]][scored] == y[val][scored]))
                           if scored.any() else None)
        self._fitted_features = spec
        return self

    def decision_function(self, adj, X, idx=None):
        """Logits (len(idx), n_classes) of the nodes ``idx`` (all nodes if None)."""
        self._check_fitted()
        g, X = self._inputs(adj, X)
        rows = None if idx is None else as_index(idx, X.shape[0], "idx")
        return _core.logits(self._theta(), self._features(g, X, rows), len(self.classes_))

    def predict_proba(self, adj, X, idx=None):
        """Class probabilities (len(idx), n_classes), float64, columns in ``classes_`` order."""
        return _softmax(self.decision_function(adj, X, idx))

    def predict(self, adj, X, idx=None):
        """Predicted labels of the nodes ``idx`` (all nodes if None)."""
        self._check_fitted()
        g, X = self._inputs(adj, X)
        rows = None if idx is None else as_index(idx, X.shape[0], "idx")
        pred = _core.predict(self._theta(), self._features(g, X, rows), len(self.classes_))
        return self.classes_[pred]

    def score(self, adj, X, y, idx=None):
        """Accuracy on the labelled nodes of ``idx`` (default: every node); y has one label per node.

        Unlabelled nodes (labels < 0, as in ``fit``) are left out, not counted wrong.
        """
        self._check_fitted()
        n = as_features(X).shape[0]
        y = self._labels(y, n)
        if idx is None:
            idx = np.arange(n)
        else:
            idx = as_index(idx, n, "idx")
            if idx.size == 0:
                raise ValueError("idx: empty, no nodes to score")
        idx = idx[self._labelled(y[idx])]
        if idx.size == 0:
            raise ValueError("y: no labelled node to score among idx (labels < 0 mean unlabelled)")
        return float(np.mean(self.predict(adj, X, idx) == y[idx]))
