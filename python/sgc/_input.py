"""Checks and conversions of user inputs before they reach the C++ core.

The rules (the C++ side repeats the structural checks and owns the domain
checks, so its messages reach the user unchanged):

* graph: a scipy.sparse matrix or array (csr, csc, coo, ... -> CSR; duplicates
  summed, indices sorted, on a copy only when needed) with a real or bool dtype,
  or an ``edge_index`` array of shape (2, E) with an integer dtype
  (``A[edge_index[0, e], edge_index[1, e]] = 1``, duplicates collapsed).
* features ``X``: a 2-D numpy array of float32 or float64 (float32 C-contiguous
  is read in place), or a scipy.sparse matrix of floats.
* wrong dtypes raise TypeError; wrong shapes and values raise ValueError.
"""

import functools
import numbers

import numpy as np
import scipy.sparse as sp

from . import _core


def _is_float(dtype):
    """float32 or float64 in either byte order."""
    return dtype.kind == "f" and dtype.itemsize in (4, 8)


def _is_sparse(obj):
    return sp.issparse(obj)


def _check_structure(m, what):
    """The index arrays of a CSR, CSC or COO matrix are consistent, before any scipy routine reads them.

    scipy trusts them: a decreasing indptr made sum_duplicates() write out of
    bounds (a segfault), a smaller fault a bare std::bad_alloc-like error.
    """
    fmt = getattr(m, "format", "")
    bad = _core.FormatError
    if fmt in ("csr", "csc"):
        major, minor = m.shape if fmt == "csr" else m.shape[::-1]
        line, other = ("row", "column") if fmt == "csr" else ("column", "row")
        indptr, indices = np.asarray(m.indptr), np.asarray(m.indices)
        if indptr.ndim != 1 or indptr.size != major + 1:
            raise bad(f"{what}: indptr has {indptr.size} entries, expected {major + 1} ({line}s + 1)")
        if indices.ndim != 1 or indices.size != np.asarray(m.data).size:
            raise bad(f"{what}: {indices.size} {other} indices but {np.asarray(m.data).size} values")
        if indptr[0] != 0 or indptr[-1] != indices.size:
            raise bad(f"{what}: indptr must run from 0 to nnz = {indices.size}, it runs from {indptr[0]} to "
                      f"{indptr[-1]}")
        step = np.diff(indptr)
        if step.size and step.min() < 0:
            raise bad(f"{what}: indptr decreases at {line} {int(np.argmax(step < 0))}")
        if indices.size and (indices.min() < 0 or indices.max() >= minor):
            i = int(np.argmax((indices < 0) | (indices >= minor)))
            raise bad(f"{what}: {other} index {indices[i]} out of range [0, {minor})")
    elif fmt == "coo":
        coords = getattr(m, "coords", None) or (m.row, m.col)
        for axis, (ids, size) in enumerate(zip(coords, m.shape)):
            ids = np.asarray(ids)
            if ids.size != np.asarray(m.data).size:
                raise bad(f"{what}: {ids.size} {('row', 'column')[axis]} ids but {np.asarray(m.data).size} values")
            if ids.size and (ids.min() < 0 or ids.max() >= size):
                i = int(np.argmax((ids < 0) | (ids >= size)))
                raise bad(f"{what}: {('row', 'column')[axis]} id {ids[i]} out of range [0, {size})")


def _canonical_csr(m, what):
    """CSR with sorted, unique indices; copies only if ``m`` is not already that."""
    if m.ndim != 2:
        raise ValueError(f"{what}: expected a 2-D sparse matrix")
    _check_structure(m, what)
    csr = m.tocsr()  # no copy when m is already CSR
    if not csr.has_canonical_format:
        csr = csr.copy() if csr is m else csr
        csr.sum_duplicates()  # also sorts the indices
    if not csr.data.dtype.isnative:
        csr = csr.astype(csr.data.dtype.newbyteorder("="))
    return csr


def as_graph(adj):
    """The graph argument as a canonical scipy CSR matrix or an int edge_index."""
    if _is_sparse(adj):
        kind = adj.dtype.kind
        if kind not in "biuf":
            raise TypeError(f"adjacency: dtype {adj.dtype} is not supported (expected real or bool weights)")
        csr = _canonical_csr(adj, "adjacency")
        if not (_is_float(csr.dtype) and csr.dtype.isnative):
            csr = csr.astype(np.float32)
        return csr
    if isinstance(adj, np.ndarray) or isinstance(adj, (list, tuple)):
        ei = np.asarray(adj)
        if ei.dtype.kind not in "iu":
            raise TypeError(
                f"edge_index: dtype {ei.dtype} is not an integer type "
                "(the graph must be a scipy.sparse matrix or an integer edge_index of shape (2, E))")
        if ei.ndim != 2 or ei.shape[0] != 2:
            raise ValueError(f"edge_index: expected shape (2, E), got {ei.shape}")
        return ei
    raise TypeError(
        f"adjacency: expected a scipy.sparse matrix or an edge_index array of shape (2, E), got {type(adj).__name__}")


def check_graph_size(g, n):
    """A scipy adjacency (as_graph) must be n x n for X's n rows; an edge_index is checked by the library."""
    if not isinstance(g, np.ndarray) and g.shape != (n, n):
        raise ValueError(f"adjacency: shape {g.shape} does not match X's {n} rows")


