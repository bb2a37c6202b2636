"""sgc.propagate against scipy, across input formats, dtypes and layouts."""

import threading
import time

import numpy as np
import pytest
import scipy.sparse as sp

import sgc
from sgc import _core

from conftest import max_rel_error, random_graph, reference_power, reference_s, row_normalized

SPEC = {"op": "sgc", "k": 2}


def copies():
    return _core._copy_stats()["dense_feature_copies"]


@pytest.mark.parametrize("k", [0, 1, 2, 3, 5])
@pytest.mark.parametrize("weighted", [False, True])
def test_matches_scipy_power(k, weighted):
    a = random_graph(300, 900, isolated=7, seed=k, weighted=weighted)
    X = np.random.default_rng(1).random((300, 17), dtype=np.float32)
    F = sgc.propagate(a, X, k=k)
    assert F.dtype == np.float32 and F.shape == X.shape
    assert max_rel_error(F, reference_power(reference_s(a), X, k)) < 1e-5
    # Features of both signs cancel, so compare in norm there.
    Xm = np.random.default_rng(2).uniform(-1, 1, (300, 17)).astype(np.float32)
    ref = reference_power(reference_s(a), Xm, k)
    assert np.linalg.norm(sgc.propagate(a, Xm, k=k) - ref) <= 1e-6 * np.linalg.norm(ref)


@pytest.mark.parametrize("self_loop", [0.0, 0.5, 2.0])
def test_self_loop_weight(self_loop):
    a = random_graph(120, 300, isolated=3, seed=5)
    X = np.random.default_rng(2).random((120, 8), dtype=np.float32)
    F = sgc.propagate(a, X, k=2, self_loop=self_loop)
    assert max_rel_error(F, reference_power(reference_s(a, self_loop), X, 2)) < 1e-5


def test_cora_matches_scipy(cora):
    X = row_normalized(cora.X)
    F = sgc.propagate(cora.adj, X.astype(np.float32), k=2)
    assert max_rel_error(F, reference_power(reference_s(cora.adj), X, 2)) < 1e-5


def test_citeseer_self_loops_and_isolated_nodes(citeseer):
    assert citeseer.adj.diagonal().sum() > 0  # the file has self-loops
    X = row_normalized(citeseer.X).toarray().astype(np.float32)
    F = sgc.propagate(citeseer.adj, X, k=3)
    assert max_rel_error(F, reference_power(reference_s(citeseer.adj), X, 3)) < 1e-5


def test_every_graph_format_gives_the_same_result():
    a = random_graph(200, 500, isolated=4, seed=3)
    X = np.random.default_rng(3).random((200, 9), dtype=np.float32)
    expected = sgc.propagate(a, X)
    coo = a.tocoo()
    edge_index = np.vstack([coo.row, coo.col])
    for g in (a.tocsc(), coo, sp.csr_array(a), sp.coo_array(a), a.astype(np.float64), a.astype(bool),
              a.astype(np.int8), edge_index, edge_index.astype(np.int32), edge_index.tolist()):
        np.testing.assert_array_equal(sgc.propagate(g, X), expected)
    # Unsorted indices and duplicate entries: summed as scipy does, user matrix untouched.
    rng = np.random.default_rng(0)
    order = rng.permutation(coo.nnz)
    dup = sp.coo_matrix((np.concatenate([coo.data[order] * 0.5] * 2),
                         (np.concatenate([coo.row[order]] * 2), np.concatenate([coo.col[order]] * 2))),
                        shape=a.shape)
    np.testing.assert_array_equal(sgc.propagate(dup, X), expected)
    shuffled = sp.csr_matrix(a, copy=True)
    for i in range(shuffled.shape[0]):
        lo, hi = shuffled.indptr[i], shuffled.indptr[i + 1]
        shuffled.indices[lo:hi] = shuffled.indices[lo:hi][::-1].copy()
    shuffled.has_sorted_indices = False
    before = shuffled.indices.copy()
    np.testing.assert_array_equal(sgc.propagate(shuffled, X), expected)
    np.testing.assert_array_equal(shuffled.indices, before)


def test_edge_index_collapses_duplicates():
    ei = np.array([[0, 1, 1, 2, 0], [1, 0, 2, 1, 1]])  # (0, 1) twice
    X = np.eye(3, dtype=np.float32)
    a = sp.csr_matrix(([1.0] * 4, ([0, 1, 1, 2], [1, 0, 2, 1])), shape=(3, 3))
    np.testing.assert_array_equal(sgc.propagate(ei, X, k=1), sgc.propagate(a, X, k=1))


