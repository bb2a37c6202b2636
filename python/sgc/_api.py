"""Functions of the sgc package: propagation, graph normalisation, defaults."""

import numpy as np
import scipy.sparse as sp

from . import _core
from ._input import as_features, as_graph, check_int, operator_spec
from .datasets import PLANETOID

ArgumentError = _core.ArgumentError


def propagate(adj, X, k=None, op="sgc", **params):
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
    k : int, propagation steps (>= 0); default (None): the registry's (2).
    op : operator name, see ``sgc.operators()``; unknown names raise
        sgc.ArgumentError (a ValueError) from the library.
    **params : the other operator parameters of the library's registry
        (``norm``, ``self_loop``, ``t``, ``alpha``, ``tol``, ``coeffs``,
        ``precision``: "fp32", "bf16" or "fp16" storage of X and the inner
        hops; see ``sgc.operator_defaults()`` and ``sgc.operator_info()`` for
        which operator reads which). ``op="poly"`` takes ``coeffs=[c0, c1, ...]``
        (``sum_k c_k S^k X``). A parameter ``op`` does not read (``k`` for
        heat or poly, ``alpha`` for sgc) raises sgc.ArgumentError, as
        ``sgc train`` refuses it.

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
    if sp.issparse(g):
        if n_nodes is not None and check_int(n_nodes, "n_nodes") != g.shape[0]:
            raise ValueError(f"n_nodes: {n_nodes}, but the adjacency is {g.shape[0]} x {g.shape[1]} "
                             "(n_nodes is for an edge_index)")
        n_nodes = g.shape[0]
    elif n_nodes is None:
        raise ValueError("normalized_adjacency: n_nodes is required with an edge_index")
    spec = operator_spec("sgc", 0, {"norm": norm, "self_loop": self_loop}, "normalized_adjacency")
    indptr, indices, data, shape = _core.normalized_adjacency(g, check_int(n_nodes, "n_nodes"), spec)
    return sp.csr_matrix((data, indices, indptr), shape=shape)


def operators():
    """Names of the propagation operators of the library's registry."""
    return [d["name"] for d in _core.operators()]


def operator_info(op=None):
    """What the library's registry says about the operators.

    Returns ``{name: {"formula", "source", "params", "min_k"}}`` (``params``:
    the parameters the operator reads besides ``norm``, ``self_loop`` and
    ``precision``), or that dict of one operator when ``op`` is given.
    """
    info = {d["name"]: {key: d[key] for key in ("formula", "source", "params", "min_k")}
            for d in _core.operators()}
    if op is None:
        return info
    if op not in info:
        raise ArgumentError(f"op: unknown operator '{op}' (known: {', '.join(info)})")
    return info[op]


def optimizers():
    """Names of the optimizers of the library's registry (SGCClassifier's ``optimizer``)."""
    return [o["name"] for o in _core.optimizers()]


def normalizations():
    """Names of the graph normalisations this build knows."""
    return list(_core.normalization_names())


def operator_defaults():
    """{parameter: default} of the library's operator parameters (the registry's list)."""
    return {name: default for name, _, _, default in _core.operator_params()}


def operator_params():
    """The library's operator parameters: ``[(name, type, help, default), ...]``."""
    return [tuple(p) for p in _core.operator_params()]


def _identity(dataset):
    """(family, name) of a data set: a GraphDataset, "family/name", or a Planetoid name."""
    family = getattr(dataset, "family", None)
    name = getattr(dataset, "name", None)
    if family is not None and name is not None:
        return family, name
    if not isinstance(dataset, str):
        raise TypeError(f"dataset: expected a name or a GraphDataset, got {type(dataset).__name__}")
    if "/" in dataset:
        family, _, name = dataset.partition("/")
        return family, name
    if dataset in PLANETOID or not dataset:
        return ("planetoid" if dataset else ""), dataset  # "": no data set, the generic defaults
    # The family `sgc train --dataset NAME` finds (its presets are keyed on it);
    # an unknown name is the command line's "unknown data set" error.
    return _core.dataset_family(dataset), dataset


def _has_negative_features(dataset):
    """Whether a GraphDataset's X has a negative value (the preset then does not row-normalise it)."""
    X = getattr(dataset, "X", None)
    if X is None:
        return False
    values = X.data if sp.issparse(X) else np.asarray(X)
    return bool(values.size) and bool(values.min() < 0)


