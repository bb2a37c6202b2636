"""InfAttack from Python: sgc.attack(...)."""

import os
import warnings

from . import _core
from ._input import check_int


def _int_list(values, what, low, high):
    """A list of integers ('int' object is not iterable said neither which argument nor what it takes)."""
    if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__iter__"):
        raise TypeError(f"{what}: expected a list of integers, got {type(values).__name__}")
    return [check_int(v, what, low, high) for v in values]


def attack(dataset, *, data_dir=None, op=None, k=None, variant=None, labels=None, budgets=None, targets=None,
           num_targets=None, seed=None, attack_k=None, max_candidates=None, model_file=None):
    """InfAttack (Wang et al., WSDM 2024): targeted edge-flip evasion attack.

    Trains the victim (`op`, `k`: the attack's victim settings; SGC K=2 as the
    authors') on `dataset` (a name or path as sgc.datasets.load_dataset), or
    attacks a saved model (`model_file`, from `sgc train --save`; then `op`
    and `k` are the model's and may not be given), then flips at most
    max(budgets) edges at each target (`targets`: node ids, else
    `num_targets` random correctly classified test nodes drawn with `seed`;
    fewer when fewer qualify, with a warning).

    Unset arguments take the engine's defaults, those of `sgc attack`
    (sgc/attack/attack_request.h): variant "efficient" ("exact": recomputed
    every step), labels "known" ("unknown": the victim's predictions),
    budgets (2, 4, 6, 8, 10), num_targets 100, seed 1, attack_k an SGC
    victim's K (else 2), max_candidates every label-c node (Pubmed at K > 2:
    200).
    Returns a dict: success_rate, strict_success_rate, accuracy_under_attack
    (per budget), seconds_per_target, notes, and per_target: a list of
    {target, label, target_class, flips: [{u, added, objective}], success,
    classified_as_c, margin (per budget), seconds}.
    """
    int32 = (-2**31, 2**31 - 1)
    if not isinstance(dataset, (str, os.PathLike)):
        raise TypeError(f"dataset: expected a name or a path, got {type(dataset).__name__} {dataset!r}")
    if model_file is not None:
        for name, value in (("op", op), ("k", k)):
            if value is not None:
                raise ValueError(f"{name}: not used with model_file (the saved model is attacked as trained)")
    if targets is not None:
        targets = _int_list(targets, "targets", *int32)
    report = _core.attack(
        os.fspath(dataset), data_dir=str(data_dir or ""), op=op or "sgc",
        k=None if k is None else check_int(k, "k", 0, 100000), variant=variant, labels=labels,
        budgets=None if budgets is None else _int_list(budgets, "budgets", *int32), targets=targets,
        num_targets=None if num_targets is None else check_int(num_targets, "num_targets", 1, int32[1]),
        seed=None if seed is None else check_int(seed, "seed", 0, 2**64 - 1),
        attack_k=None if attack_k is None else check_int(attack_k, "attack_k", 1, 64),
        max_candidates=None if max_candidates is None else check_int(max_candidates, "max_candidates", 0, int32[1]),
        model_file=str(model_file or ""))
    for note in report["notes"]:
        warnings.warn(note, stacklevel=2)
    return report