def test_float32_c_contiguous_is_read_in_place_and_bitwise_the_library():
    a = random_graph(500, 2000, isolated=5, seed=8)
    X = np.random.default_rng(4).random((500, 33), dtype=np.float32)
    for k in (1, 2, 3):
        before = copies()
        F = sgc.propagate(a, X, k=k)
        assert copies() == before, "float32 C-contiguous X was copied"
        # The first hop is computed on numpy's buffer; it must be the library's arithmetic exactly.
        np.testing.assert_array_equal(F, _core._reference_propagate(a, X, {"op": "sgc", "k": k}))
        assert not np.shares_memory(F, X)


def test_other_layouts_are_converted_once_to_the_same_values():
    a = random_graph(150, 400, seed=9)
    X = np.random.default_rng(5).random((150, 20))
    X32 = X.astype(np.float32)
    expected = sgc.propagate(a, X32)
    for variant in (X, np.asfortranarray(X32), np.asfortranarray(X), np.repeat(X32, 2, axis=1)[:, ::2]):
        before = copies()
        np.testing.assert_array_equal(sgc.propagate(a, variant), expected)
        assert copies() == before + 1
    swapped = X32.astype(">f4")  # big-endian: converted to native first
    np.testing.assert_array_equal(sgc.propagate(a, swapped), expected)
    with pytest.raises(TypeError, match="X: dtype >f4 is not supported"):
        _core.propagate(a, swapped, SPEC)  # the C++ side never misreads swapped bytes
    reversed_rows = X32[::-1]  # negative strides
    np.testing.assert_array_equal(sgc.propagate(a, reversed_rows), sgc.propagate(a, reversed_rows.copy()))
    big = np.random.default_rng(6).random((150, 40), dtype=np.float32)
    np.testing.assert_array_equal(sgc.propagate(a, big[:, 5:25]), sgc.propagate(a, big[:, 5:25].copy()))


def test_sparse_features_match_dense():
    a = random_graph(250, 700, isolated=2, seed=10)
    Xs = sp.random(250, 30, density=0.1, format="csr", random_state=1, dtype=np.float32)
    F = sgc.propagate(a, Xs, k=2)
    np.testing.assert_allclose(F, sgc.propagate(a, Xs.toarray(), k=2), rtol=1e-5, atol=1e-7)
    for fmt in ("csc", "coo"):
        np.testing.assert_allclose(sgc.propagate(a, Xs.asformat(fmt), k=2), F, rtol=0, atol=0)
    np.testing.assert_array_equal(sgc.propagate(a, Xs.astype(np.float64), k=2), F)


def test_k0_returns_a_float32_copy():
    a = random_graph(20, 40, seed=11)
    X = np.random.default_rng(0).random((20, 3))
    F = sgc.propagate(a, X, k=0)
    assert F.dtype == np.float32 and not np.shares_memory(F, X)
    np.testing.assert_array_equal(F, X.astype(np.float32))


def test_empty_feature_dimension():
    a = random_graph(10, 20, seed=0)
    assert sgc.propagate(a, np.zeros((10, 0), np.float32)).shape == (10, 0)


def test_result_owns_its_memory_after_inputs_die():
    a = random_graph(100, 300, seed=12)
    X = np.random.default_rng(1).random((100, 6), dtype=np.float32)
    expected = reference_power(reference_s(a), X, 2)
    F = sgc.propagate(a.copy(), X.copy())
    import gc
    gc.collect()
    assert F.flags.writeable and F.base is not None
    F += 0  # writable buffer owned through the capsule
    assert max_rel_error(F, expected) < 1e-5


def test_normalized_adjacency_matches_scipy():
    a = random_graph(80, 200, isolated=3, seed=13)
    s = sgc.normalized_adjacency(a)
    assert sp.isspmatrix_csr(s) and s.dtype == np.float32
    np.testing.assert_allclose(s.toarray(), reference_s(a).toarray(), rtol=1e-6, atol=1e-7)
    coo = a.tocoo()
    s2 = sgc.normalized_adjacency(np.vstack([coo.row, coo.col]), n_nodes=80)
    np.testing.assert_array_equal(s2.toarray(), s.toarray())


def test_thread_count_limits_are_the_library_s():
    n = sgc.get_num_threads()
    try:
        sgc.set_num_threads(3)
        assert sgc.get_num_threads() == 3
        with pytest.raises(sgc.ArgumentError, match=r"threads: must be in \[0, 1024\]"):
            sgc.set_num_threads(-1)
        with pytest.raises(sgc.ArgumentError, match="threads"):
            sgc.set_num_threads(100000)
        with pytest.raises(TypeError, match="threads: expected an integer"):
            sgc.set_num_threads(2.5)
        assert sgc.get_num_threads() == 3
    finally:
        sgc.set_num_threads(n)