def paper_defaults(dataset, op="sgc"):
    """The library's preset for ``dataset`` and operator ``op``, as SGCClassifier parameters.

    dataset : a data set name (``sgc.datasets.names()``: "cora", "texas",
        ...), a family-qualified name ("planetoid/cora", "synthetic/csbm"),
        or a GraphDataset (its family and name). Data sets without published
        settings, and ``""``, get the generic defaults (SGC's training
        settings, the operator's parameter defaults; a GraphDataset whose X has
        negative values is not row-normalised, as ``sgc train`` decides); an unknown name raises
        sgc.ArgumentError (a ValueError), as ``sgc train`` does.
    op : operator name (``sgc.operators()``).

    ``SGCClassifier(**sgc.paper_defaults("cora"))`` is what
    ``sgc train --dataset cora`` runs (same seed -> same accuracy);
    ``paper_defaults("cora", op="dgc")`` gives DGC's published settings
    (K=250, T=5.27, lr 0.156, weight decay 3.544e-5). Returns ``op``, ``k``,
    ``norm``, ``self_loop``, ``op_params`` (the other parameters the operator
    reads, or None), ``feature_norm``, ``optimizer``, ``lr``, ``epochs``,
    ``weight_decay``, ``seed``. A preset with the inductive protocol (SGC's
    Reddit setting) raises ValueError: SGCClassifier is transductive.
    """
    if not isinstance(op, str):
        raise TypeError(f"op: expected a string, got {type(op).__name__}")
    family, name = _identity(dataset)
    p = _core.preset(family, name, op, has_negative_features=lambda: _has_negative_features(dataset))
    c, spec = p["config"], p["spec"]
    if c["protocol"] != "transductive":
        raise ValueError(f"paper_defaults: the preset of {family}/{name} uses the {c['protocol']} protocol "
                         "(SGC's Reddit setting), which SGCClassifier does not implement")
    reads = [q for q in operator_info(op)["params"] if q != "k"]
    return {"op": c["operator"]["op"], "k": spec["k"], "norm": spec["norm"], "self_loop": spec["self_loop"],
            "op_params": {q: spec[q] for q in reads} or None, "feature_norm": c["feature_norm"],
            "optimizer": c["optimizer"], "lr": c["lr"], "epochs": c["epochs"],
            "weight_decay": c["weight_decay"], "seed": c["seed"]}


def set_num_threads(n):
    """OpenMP threads for the sgc calls that follow from this thread (0: the default, all cores)."""
    _core.set_num_threads(check_int(n, "threads"))


def set_device(name):
    """Where the sgc calls that follow propagate and train: ``"cpu"`` (default) or ``"cuda"``.

    ``"cuda"`` needs a build with CUDA and a GPU; otherwise sgc.Error says which is missing.
    """
    _core.set_device(str(name))


def get_device():
    """The device sgc computes on: ``"cpu"`` or ``"cuda"``."""
    return _core.get_device()


def get_num_threads():
    """OpenMP threads sgc calls from this thread use."""
    return _core.get_num_threads()


def set_limits(memory=None, max_products=None):
    """Set the library's caps, checked before any work (``None`` leaves a cap as it is).

    memory : the memory budget, bytes (int) or a size such as ``"8G"`` or
        ``"512M"`` (default: half the physical memory, or $SGC_MEMORY_LIMIT).
        Inputs and computations that would need more raise sgc.ResourceError
        (a MemoryError) before allocating.
    max_products : the most sparse matrix products one propagation may do
        (default 10000, or $SGC_MAX_PRODUCTS); ``propagate(A, X, k=10**6)``
        raises sgc.ResourceError above it.

    The command line's ``--memory-limit`` and ``--max-products`` set the same caps.
    """
    if memory is not None:
        if isinstance(memory, str):
            memory = _core.parse_bytes(memory)
        _core.set_memory_budget(check_int(memory, "memory", None, 2**63 - 1))
    if max_products is not None:
        _core.set_max_products(check_int(max_products, "max_products", None, 2**63 - 1))


def get_limits():
    """The library's caps: ``{"memory": bytes, "max_products": n}`` (see set_limits)."""
    return {"memory": _core.memory_budget(), "max_products": _core.max_products()}

