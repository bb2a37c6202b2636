"""Every class of bad input raises the right Python exception with the engine's message."""

import shutil
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import sgc

from conftest import random_graph

A = random_graph(6, 8, seed=0)
X = np.random.default_rng(0).random((6, 3), dtype=np.float32)
Y = np.array([0, 1, 0, 1, 2, 2])


def test_exception_hierarchy():
    assert issubclass(sgc.ArgumentError, ValueError) and issubclass(sgc.ArgumentError, sgc.Error)
    assert issubclass(sgc.FormatError, ValueError) and issubclass(sgc.FormatError, sgc.Error)
    assert issubclass(sgc.FileError, FileNotFoundError) and issubclass(sgc.FileError, sgc.Error)
    assert not issubclass(sgc.Error, ValueError)
    assert issubclass(sgc.NotFittedError, ValueError) and issubclass(sgc.NotFittedError, AttributeError)


# ---- shapes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("x, message", [
    (X[:5], "X: 5 rows, but the graph has 6 nodes"),
    (np.zeros((7, 3), np.float32), "X: 7 rows, but the graph has 6 nodes"),
    (np.zeros(6, np.float32), "X: expected a 2-D array"),
    (np.zeros((6, 3, 1), np.float32), "X: expected a 2-D array"),
    (sp.random(5, 3, format="csr", dtype=np.float32), "X: 5 rows, but the graph has 6 nodes"),
])
def test_wrong_feature_shape(x, message):
    with pytest.raises(ValueError, match=message):
        sgc.propagate(A, x)


def test_wrong_graph_shape():
    with pytest.raises(sgc.ArgumentError, match="adjacency: shape 6 x 7 is not square"):
        sgc.propagate(sp.random(6, 7, density=0.3, format="csr"), X)
    with pytest.raises(ValueError, match=r"edge_index: expected shape \(2, E\), got \(3, 2\)"):
        sgc.propagate(np.zeros((3, 2), np.int64), X)
    with pytest.raises(ValueError, match=r"edge_index: node id 6 \(edge 1\) out of range \[0, 6\)"):
        sgc.propagate(np.array([[0, 6], [1, 0]]), X)
    with pytest.raises(ValueError, match="edge_index: node id -1"):
        sgc.propagate(np.array([[0, -1], [1, 0]]), X)
    # A uint64 id above 2**63 is shown as given, not as the negative int64 it casts to.
    with pytest.raises(ValueError, match=r"edge_index: node id 9223372036854775813 \(edge 1\) out of range"):
        sgc.propagate(np.array([[0, 2**63 + 5], [1, 0]], dtype=np.uint64), X)


# ---- non-finite values --------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("k", [0, 1, 2])
def test_non_finite_features(dtype, bad, k):
    x = X.astype(dtype)
    x[4, 2] = bad
    with pytest.raises(sgc.ArgumentError, match=r"X: non-finite value (nan|inf|-inf) at row 4, column 2"):
        sgc.propagate(A, x, k=k)


def test_non_finite_in_a_row_the_operator_never_reads():
    # norm_adj has no self-loops: an isolated node's row of X is never read, and is still checked.
    a = random_graph(6, 8, isolated=1, seed=1)
    x = X.copy()
    x[5, 0] = np.nan
    with pytest.raises(sgc.ArgumentError, match="X: non-finite value nan at row 5, column 0"):
        sgc.propagate(a, x, norm="norm_adj")


@pytest.mark.parametrize("sparse, where", [(False, "row 4, column 2"), (True, r"\.data\[14\]")])
def test_float64_beyond_float32_is_named_with_its_value(sparse, where):
    # It became inf as float32, and was reported as "non-finite value inf".
    x = X.astype(np.float64)
    x[4, 2] = -1e300
    with pytest.raises(sgc.ArgumentError, match=rf"X: value -1e\+300 at {where} is outside the float32 range"):
        sgc.propagate(A, sp.csr_matrix(x) if sparse else x)


def test_overflow_is_not_mistaken_for_bad_input():
    x = np.full((6, 3), 3e38, np.float32)  # finite, but the sums overflow: an error, not inf
    with pytest.raises(sgc.Error, match="propagated features are not finite") as e:
        sgc.propagate(A, x, k=1, norm="no_norm")
    assert not isinstance(e.value, sgc.ArgumentError)