def test_thread_count_does_not_change_the_result():
    a = random_graph(2000, 8000, seed=14)
    X = np.random.default_rng(2).random((2000, 16), dtype=np.float32)
    n = sgc.get_num_threads()
    try:
        sgc.set_num_threads(1)
        one = sgc.propagate(a, X, k=3)
        sgc.set_num_threads(2)
        two = sgc.propagate(a, X, k=3)
    finally:
        sgc.set_num_threads(n)
    np.testing.assert_array_equal(one, two)


# ---- the other operators of the library ---------------------------------------------------


def test_operator_names_and_defaults():
    assert sgc.operators()[0] == "sgc"
    assert {"dgc", "ssgc", "ppr", "sign", "poly"} <= set(sgc.operators())
    assert "aug_norm_adj" in sgc.normalizations()
    d = sgc.operator_defaults()
    assert d["k"] == 2 and d["norm"] == "aug_norm_adj" and d["self_loop"] == 1.0 and d["coeffs"] == []
    # The registry's parameters, no more and no fewer (op is the operator's name, not a parameter).
    assert [name for name, _, _, _ in _core.operator_params()] == list(d)
    assert {"k", "t", "alpha", "tol", "coeffs", "norm", "self_loop", "precision"} == set(d)
    types = {name: kind for name, kind, _, _ in sgc.operator_params()}
    assert types["k"] == "int" and types["t"] == "float" and types["coeffs"] == "list[float]"
    info = sgc.operator_info()
    assert list(info) == sgc.operators()
    assert info["dgc"]["params"] == ["k", "t", "tol"] and info["dgc"]["min_k"] == 1
    assert info["poly"]["params"] == ["coeffs"]
    assert "Wu et al." in info["sgc"]["source"] and info["sgc"]["formula"] == "S^K X"
    for entry in info.values():  # every parameter an operator reads is a registry parameter
        assert set(entry["params"]) <= set(d)
    with pytest.raises(sgc.ArgumentError, match="unknown operator 'nope'"):
        sgc.operator_info("nope")


def test_operator_parameters_reach_the_library_as_its_json():
    spec = _core.operator_to_json({"op": "dgc", "k": 250, "t": 5.27})
    assert spec == {"op": "dgc", "norm": "aug_norm_adj", "self_loop": 1.0, "k": 250, "t": 5.27, "tol": 1e-6}
    with pytest.raises(sgc.ArgumentError, match="unknown operator parameter 'gamma'"):
        _core.propagate(random_graph(5, 5), np.ones((5, 2), np.float32), {"op": "sgc", "gamma": 1})
    # The library names the parameter of a wrongly typed value when the Python checks are bypassed.
    with pytest.raises(sgc.ArgumentError, match="t: expected a number"):
        _core.propagate(random_graph(5, 5), np.ones((5, 2), np.float32), {"op": "dgc", "t": "5"})


def test_poly_coefficients():
    a = random_graph(120, 350, isolated=2, seed=19)
    X = np.random.default_rng(7).random((120, 6), dtype=np.float32)
    s = reference_s(a)
    c = [0.5, 0.0, 0.3, 0.2]
    expected = sum(ci * reference_power(s, X, i) for i, ci in enumerate(c))
    F = sgc.propagate(a, X, op="poly", coeffs=c)
    assert max_rel_error(F, expected) < 1e-5
    # A numpy array or a tuple works as well as a list.
    np.testing.assert_array_equal(sgc.propagate(a, X, op="poly", coeffs=np.array(c)), F)
    np.testing.assert_array_equal(sgc.propagate(a, X, op="poly", coeffs=tuple(c)), F)
    # poly with c_K = 1 is SGC's S^K X.
    np.testing.assert_allclose(sgc.propagate(a, X, op="poly", coeffs=[0, 0, 1]), sgc.propagate(a, X, k=2),
                               rtol=1e-6, atol=1e-7)
    with pytest.raises(sgc.ArgumentError, match="coeffs: poly needs at least one coefficient"):
        sgc.propagate(a, X, op="poly")
    with pytest.raises(sgc.ArgumentError, match="coeffs: every coefficient must be finite"):
        sgc.propagate(a, X, op="poly", coeffs=[1.0, float("nan")])
    with pytest.raises(TypeError, match="coeffs: expected a list of numbers, got float"):
        sgc.propagate(a, X, op="poly", coeffs=0.5)
    with pytest.raises(TypeError, match="coeffs: expected a number, got str"):
        sgc.propagate(a, X, op="poly", coeffs=[1.0, "x"])


