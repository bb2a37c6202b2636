"""Data set readers of the C++ core, returning numpy / scipy objects.

    ds = sgc.datasets.load_planetoid("cora")
    ds.adj        # scipy.sparse.csr_matrix (n, n), float32, symmetric, unit weights
    ds.X          # raw features: scipy.sparse.csr_matrix (n, d) float32 (dense numpy for dense sources)
    ds.y          # int64 (n,), class ids, -1 for unlabelled nodes
    ds.train_idx, ds.val_idx, ds.test_idx   # int64 node ids of the public split

Errors: a missing file raises FileNotFoundError (sgc.FileError), a malformed
one ValueError (sgc.FormatError), both with the C++ message naming the file.
"""

import os
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from . import _core
from ._input import check_int

__all__ = ["GraphDataset", "default_data_root", "generate", "generators", "load_dataset", "load_planetoid", "names",
           "PLANETOID"]

PLANETOID = ("cora", "citeseer", "pubmed")


@dataclass
class GraphDataset:
    """A node-classification data set: graph, features, labels and split."""

    name: str
    adj: sp.csr_matrix
    X: object  # scipy.sparse.csr_matrix or numpy.ndarray
    y: np.ndarray
    num_classes: int
    train_idx: np.ndarray
    val_idx: np.ndarray
    test_idx: np.ndarray
    family: str = ""  # the loader's family ("planetoid", "synthetic", ...): with name, the preset's key

    @property
    def num_nodes(self):
        return self.adj.shape[0]

    @property
    def num_features(self):
        return self.X.shape[1]

    def __repr__(self):
        return (f"GraphDataset({self.name!r}: {self.num_nodes} nodes, {self.adj.nnz} adjacency entries, "
                f"{self.num_features} features, {self.num_classes} classes, split "
                f"{len(self.train_idx)}/{len(self.val_idx)}/{len(self.test_idx)})")


def _csr(parts):
    indptr, indices, data, shape = parts
    return sp.csr_matrix((data, indices, indptr), shape=tuple(shape))


def _from_core(d):
    X = d["features"]
    return GraphDataset(
        name=d["name"],
        adj=_csr(d["adjacency"]),
        X=_csr(X) if isinstance(X, tuple) else X,
        y=np.asarray(d["labels"], dtype=np.int64),
        num_classes=int(d["num_classes"]),
        train_idx=np.asarray(d["train"], dtype=np.int64),
        val_idx=np.asarray(d["val"], dtype=np.int64),
        test_idx=np.asarray(d["test"], dtype=np.int64),
        family=d["family"],
    )


def default_data_root():
    """$SGC_DATA_DIR, else ../shared/data if it exists, else the repository's ../shared/data."""
    return _core.default_data_root()


def _planetoid_dir(name, root):
    if root is None:
        return os.path.join(default_data_root(), "planetoid")
    root = os.fspath(root)
    # Either the folder with the ind.* files or a data root holding planetoid/.
    if not os.path.exists(os.path.join(root, f"ind.{name}.graph")) and os.path.isdir(os.path.join(root, "planetoid")):
        return os.path.join(root, "planetoid")
    return root


def load_planetoid(name, root=None):
    """Cora, CiteSeer or PubMed from the Planetoid ``ind.<name>.*`` files (GCN/SGC's assembly).

    root: the folder with the ind.* files, or a data root that holds
    ``planetoid/`` (default: ``default_data_root()``).
    """
    return _from_core(_core.load_planetoid(_planetoid_dir(name, root), name))


def names():
    """Every data set name ``load_dataset`` resolves without a path."""
    return list(_core.known_dataset_names())


def load_dataset(name, root=None, split=0, seed=0, ogb_split="", feature_store=None):
    """Any data source the C++ ``load_dataset`` reads (what ``sgc train --dataset NAME`` reads).

    name : a data set name (``names()``: cora, citeseer, pubmed, the
        heterophilous / graphdata / ppnp sets, ...), a family-qualified name
        (``"npz/cora"``), or a path: a ``.npz`` file, an edge list (text or
        .gz), an OGB node-property folder, a FastGCN Reddit folder. A bare
        graph gets synthetic features, labels and split (only its structure
        is real).
    root : the folder with the files (default: under ``default_data_root()``;
        a data root works too).
    split : which stored split (heterophilous: 0..9); data sets without one
        draw a per-class 20/30/rest split from ``seed + split``.
    ogb_split : OGB: the split/<name> folder (default: the only one).
    feature_store : a feature store (``.sgcf``, from ``sgc convert``) whose
        rows replace the data set's node features, row i for node i.
    """
    split = check_int(split, "split", 0, 2**31 - 1)
    seed = check_int(seed, "seed", 0, 2**64 - 1)
    return _from_core(_core.load_dataset(os.fspath(name), "" if root is None else os.fspath(root), split, seed,
                                         ogb_split, "" if feature_store is None else os.fspath(feature_store)))


def generators():
    """The built-in graph generators: ``{name: {"summary": str, "defaults": {parameter: value}}}``."""
    return _core.generators()


def generate(name="csbm", seed=42, **params):
    """A built-in synthetic graph (what ``sgc train --generator NAME`` draws), no files needed.

    name : ``"csbm"`` (contextual stochastic block model, the demo graph),
        ``"powerlaw"`` (Reddit-shaped) or ``"products"`` (ogbn-products-shaped);
        ``generators()`` lists them with their parameters' defaults.
    seed : the random seed (default 42, as ``sgc train``'s ``--seed``); the
        same seed gives the same graph.
    params : the generator's parameters (nodes=, classes=, features=,
        avg_degree=, homophily=, ...); one the generator does not read is an
        error naming the generators that do.
    """
    seed = check_int(seed, "seed", 0, 2**64 - 1)
    return _from_core(_core.generate(name, params, seed))
