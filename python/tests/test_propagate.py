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
    assert "sgc" in sgc.operators()
    assert "aug_norm_adj" in sgc.normalizations()
    d = sgc.operator_defaults()
    assert d["op"] == "sgc" and d["k"] == 2 and d["norm"] == "aug_norm_adj"
    assert {name for name, _, _ in _core.spec_fields()} == set(d)


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