def test_non_finite_sparse_features_and_weights():
    xs = sp.csr_matrix(X)
    xs.data[3] = np.nan
    with pytest.raises(sgc.FormatError, match=r"X: non-finite value nan at \("):
        sgc.propagate(A, xs)
    a = A.copy()
    a.data[0] = np.inf
    with pytest.raises(sgc.FormatError, match=r"adjacency: non-finite value inf at \("):
        sgc.propagate(a, X)


def test_negative_weights_are_refused_not_zeroed():
    # A negative weight can make a degree zero or negative: the rows went silently to zero.
    a = sp.csr_matrix(-(np.ones((3, 3)) - np.eye(3)))
    with pytest.raises(sgc.ArgumentError, match=r"adjacency weight -1.000000 at \(0, 1\) is negative"):
        sgc.propagate(a, np.eye(3), k=1)
    with pytest.raises(sgc.ArgumentError, match="is negative"):
        sgc.normalized_adjacency(a)


def test_malformed_csr_reaching_the_core():
    # The Python layer canonicalises; the C++ side still checks what it is handed.
    from sgc import _core
    bad = sp.csr_matrix(A, copy=True)
    lo, hi = bad.indptr[0], bad.indptr[1]
    assert hi - lo >= 2
    bad.indices[lo:hi] = bad.indices[lo:hi][::-1].copy()
    with pytest.raises(sgc.FormatError, match="adjacency: columns of row 0 are not strictly increasing"):
        _core.propagate(bad, X, {"op": "sgc", "k": 2})
    short = sp.csr_matrix(A, copy=True)
    short.indices[-1] = 99
    with pytest.raises(sgc.FormatError, match=r"adjacency: column 99 in row 5 out of range \[0, 6\)"):
        _core.propagate(short, X, {"op": "sgc", "k": 2})


# ---- dtypes -------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_, np.complex64, np.float16, object])
def test_wrong_feature_dtype(dtype):
    with pytest.raises(TypeError, match="X: dtype .* is not supported"):
        sgc.propagate(A, X.astype(dtype))


def test_wrong_sparse_feature_dtype():
    with pytest.raises(TypeError, match="X: dtype int64"):
        sgc.propagate(A, sp.csr_matrix(np.ones((6, 3), np.int64)))


def test_wrong_graph_dtype():
    with pytest.raises(TypeError, match="edge_index: dtype float64 is not an integer type"):
        sgc.propagate(np.zeros((2, 3)), X)
    with pytest.raises(TypeError, match="adjacency: dtype complex128"):
        sgc.propagate(A.astype(np.complex128), X)
    with pytest.raises(TypeError, match="adjacency: expected a scipy.sparse matrix"):
        sgc.propagate("graph", X)


@pytest.mark.parametrize("params, message", [
    ({"k": 2.5}, "k: expected an integer, got float"),
    ({"k": "2"}, "k: expected an integer, got str"),
    ({"k": True}, "k: expected an integer, got bool"),
    ({"op": 3}, "op: expected a string, got int"),
    ({"norm": None}, "norm: expected a string, got NoneType"),
    ({"self_loop": "1"}, "self_loop: expected a number, got str"),
    ({"op": "dgc", "t": None}, "t: expected a number, got NoneType"),
    ({"op": "ssgc", "alpha": [0.1]}, "alpha: expected a number, got list"),
    ({"op": "poly", "coeffs": "1,2"}, "coeffs: expected a list of numbers, got str"),
    ({"gamma": 1.0}, "propagate\\(\\) got an unexpected keyword argument 'gamma'"),
    ({"max_iter": 10}, "propagate\\(\\) got an unexpected keyword argument 'max_iter'"),
])
def test_wrong_parameter_types(params, message):
    with pytest.raises(TypeError, match=message):
        sgc.propagate(A, X, **params)


# ---- parameter domains: the C++ validation's messages -------------------------------------


@pytest.mark.parametrize("k", [-1, -100])
def test_negative_k(k):
    with pytest.raises(sgc.ArgumentError, match=f"k: number of propagation steps must be >= 0, got {k}"):
        sgc.propagate(A, X, k=k)


def test_k_out_of_int_range():
    with pytest.raises(ValueError, match="k: 10000000000 is out of range"):
        sgc.propagate(A, X, k=10**10)


