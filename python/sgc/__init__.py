"""sgc: Simple Graph Convolution and its family, from Python, on the C++ engine.

    import sgc
    ds = sgc.datasets.load_planetoid("cora")
    F = sgc.propagate(ds.adj, ds.X, k=2)                # S^2 X, numpy float32
    clf = sgc.SGCClassifier(**sgc.paper_defaults("cora"))   # or paper_defaults("cora", op="dgc")
    clf.fit(ds.adj, ds.X, ds.y, ds.train_idx, ds.val_idx).score(ds.adj, ds.X, ds.y, ds.test_idx)

Errors from the engine: sgc.FileError (a FileNotFoundError), sgc.FormatError
and sgc.ArgumentError (ValueErrors), sgc.ResourceError (a MemoryError: a cap
of sgc.set_limits would be exceeded), all subclasses of sgc.Error, carrying the
C++ message; wrong dtypes raise TypeError. Ctrl-C during a long call raises
KeyboardInterrupt.
"""

from . import _core
from . import datasets
from ._attack import attack
from ._tune import tune
from ._api import (get_device, get_limits, get_num_threads, normalizations, normalized_adjacency, operator_defaults,
                   operator_info, operator_params, operators, optimizers, paper_defaults, propagate, set_limits,
                   set_device, set_num_threads)
from .estimator import NotFittedError, SGCClassifier
from .graph_model import GraphModelClassifier, model_defaults

Error = _core.Error
FileError = _core.FileError
FormatError = _core.FormatError
ArgumentError = _core.ArgumentError
ResourceError = _core.ResourceError

__version__ = _core.__version__

__all__ = [
    "ArgumentError", "Error", "attack", "FileError", "FormatError", "GraphModelClassifier", "model_defaults",
    "NotFittedError", "ResourceError", "SGCClassifier",
    "datasets", "get_device", "get_limits", "get_num_threads", "normalizations", "normalized_adjacency", "operator_defaults", "operator_info",
    "operator_params", "operators", "optimizers", "paper_defaults", "propagate", "set_device", "set_limits", "set_num_threads",
    "tune",
]