def test_python_layer_copies_only_what_it_must():
    a = random_graph(200, 600, seed=20)
    X = np.random.default_rng(8).random((200, 10), dtype=np.float32)
    before = copies()
    # Any operator on a float32 C-contiguous X: the buffer goes to the library as a view.
    for op, params in (("ssgc", {"k": 3}), ("dgc", {"k": 10}), ("sign", {"k": 1}), ("poly", {"coeffs": [1, 1]})):
        sgc.propagate(a, X, op=op, **params)
    assert copies() == before
    # A feature normalisation works on a copy of its own (numpy's buffer is read-only to the engine).
    F = _core.features(a, X, "row", {"op": "sgc", "k": 2})
    assert copies() == before + 1
    Xr = X / X.sum(axis=1, keepdims=True)
    assert max_rel_error(F, reference_power(reference_s(a), Xr, 2)) < 1e-5
    np.testing.assert_array_equal(X, np.random.default_rng(8).random((200, 10), dtype=np.float32))


@pytest.mark.parametrize("op, params", [("ssgc", {"k": 2}), ("dgc", {"k": 5}), ("ppr", {}),
                                        ("poly", {"coeffs": [1.0, 0.5]})])
def test_non_finite_features_reach_the_library_check_for_every_operator(op, params):
    a = random_graph(30, 60, seed=21)
    X = np.random.default_rng(9).random((30, 4), dtype=np.float32)
    X[7, 3] = np.inf
    with pytest.raises(sgc.ArgumentError, match="X: non-finite value inf at row 7, column 3"):
        sgc.propagate(a, X, op=op, **params)


@pytest.mark.skipif("ssgc" not in sgc.operators(), reason="this build has no ssgc")
def test_ssgc_formula():
    a = random_graph(150, 400, isolated=2, seed=15)
    X = np.random.default_rng(3).random((150, 7), dtype=np.float32)
    s = reference_s(a)
    K, alpha = 4, 0.05
    expected = alpha * X + (1 - alpha) / K * sum(reference_power(s, X, k) for k in range(1, K + 1))
    F = sgc.propagate(a, X, k=K, op="ssgc", alpha=alpha)
    assert max_rel_error(F, expected) < 1e-5


@pytest.mark.skipif("sign" not in sgc.operators(), reason="this build has no sign")
def test_sign_concatenates_hops():
    a = random_graph(90, 200, seed=16)
    X = np.random.default_rng(4).random((90, 5), dtype=np.float32)
    s = reference_s(a)
    F = sgc.propagate(a, X, k=2, op="sign")
    expected = np.hstack([reference_power(s, X, k) for k in range(3)])
    assert F.shape == expected.shape
    assert max_rel_error(F, expected) < 1e-5


@pytest.mark.skipif("rwalk" not in sgc.normalizations(), reason="this build has no rwalk")
def test_other_normalisation_reaches_the_library():
    a = random_graph(60, 150, isolated=0, seed=17)
    X = np.random.default_rng(5).random((60, 4), dtype=np.float32)
    d = np.asarray(a.sum(axis=1)).ravel()
    s = sp.diags(1 / d) @ a
    F = sgc.propagate(a, X, k=2, norm="rwalk")
    assert max_rel_error(F, reference_power(s, X, 2)) < 1e-5


# ---- the GIL ------------------------------------------------------------------------------


def test_gil_is_released_during_propagation():
    a = random_graph(20000, 200000, seed=18)
    X = np.random.default_rng(6).random((20000, 64), dtype=np.float32)
    sgc.propagate(a, X, k=1)  # warm up
    window = {}

    def work():
        window["start"] = time.perf_counter()
        sgc.propagate(a, X, k=8)
        window["end"] = time.perf_counter()

    t = threading.Thread(target=work)
    stamps = []
    t.start()
    while t.is_alive():
        stamps.append(time.perf_counter())
    t.join()
    stamps = np.array(stamps)
    inside = np.count_nonzero((stamps > window["start"]) & (stamps < window["end"]))
    duration = window["end"] - window["start"]
    # With the GIL held, this thread could not run at all while propagate ran.
    assert inside > 50, f"only {inside} Python steps ran during a {duration * 1e3:.1f} ms propagation"