def test_unknown_operator_and_normalisation_names_reach_the_library():
    with pytest.raises(sgc.ArgumentError, match="op: unknown operator 'nope'"):
        sgc.propagate(A, X, op="nope")
    with pytest.raises(sgc.ArgumentError, match="norm: unknown normalisation 'nope'"):
        sgc.propagate(A, X, norm="nope")
    with pytest.raises(sgc.ArgumentError, match="self_loop"):
        sgc.propagate(A, X, self_loop=-1.0)
    with pytest.raises(sgc.ArgumentError, match="self_loop"):
        sgc.propagate(A, X, self_loop=float("nan"))


# ---- the estimator -----------------------------------------------------------------------


@pytest.mark.parametrize("y, message", [
    (Y[:5], "y: 5 labels for 6 nodes"),
    (np.concatenate([Y, [0]]), "y: 7 labels for 6 nodes"),
    (Y.reshape(2, 3), "y: expected a 1-D array of labels, got 2-D"),
])
def test_mismatched_labels(y, message):
    with pytest.raises(sgc.ArgumentError, match=message):
        sgc.SGCClassifier().fit(A, X, y)
    clf = sgc.SGCClassifier(feature_norm="none").fit(A, X, Y)
    with pytest.raises(sgc.ArgumentError, match=message):
        clf.score(A, X, y)


@pytest.mark.parametrize("params, exc, message", [
    ({"k": -1}, sgc.ArgumentError, "k: number of propagation steps must be >= 0, got -1"),
    ({"lr": -0.1}, sgc.ArgumentError, "lr: must be a positive number"),
    ({"epochs": 0}, sgc.ArgumentError, "epochs: must be positive, got 0"),
    ({"weight_decay": -1.0}, sgc.ArgumentError, "weight_decay: must be a non-negative number"),
    ({"weight_decay": float("inf")}, sgc.ArgumentError, "weight_decay: must be a non-negative number"),
    ({"optimizer": "sgd"}, sgc.ArgumentError, "optimizer: unknown optimizer 'sgd'"),
    ({"feature_norm": "l2"}, sgc.ArgumentError, "feature_norm: unknown value 'l2'"),
    ({"op": "nope"}, sgc.ArgumentError, "op: unknown operator 'nope'"),
    ({"op_params": {"gamma": 1}}, TypeError, "unexpected keyword argument 'gamma'"),
    ({"op_params": {"k": 3}}, ValueError, "op_params: 'k' is a parameter of its own"),
    ({"op": "dgc", "op_params": {"t": "5"}}, TypeError, "t: expected a number, got str"),
    ({"op": "dgc", "op_params": {"t": -1.0}}, sgc.ArgumentError, "t: diffusion time T must be a number > 0"),
    ({"op": "dgc", "k": 0}, sgc.ArgumentError, "k: dgc needs K >= 1, got 0"),
    ({"op": "poly"}, sgc.ArgumentError, "coeffs: poly needs at least one coefficient"),
    ({"op_params": {"norm": "rwalk"}}, ValueError, "op_params: 'norm' is a parameter of its own"),
    ({"k": 1.5}, TypeError, "k: expected an integer"),
])
def test_bad_estimator_parameters(params, exc, message):
    with pytest.raises(exc, match=message):
        sgc.SGCClassifier(**params).fit(A, X, Y)


@pytest.mark.parametrize("params, exc, message", [
    ({"seed": -1}, ValueError, "seed: must be >= 0, got -1"),
    ({"seed": 2**64}, ValueError, "seed: must be <= 18446744073709551615"),
    ({"seed": 1.5}, TypeError, "seed: expected an integer, got float 1.5"),
    ({"seed": 2.0}, TypeError, "seed: expected an integer, got float 2.0"),
    ({"epochs": 2.5}, TypeError, "epochs: expected an integer, got float 2.5"),
    ({"epochs": -1}, sgc.ArgumentError, "epochs: must be positive, got -1"),
    ({"epochs": 2**40}, ValueError, "epochs: must be <= 2147483647"),
    # The engine's iteration cap, the command line's check.
    ({"epochs": 10**7 + 1}, sgc.ArgumentError, "epochs: must be at most 10000000, got 10000001"),
    ({"optimizer": "scrn", "optimizer_params": {"cubic_iters": 10**7 + 1}}, sgc.ArgumentError,
     "cubic_iters: must be at most 10000000"),
    ({"lr": "0.1"}, TypeError, "lr: expected a number, got str"),
    ({"weight_decay": None}, TypeError, "weight_decay: expected a number, got NoneType"),
])
def test_training_parameters_are_checked_not_truncated(params, exc, message):
    with pytest.raises(exc, match=message):
        sgc.SGCClassifier(**params).fit(A, X, Y)