def as_features(X):
    """X as a float32/float64 2-D numpy array (never copied here) or a canonical CSR."""
    if _is_sparse(X):
        if not _is_float(X.dtype):
            raise TypeError(f"X: dtype {X.dtype} is not supported (expected float32 or float64)")
        return _canonical_csr(X, "X")
    X = np.asarray(X)
    if not _is_float(X.dtype):
        raise TypeError(f"X: dtype {X.dtype} is not supported (expected float32 or float64)")
    if X.ndim != 2:
        raise ValueError(f"X: expected a 2-D array, got {X.ndim}-D with shape {X.shape}")
    if not X.dtype.isnative:  # byte-swapped: the C++ side reads native floats
        X = X.astype(X.dtype.newbyteorder("="))
    return X


def n_rows(X):
    return X.shape[0]


def as_index(idx, n, what):
    """Node ids as an int64 array with every id in [0, n) and no repeats."""
    idx = np.asarray(idx)
    if idx.dtype == np.bool_:
        if idx.shape != (n,):
            raise ValueError(f"{what}: boolean mask of shape {idx.shape} for {n} nodes")
        return np.flatnonzero(idx)
    if idx.size == 0:
        return np.zeros(0, dtype=np.int64)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{what}: dtype {idx.dtype} is not an integer type")
    if idx.ndim != 1:
        raise ValueError(f"{what}: expected a 1-D array of node ids, got shape {idx.shape}")
    bad = (idx < 0) | (idx >= n)  # in the array's own dtype: uint64 ids above 2**63 are negative as int64
    if bad.any():
        raise ValueError(f"{what}: node id {idx[bad][0]} out of range [0, {n})")
    idx = idx.astype(np.int64, copy=False)
    if np.unique(idx).size != idx.size:
        raise ValueError(f"{what}: node ids repeat")
    return idx


@functools.lru_cache(maxsize=None)
def operator_param_types():
    """{name: type} of the library's operator parameters (int, float, list[float], str)."""
    return {name: kind for name, kind, _, _ in _core.operator_params()}


def _type_name(value):
    return type(value).__name__


def _check_param(name, kind, value):
    """The value as plain Python for the JSON the library reads; TypeError for the wrong kind.

    The library would reject a wrongly typed value too (sgc.ArgumentError naming
    the parameter); checking here keeps the TypeError Python users expect.
    """
    if kind == "int":
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name}: expected an integer, got {_type_name(value)}")
        value = int(value)
        if not -2**63 <= value < 2**63:
            raise ValueError(f"{name}: {value} is out of range")
        return value
    if kind == "float":
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name}: expected a number, got {_type_name(value)}")
        return float(value)
    if kind == "list[float]":
        if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
            raise TypeError(f"{name}: expected a list of numbers, got {_type_name(value)}")
        items = list(np.asarray(value).ravel()) if isinstance(value, np.ndarray) else list(value)
        return [_check_param(name, "float", v) for v in items]
    if kind == "str":
        if not isinstance(value, str):
            raise TypeError(f"{name}: expected a string, got {_type_name(value)}")
        return value
    return value


@functools.lru_cache(maxsize=None)
def _operator_reads():
    """{operator: set of parameters it reads besides norm, self_loop and precision} (the registry's)."""
    return {d["name"]: frozenset(d["params"]) for d in _core.operators()}


# Every operator's graph normalisation, and the hop storage an operator that
# does not honour it ignores: the command line does not check them either.
_EVERY_OPERATOR = frozenset({"norm", "self_loop", "precision"})


def _check_params_read(op, names, where):
    """sgc.ArgumentError for a parameter ``op`` does not read, as ``sgc train`` refuses it."""
    reads = _operator_reads()
    if op not in reads:
        return  # the library names an unknown operator
    for name in names:
        if name in _EVERY_OPERATOR or name in reads[op]:
            continue
        readers = ", ".join(o for o, params in reads.items() if name in params)
        raise _core.ArgumentError(f"{where}{name}: not a parameter of {op} (read by {readers or 'no operator'})")


def operator_spec(op, k, params, caller, where=""):
    """{"op": op, "k": k, parameter: value} for the library's operator_from_json.

    Parameter names are the registry's (``sgc.operator_defaults()``); unknown
    names and wrongly typed values raise TypeError as Python does, a parameter
    the operator does not read sgc.ArgumentError (as the command line), the
    domains are checked by the library (sgc.ArgumentError). ``k=None``: not
    given (the registry's default, and not checked as read). ``where``
    prefixes the names in messages (``"op_params: "``).
    """
    types = operator_param_types()
    if not isinstance(op, str):
        raise TypeError(f"op: expected a string, got {_type_name(op)}")
    spec = {"op": op}
    if k is not None:
        spec["k"] = _check_param("k", types["k"], k)
    for name, value in params.items():
        if name not in types or name == "k":
            raise TypeError(f"{caller}() got an unexpected keyword argument '{name}' "
                            f"(operator parameters: {', '.join(sorted(set(types) - {'k'}))})")
        spec[name] = _check_param(name, types[name], value)
    _check_params_read(op, [name for name in spec if name != "op"], where)
    return spec


def check_int(value, what, low=None, high=None):
    """``value`` as a Python int: TypeError unless an integer (numpy's too), ValueError outside [low, high]."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what}: expected an integer, got {type(value).__name__} {value!r}")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{what}: must be >= {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{what}: must be <= {high}, got {value}")
    return value


def check_real(value, what):
    """``value`` as a Python float: TypeError unless a real number (numpy's too)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{what}: expected a number, got {type(value).__name__} {value!r}")
    return float(value)
