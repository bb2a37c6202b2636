"""Shared fixtures of the Python tests.

Run from the repository root against a build tree:
    PYTHONPATH=build-py/python /usr/bin/python3 -m pytest -q python/tests
or against an installed package (no PYTHONPATH). The data root is
$SGC_DATA_DIR, else <repo>/../shared/data.
"""

import os
import pathlib

import numpy as np
import pytest
import scipy.sparse as sp

import sgc

REPO = pathlib.Path(__file__).resolve().parents[2]


def data_root():
    return pathlib.Path(os.environ.get("SGC_DATA_DIR") or REPO.parent / "shared" / "data")


@pytest.fixture(scope="session")
def planetoid_dir():
    d = data_root() / "planetoid"
    if not (d / "ind.cora.graph").exists():
        pytest.skip(f"Planetoid files not found in {d} (set SGC_DATA_DIR)")
    return d


@pytest.fixture(scope="session")
def cora(planetoid_dir):
    return sgc.datasets.load_planetoid("cora", planetoid_dir)


@pytest.fixture(scope="session")
def citeseer(planetoid_dir):
    return sgc.datasets.load_planetoid("citeseer", planetoid_dir)


def random_graph(n, edges, isolated=0, seed=0, weighted=False):
    """Symmetric scipy CSR graph with self-loops, duplicates folded and `isolated` empty rows at the end."""
    rng = np.random.default_rng(seed)
    active = n - isolated
    r = rng.integers(0, active, edges)
    c = rng.integers(0, active, edges)
    loops = np.arange(0, active, 5)
    rows = np.concatenate([r, c, loops])
    cols = np.concatenate([c, r, loops])
    a = sp.coo_matrix((np.ones(rows.size), (rows, cols)), shape=(n, n)).tocsr()
    a.data[:] = rng.uniform(0.5, 2.0, a.nnz) if weighted else 1.0
    if weighted:
        a = (a + a.T) * 0.5
    a.sort_indices()
    return a


def reference_s(a, self_loop=1.0):
    """(D + gI)^-1/2 (A + gI) (D + gI)^-1/2 in float64 with scipy."""
    a = sp.csr_matrix(a, dtype=np.float64)
    n = a.shape[0]
    a_hat = a + self_loop * sp.eye(n)
    d = np.asarray(a.sum(axis=1)).ravel() + self_loop
    inv = np.where(d > 0, 1.0 / np.sqrt(np.where(d > 0, d, 1)), 0.0)
    return sp.diags(inv) @ a_hat @ sp.diags(inv)


def reference_power(s, X, k):
    F = np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64)
    for _ in range(k):
        F = s @ F
    return F


def max_rel_error(a, b):
    """max |a - b| / (|b| + floor), floor = 1e-3 * max |b| (as the C++ tests)."""
    b = np.asarray(b, dtype=np.float64)
    floor = max(1e-30, np.abs(b).max() * 1e-3) if b.size else 1.0
    return float((np.abs(np.asarray(a, dtype=np.float64) - b) / (np.abs(b) + floor)).max()) if b.size else 0.0


def row_normalized(X):
    X = sp.csr_matrix(X, dtype=np.float64)
    s = np.asarray(abs(X).sum(axis=1)).ravel()  # L1, as the library (the row sum for non-negative X)
    s[s == 0] = 1
    return sp.csr_matrix(sp.diags(1 / s) @ X)