def test_numpy_integers_are_integers():
    ref = sgc.SGCClassifier(seed=3, epochs=7).fit(A, X, Y)
    for seed, epochs in ((np.int64(3), np.int32(7)), (np.uint64(3), np.uint8(7))):
        clf = sgc.SGCClassifier(seed=seed, epochs=epochs).fit(A, X, Y)
        np.testing.assert_array_equal(clf.coef_, ref.coef_)
    sgc.SGCClassifier(seed=2**64 - 1).fit(A, X, Y)  # the largest seed


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_labels(bad):
    y = Y.astype(np.float64)
    y[4] = bad
    with pytest.raises(ValueError, match=f"y: non-finite label {bad} at node 4"):
        sgc.SGCClassifier().fit(A, X, y)
    with pytest.raises(ValueError, match=f"y: non-finite label {bad} at node 4"):
        sgc.SGCClassifier().fit(A, X, y, train_idx=[0, 1, 2])  # also where no index reads it
    clf = sgc.SGCClassifier().fit(A, X, Y.astype(np.float64))
    with pytest.raises(ValueError, match="y: non-finite label"):
        clf.score(A, X, y)


@pytest.mark.parametrize("y", [np.zeros_like(Y), np.where(Y == 1, 1, -1), np.full(6, 2.0), np.array(["a"] * 6)])
def test_one_class_is_not_a_classification(y):
    with pytest.raises(ValueError, match="y: 1 class among the labels .*; classification needs at least two"):
        sgc.SGCClassifier().fit(A, X, y)


def test_classes_come_from_every_label():
    # Class 2 has no training node: it still gets its row, as on the command line.
    clf = sgc.SGCClassifier(epochs=5).fit(A, X, Y, train_idx=[0, 1, 2, 3])
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.coef_.shape == (3, 3) and clf.predict_proba(A, X).shape == (6, 3)


