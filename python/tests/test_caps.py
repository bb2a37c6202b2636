"""The library's caps from Python (sgc.set_limits, sgc.ResourceError), non-finite
results, divergence, and Ctrl-C during a long call (KeyboardInterrupt)."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import scipy.sparse as sp

import sgc

from conftest import random_graph

A = random_graph(30, 60, seed=0)
X = np.random.default_rng(0).random((30, 4), dtype=np.float32)
Y = np.arange(30) % 3


@pytest.fixture
def limits():
    saved = sgc.get_limits()
    yield
    sgc.set_limits(**saved)


def test_resource_error_is_a_memory_error():
    assert issubclass(sgc.ResourceError, MemoryError) and issubclass(sgc.ResourceError, sgc.Error)


@pytest.mark.parametrize("kwargs", [dict(k=10**9), dict(op="dgc_naive", k=100000), dict(op="heat", t=1e6),
                                    dict(op="ssgc", k=2**31 - 1)])
def test_products_above_the_cap_are_refused_at_once(kwargs, limits):
    sgc.set_limits(max_products=10000)
    start = time.monotonic()
    with pytest.raises(sgc.ResourceError, match=r"sparse products, above the cap of 10000.*max_products"):
        sgc.propagate(A, X, **kwargs)
    assert time.monotonic() - start < 5


@pytest.mark.parametrize("model, kwargs", [("acm", dict(k=100000, epochs=1)), ("tsc", dict(k=10001, hidden=8))])
def test_graph_models_are_refused_above_the_cap_at_once(model, kwargs, limits):
    # They propagate inside training; a run of either used to go on for minutes.
    sgc.set_limits(max_products=10000)
    start = time.monotonic()
    with pytest.raises(sgc.ResourceError, match="above the cap of 10000"):
        sgc.GraphModelClassifier(model, **kwargs).fit(A, X, Y, np.arange(0, 30, 2))
    assert time.monotonic() - start < 5


def test_limits_round_trip_and_apply(limits):
    sgc.set_limits(max_products=3, memory="64M")
    assert sgc.get_limits() == {"max_products": 3, "memory": 64 << 20}
    sgc.propagate(A, X, k=3)
    with pytest.raises(sgc.ResourceError, match="above the cap of 3"):
        sgc.propagate(A, X, k=4)
    sgc.set_limits(memory=1000)
    with pytest.raises(sgc.ResourceError, match="memory budget"):
        sgc.propagate(A, X, k=1, op="sign")
    with pytest.raises(sgc.ArgumentError, match="^max_products: "):
        sgc.set_limits(max_products=0)
    with pytest.raises(TypeError):
        sgc.set_limits(max_products=1.5)


def test_an_output_above_the_budget_says_so(limits):
    # 2**31 - 1 sparse columns: the train rows' output alone is 120 GB (the message was "0 bytes left").
    sgc.set_limits(memory="8G")
    wide = sp.csr_matrix((np.ones(30, np.float32), np.arange(30), np.arange(31)), shape=(30, 2**31 - 1))
    with pytest.raises(sgc.ResourceError, match=r"\(output 15 x 2147483647\) needs .* above the memory budget"):
        sgc.SGCClassifier().fit(A, wide, Y, np.arange(0, 30, 2))


def test_non_finite_output_raises():
    x = np.full((30, 4), 3e38, np.float32)  # finite, but the sums overflow
    with pytest.raises(sgc.Error, match="propagated features are not finite"):
        sgc.propagate(A, x, k=1, norm="no_norm")


@pytest.mark.parametrize("params", [dict(lr=1e30), dict(weight_decay=1e30), dict(norm="lap", k=4),
                                    dict(norm="no_norm", k=10)])
def test_estimator_divergence_raises(params, cora):
    # The command line's `train --dataset cora` with these flags fails the same way.
    clf = sgc.SGCClassifier(**params)
    with pytest.raises(sgc.Error, match="training diverged|propagated features are not finite"):
        clf.fit(cora.adj, cora.X, cora.y, cora.train_idx, cora.val_idx)


INTERRUPTED = r"""
import os, signal, sys, threading, time
import numpy as np
sys.path[:0] = {path!r}
import sgc
from conftest import random_graph
# Python's own handler, whatever this process inherited (a shell's background
# job starts with SIGINT ignored, and Ctrl-C would then never arrive).
signal.signal(signal.SIGINT, signal.default_int_handler)
a = random_graph(2000, 20000, seed=1)
x = np.random.default_rng(0).random((2000, 64), dtype=np.float32)
sgc.set_limits(max_products=10**7)
threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
start = time.monotonic()
try:
    sgc.propagate(a, x, k=10**7)
    print("finished")
except KeyboardInterrupt:
    print("interrupted after %.1f s" % (time.monotonic() - start))
print("python handler restored:", signal.getsignal(signal.SIGINT) is signal.default_int_handler)
sgc.propagate(a, x, k=2)  # the flag is clear again
print("ok")
"""


def test_ctrl_c_interrupts_a_long_call():
    here = os.path.dirname(os.path.abspath(__file__))
    script = INTERRUPTED.format(path=[here] + sys.path)
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "interrupted after" in r.stdout, r.stdout + r.stderr
    assert "python handler restored: True" in r.stdout
    assert r.stdout.rstrip().endswith("ok")


@pytest.mark.parametrize("kwargs, message", [(dict(max_products=2**63), "max_products: must be <= "),
                                             (dict(memory=2**64), "memory: must be <= ")])
def test_limits_out_of_range_are_value_errors(kwargs, message, limits):
    # 2**63 reached pybind11 and came back as its TypeError.
    with pytest.raises(ValueError, match=message):
        sgc.set_limits(**kwargs)


def test_overflow_hint_suggests_self_loops_only_without_them(planetoid_dir):
    ds = sgc.datasets.load_planetoid("cora", planetoid_dir)
    X = np.full((2708, 2), 3e38, np.float32)
    with pytest.raises(sgc.Error, match="overflow") as with_loops:
        sgc.propagate(ds.adj, X, norm="aug_norm_adj", k=2)
    assert "normalisation with self-loops" not in str(with_loops.value)  # it has them already
    with pytest.raises(sgc.Error, match=r"use a normalisation with self-loops \(aug_norm_adj"):
        sgc.propagate(ds.adj, X, norm="lap", k=2)
