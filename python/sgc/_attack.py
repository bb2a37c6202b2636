"""InfAttack from Python: sgc.attack(...)."""

from . import _core
from ._input import check_int


def attack(dataset, *, data_dir=None, op="sgc", k=None, variant="efficient", labels="known",
           budgets=(2, 4, 6, 8, 10), targets=None, num_targets=100, seed=1, attack_k=None,
           max_candidates=None, model_file=None):
    """InfAttack (Wang et al., WSDM 2024): targeted edge-flip evasion attack.

    Trains the victim (`op`, `k`: the attack's victim settings; SGC K=2 as the
    authors') on `dataset` (a name or path as sgc.datasets.load_dataset), or
    attacks a saved model (`model_file`, from `sgc train --save`), then flips
    at most max(budgets) edges at each target (`targets`: node ids, else
    `num_targets` random correctly classified test nodes drawn with `seed`).

    variant: "efficient" | "exact"; labels: "known" | "unknown".
    Returns a dict: success_rate, strict_success_rate, accuracy_under_attack
    (per budget), seconds_per_target, and per_target: a list of
    {target, label, target_class, flips: [{u, added, objective}], success,
    classified_as_c, margin (per budget), seconds}.
    """
    int32 = (-2**31, 2**31 - 1)
    return _core.attack(str(dataset), data_dir=str(data_dir or ""), op=op, k=k, variant=variant, labels=labels,
                        budgets=[check_int(b, "budgets", *int32) for b in budgets],
                        targets=None if targets is None else [check_int(t, "targets", *int32) for t in targets],
                        num_targets=check_int(num_targets, "num_targets", *int32),
                        seed=check_int(seed, "seed", 0, 2**64 - 1), attack_k=attack_k,
                        max_candidates=max_candidates, model_file=str(model_file or ""))