def test_scoring_no_nodes():
    clf = sgc.SGCClassifier().fit(A, X, Y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy "mean of empty slice" on the way
        with pytest.raises(ValueError, match="idx: empty, no nodes to score"):
            clf.score(A, X, Y, [])
        with pytest.raises(ValueError, match="idx: empty"):
            clf.score(A, X, Y, np.zeros(6, dtype=bool))
        with pytest.raises(ValueError, match="y: no labelled node to score"):
            clf.score(A, X, np.full(6, -1))


@pytest.mark.parametrize("call, message", [
    (lambda: sgc.propagate(A, X, k=2, alpha=0.3), r"alpha: not a parameter of sgc \(read by ssgc, ppr\)"),
    (lambda: sgc.propagate(A, X, k=2, alpha=0.3, t=9.0), "not a parameter of sgc"),
    (lambda: sgc.propagate(A, X, op="heat", k=5), r"k: not a parameter of heat \(read by sgc, "),
    (lambda: sgc.propagate(A, X, op="poly", coeffs=[1.0], k=3), "k: not a parameter of poly"),
    (lambda: sgc.propagate(A, X, op="ssgc", t=1.0), "t: not a parameter of ssgc"),
    (lambda: sgc.SGCClassifier(op_params={"alpha": 0.3}).fit(A, X, Y),
     r"op_params: alpha: not a parameter of sgc \(read by ssgc, ppr\)"),
    (lambda: sgc.SGCClassifier(op="heat", op_params={"coeffs": [1.0]}).fit(A, X, Y),
     r"op_params: coeffs: not a parameter of heat \(read by poly\)"),
])
def test_parameters_of_another_operator(call, message):
    with pytest.raises(sgc.ArgumentError, match=message):
        call()


def test_parameters_every_operator_takes():
    for op in sgc.operators():
        if op == "poly":
            continue  # needs coefficients
        sgc.propagate(A, X, op=op, norm="aug_norm_adj", self_loop=1.0)
    heat = sgc.propagate(A, X, op="heat", t=2.0)
    np.testing.assert_array_equal(sgc.SGCClassifier(op="heat", op_params={"t": 2.0}, feature_norm="none")
                                  ._features(A, X, None), heat)  # the estimator's own k is not the operator's
    assert sgc.propagate(A, X).shape == sgc.propagate(A, X, k=2).shape
    np.testing.assert_array_equal(sgc.propagate(A, X), sgc.propagate(A, X, k=sgc.operator_defaults()["k"]))


def test_paper_defaults_of_an_unknown_data_set():
    with pytest.raises(sgc.ArgumentError, match="name: unknown data set 'nosuch'"):
        sgc.paper_defaults("nosuch")
    with pytest.raises(ValueError, match="did you mean texas"):
        sgc.paper_defaults("texs")
    with pytest.raises(ValueError, match="unknown data set 'nosuch'"):
        sgc.model_defaults("nosuch", "tsc")


def test_load_dataset_arguments_are_checked():
    with pytest.raises(ValueError, match="seed: must be >= 0, got -1"):
        sgc.datasets.load_dataset("amazon_cs", seed=-1)
    with pytest.raises(TypeError, match="seed: expected an integer, got float 1.5"):
        sgc.datasets.load_dataset("amazon_cs", seed=1.5)
    with pytest.raises(ValueError, match="split: must be >= 0, got -1"):
        sgc.datasets.load_dataset("texas", split=-1)
    with pytest.raises(TypeError, match="split: expected an integer, got float 0.5"):
        sgc.datasets.load_dataset("texas", split=0.5)


def test_bad_indices():
    clf = sgc.SGCClassifier()
    with pytest.raises(ValueError, match=r"train_idx: node id 6 out of range \[0, 6\)"):
        clf.fit(A, X, Y, train_idx=[0, 6])
    with pytest.raises(ValueError, match="train_idx: node ids repeat"):
        clf.fit(A, X, Y, train_idx=[0, 0, 1])
    with pytest.raises(TypeError, match="train_idx: dtype float64"):
        clf.fit(A, X, Y, train_idx=np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="y: training node 2 has no label"):
        clf.fit(A, X, np.array([0, 1, -1, 1, 0, 1]), train_idx=[0, 1, 2])
    with pytest.raises(ValueError, match=r"val_idx: node id -1 out of range"):
        clf.fit(A, X, Y, val_idx=[-1])
    with pytest.raises(ValueError, match=r"train_idx: node id 9223372036854775813 out of range"):
        clf.fit(A, X, Y, train_idx=np.array([0, 2**63 + 5], dtype=np.uint64))


def test_not_fitted_and_feature_count():
    clf = sgc.SGCClassifier()
    with pytest.raises(sgc.NotFittedError, match="not fitted yet"):
        clf.predict(A, X)
    clf.fit(A, X, Y)
    with pytest.raises(ValueError, match="X has 4 features, but SGCClassifier is fitted with 3"):
        clf.predict(A, np.ones((6, 4), np.float32))
    with pytest.raises(ValueError, match="X: non-finite"):
        clf.predict(A, np.full((6, 3), np.nan, np.float32))


# ---- files --------------------------------------------------------------------------------


def test_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError, match=str(tmp_path)) as info:
        sgc.datasets.load_planetoid("cora", tmp_path)
    assert isinstance(info.value, sgc.FileError)


def test_unknown_dataset_name(tmp_path):
    with pytest.raises(sgc.ArgumentError, match="name: unknown data set 'imagenet'"):
        sgc.datasets.load_dataset("imagenet", tmp_path)
    # Any name in the ind.<name>.* layout is read: a missing one is a missing file.
    with pytest.raises(sgc.FileError, match="ind.imagenet"):
        sgc.datasets.load_planetoid("imagenet", tmp_path)


def test_corrupt_file(planetoid_dir, tmp_path):
    for f in planetoid_dir.glob("ind.cora.*"):
        shutil.copy(f, tmp_path / f.name)
    graph = tmp_path / "ind.cora.graph"
    graph.write_bytes(graph.read_bytes()[:1000])  # truncated pickle
    with pytest.raises(sgc.FormatError, match="ind.cora.graph") as info:
        sgc.datasets.load_planetoid("cora", tmp_path)
    assert isinstance(info.value, ValueError)


