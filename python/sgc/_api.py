"""Functions of the sgc package: propagation, graph normalisation, defaults."""

import scipy.sparse as sp

from . import _core
from ._input import as_features, as_graph, operator_spec


def propagate(adj, X, k=2, op="sgc", **params):
    """Propagated features: the operator ``op`` applied to ``X`` over the graph ``adj``.

    For ``op="sgc"`` this is ``S^k X`` with ``S`` the normalised adjacency
    (default ``norm="aug_norm_adj"``: ``(D+I)^-1/2 (A+I) (D+I)^-1/2``).

    Parameters
    ----------
    adj : scipy.sparse matrix/array (csr, csc, coo, ...) of shape (n, n), or
        an integer ``edge_index`` array of shape (2, E) (``A[i, j] = 1`` for
        every column ``(i, j)``; list both directions for an undirected graph).
    X : numpy array (n, d) of float32 or float64, or a scipy.sparse matrix.
        A float32 C-contiguous array is read in place (no copy).
    k : int, propagation steps (>= 0).
    op : operator name, see ``sgc.operators()``; unknown names raise ValueError
        from the C++ validation.
    **params : the other fields of the C++ ``OperatorSpec`` (``norm``,
        ``self_loop``, ``t``, ``alpha``, ``tol``, ... as the build has them,
        see ``sgc.operator_defaults()``).

    Returns
    -------
    numpy.ndarray of float32, shape (n, d) (``op="sign"``: the hops side by side).

    The work runs in C++ with OpenMP, without the GIL.
    """
    spec = operator_spec(op, k, params, "propagate")
    return _core.propagate(as_graph(adj), as_features(X), spec)


def normalized_adjacency(adj, n_nodes=None, norm="aug_norm_adj", self_loop=1.0):
    """The normalised graph operator S as a scipy CSR matrix (float32).

    ``n_nodes`` is needed only when ``adj`` is an edge_index.
    """
    g = as_graph(adj)
    if n_nodes is None:
        if sp.issparse(g):
            n_nodes = g.shape[0]
        else:
            raise ValueError("normalized_adjacency: n_nodes is required with an edge_index")
    indptr, indices, data, shape = _core.normalized_adjacency(
        g, int(n_nodes), {"norm": norm, "self_loop": self_loop})
    return sp.csr_matrix((data, indices, indptr), shape=shape)


def operators():
    """Names of the propagation operators this build knows."""
    return list(_core.operator_names())


def normalizations():
    """Names of the graph normalisations this build knows."""
    return list(_core.normalization_names())


def operator_defaults():
    """{parameter: default} of every field of the C++ OperatorSpec."""
    return {name: default for name, _, default in _core.spec_fields()}


def paper_defaults(dataset):
    """The paper's settings for ``dataset`` as SGCClassifier parameters.

    ``SGCClassifier(**sgc.paper_defaults("cora"))`` is what
    ``sgc train --dataset cora`` runs (same seed -> same accuracy).
    Unknown names give the generic SGC defaults.
    """
    c = _core.paper_defaults(dataset)
    spec = dict(c["op"])
    base = {"op": spec.pop("op"), "k": spec.pop("k"), "norm": spec.pop("norm"),
            "self_loop": spec.pop("self_loop")}
    defaults = operator_defaults()
    extra = {name: value for name, value in spec.items() if value != defaults.get(name)}
    return {**base, "op_params": extra or None, "feature_norm": c["feature_norm"],
            "optimizer": c["optimizer"], "lr": c["lr"], "epochs": c["epochs"],
            "weight_decay": c["weight_decay"], "seed": c["seed"]}


def set_num_threads(n):
    """OpenMP threads for the sgc calls that follow from this thread (0: all cores)."""
    _core.set_num_threads(int(n))


def get_num_threads():
    """OpenMP threads sgc calls from this thread use."""
    return _core.get_num_threads()
