"""Hyper-parameter search from Python: sgc.tune(...)."""

import os

from . import _core
from ._input import check_int, check_real


def tune(dataset, *, data_dir=None, split=0, op="sgc", optimizer=None, model="linear", search=None, ranges=None,
         trials=60, seed=None):
    """TPE search on validation accuracy, as ``sgc tune --dataset NAME`` runs it.

    Starts from the data set's preset for ``op`` (and ``model``; ``optimizer``
    replaces the preset's), searches the parameters in ``search`` (names:
    the operator's k, t, alpha, ..., lr, weight_decay, the optimizer's and
    the model's; default: what the operator's authors tuned) over their
    default ranges or those of ``ranges`` ({name: (low, high)}), ``trials``
    evaluations seeded with ``seed`` (which also seeds the weights; default
    the preset's, 42, as the command line's). The
    starting configuration competes, and the test accuracy is measured once,
    for the configuration chosen.

    Returns a dict: searched ({name: {low, high, scale, integer}}), trials,
    kept_start (no trial beat the start), best ({name: value, "val", "test",
    "operator"}), dataset and config (the chosen configuration, as a model
    file stores it).
    """
    if not isinstance(dataset, (str, os.PathLike)):
        raise TypeError(f"dataset: expected a name or a path, got {type(dataset).__name__} {dataset!r}")
    if search is not None:
        if isinstance(search, str):
            search = [search]
        search = [str(s) for s in search]
    checked = {}
    for name, bounds in (ranges or {}).items():
        if not isinstance(bounds, (tuple, list)) or len(bounds) != 2:
            raise TypeError(f"ranges: {name}: expected (low, high), got {bounds!r}")
        checked[str(name)] = (check_real(bounds[0], f"ranges: {name}"), check_real(bounds[1], f"ranges: {name}"))
    return _core.tune(os.fspath(dataset), data_dir=str(data_dir or ""), split=check_int(split, "split", 0, 2**31 - 1),
                      op=op, optimizer=optimizer, model=model, search=search, ranges=checked,
                      trials=check_int(trials, "trials", 1, 2**31 - 1),
                      seed=None if seed is None else check_int(seed, "seed", 0, 2**64 - 1))