def test_errors_name_the_keyword_not_the_command_line_flag(tmp_path):
    cases = [({"weight_decay": -1.0}, "weight_decay: "), ({"feature_norm": "l2"}, "feature_norm: "),
             ({"k": -1}, "k: "), ({"op": "dgc", "op_params": {"t": -1.0}}, "t: "), ({"self_loop": -1.0}, "self_loop: ")]
    for params, start in cases:
        with pytest.raises(sgc.ArgumentError) as e:
            sgc.SGCClassifier(**params).fit(A, X, Y)
        assert str(e.value).startswith(start) and "--" not in str(e.value), str(e.value)
    graph = tmp_path / "g.txt"
    graph.write_text("0 1\n1 2\n")
    with pytest.raises(sgc.ArgumentError) as e:
        sgc.datasets.load_dataset(str(graph), root=str(tmp_path))
    assert str(e.value).startswith("root: ") and "--" not in str(e.value), str(e.value)


def test_flags_inside_messages_are_named_as_keywords(cora):
    with pytest.raises(sgc.Error) as e:
        sgc.SGCClassifier(lr=1e30).fit(cora.adj, cora.X, cora.y, cora.train_idx)
    assert "lower lr or weight_decay" in str(e.value) and "--" not in str(e.value), str(e.value)
    with pytest.raises(sgc.ArgumentError) as e:
        sgc.propagate(cora.adj, cora.X, op="ppr", alpha=1e-9)
    assert "raise alpha or tol" in str(e.value) and "--" not in str(e.value), str(e.value)


def test_n_nodes_must_match_a_matrix(cora):
    with pytest.raises(ValueError, match="n_nodes: 5, but the adjacency is 2708 x 2708"):
        sgc.normalized_adjacency(cora.adj, n_nodes=5)
    assert sgc.normalized_adjacency(cora.adj, n_nodes=2708).shape == (2708, 2708)


def _symmetric(n=50):
    A = sp.random(n, n, density=0.1, format="csr", dtype=np.float32, random_state=0)
    return (A + A.T).tocsr()  # scipy does not know it canonical: sum_duplicates() would run on it


@pytest.mark.parametrize("damage, message", [
    (lambda A: A.indptr.__setitem__(5, 10**6), "indptr decreases at row 5"),  # was a segfault in scipy
    (lambda A: A.indptr.__setitem__(5, A.indptr[6] + 1), "indptr decreases at row 5"),
    (lambda A: A.indptr.__setitem__(-1, A.nnz + 1), "indptr must run from 0 to nnz"),
    (lambda A: A.indices.__setitem__(3, 77), r"column index 77 out of range \[0, 50\)"),
])
def test_inconsistent_sparse_structure_is_named_before_scipy_reads_it(damage, message):
    X = np.ones((50, 4), np.float32)
    for what in ("adjacency", "X"):
        A = _symmetric()
        damage(A)
        with pytest.raises(sgc.FormatError, match=f"^{what}: {message}"):
            if what == "adjacency":
                sgc.propagate(A, X)
            else:
                sgc.propagate(_symmetric(), A)
    C = _symmetric().tocsc()
    C.indptr[5] = 10**6
    with pytest.raises(sgc.FormatError, match="adjacency: indptr decreases at column 5"):
        sgc.propagate(C, X)
    O = _symmetric().tocoo()
    O.row[2] = 99
    with pytest.raises(sgc.FormatError, match=r"adjacency: row id 99 out of range \[0, 50\)"):
        sgc.propagate(O, X)


def test_list_and_dict_arguments_of_the_wrong_kind_are_named(planetoid_dir):
    # 'int' object is not iterable / cannot convert dictionary update sequence / unexpected keyword 'k'.
    with pytest.raises(TypeError, match="^budgets: expected a list of integers, got int"):
        sgc.attack("cora", data_dir=planetoid_dir, budgets=2)
    with pytest.raises(TypeError, match="^targets: expected a list of integers, got int"):
        sgc.attack("cora", data_dir=planetoid_dir, targets=5)
    A = random_graph(30, 60, seed=1)
    X = np.ones((30, 4), np.float32)
    y = np.arange(30) % 2
    with pytest.raises(TypeError, match=r"^op_params: expected a dict \{name: value\} or None, got list"):
        sgc.SGCClassifier(op_params=[1, 2]).fit(A, X, y)
    with pytest.raises(ValueError, match="^op_params: 'k' is a parameter of its own"):
        sgc.SGCClassifier(k=3, op_params={"k": 5}).fit(A, X, y)
