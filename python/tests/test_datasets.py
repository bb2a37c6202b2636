"""sgc.datasets against an independent reading of the Planetoid files with pickle + scipy."""

import os
import pickle
import shutil
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import sgc


def gcn_load(folder, name):
    """tkipf/gcn utils.load_data, written out with numpy/scipy (Python 3 pickle, latin1)."""
    parts = {}
    for part in ("x", "y", "tx", "ty", "allx", "ally", "graph"):
        with open(folder / f"ind.{name}.{part}", "rb") as f, warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # scipy.sparse.csr in the pickles
            parts[part] = pickle.load(f, encoding="latin1")
    test_index = [int(line) for line in open(folder / f"ind.{name}.test.index")]
    test_sorted = np.sort(test_index)
    tx, ty = parts["tx"], parts["ty"]
    if name == "citeseer":  # isolated test nodes: pad
        full = range(min(test_index), max(test_index) + 1)
        tx_ext = sp.lil_matrix((len(full), tx.shape[1]))
        tx_ext[test_sorted - min(test_sorted), :] = tx
        tx = tx_ext
        ty_ext = np.zeros((len(full), ty.shape[1]))
        ty_ext[test_sorted - min(test_sorted), :] = ty
        ty = ty_ext
    features = sp.vstack((parts["allx"], tx)).tolil()
    features[test_index, :] = features[test_sorted, :]
    labels = np.vstack((parts["ally"], ty))
    labels[test_index, :] = labels[test_sorted, :]
    graph = parts["graph"]
    n = features.shape[0]
    rows = [i for i, nb in graph.items() for _ in nb]
    cols = [j for nb in graph.values() for j in nb]
    adj = sp.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n)).tocsr()
    adj.data[:] = 1  # duplicates collapse
    adj = adj.maximum(adj.T)
    y = np.where(labels.sum(axis=1) > 0, labels.argmax(axis=1), -1)
    return adj, sp.csr_matrix(features), y, len(parts["y"]), test_sorted


@pytest.mark.parametrize("name", ["cora", "citeseer"])
def test_matches_an_independent_reader(name, planetoid_dir):
    ds = sgc.datasets.load_planetoid(name, planetoid_dir)
    adj, X, y, n_train, test = gcn_load(planetoid_dir, name)
    assert ds.name == name
    assert sp.isspmatrix_csr(ds.adj) and ds.adj.dtype == np.float32
    assert sp.isspmatrix_csr(ds.X) and ds.X.dtype == np.float32
    assert (ds.adj != adj).nnz == 0
    assert abs(ds.X - X).max() == 0
    np.testing.assert_array_equal(ds.y, y)
    assert ds.num_classes == y.max() + 1
    np.testing.assert_array_equal(ds.train_idx, np.arange(n_train))
    np.testing.assert_array_equal(ds.val_idx, np.arange(n_train, n_train + 500))
    np.testing.assert_array_equal(ds.test_idx, test)
    for idx in (ds.train_idx, ds.val_idx, ds.test_idx):
        assert idx.dtype == np.int64


def test_published_counts(planetoid_dir):
    counts = {"cora": (2708, 1433, 7, 140), "citeseer": (3327, 3703, 6, 120), "pubmed": (19717, 500, 3, 60)}
    for name, (n, d, c, train) in counts.items():
        ds = sgc.datasets.load_dataset(name, planetoid_dir)
        assert (ds.num_nodes, ds.num_features, ds.num_classes, len(ds.train_idx)) == (n, d, c, train)
        assert (len(ds.val_idx), len(ds.test_idx)) == (500, 1000)
        assert (ds.adj != ds.adj.T).nnz == 0
        assert repr(ds).startswith(f"GraphDataset('{name}': {n} nodes")


def test_root_may_be_the_data_root(planetoid_dir):
    a = sgc.datasets.load_planetoid("cora", planetoid_dir)
    b = sgc.datasets.load_planetoid("cora", planetoid_dir.parent)
    assert (a.adj != b.adj).nnz == 0


def test_default_root_follows_the_environment(planetoid_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("SGC_DATA_DIR", str(planetoid_dir.parent))
    assert sgc.datasets.default_data_root() == str(planetoid_dir.parent)
    assert sgc.datasets.load_planetoid("cora").num_nodes == 2708
    monkeypatch.setenv("SGC_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError):
        sgc.datasets.load_planetoid("cora")


def test_arrays_own_their_memory(planetoid_dir):
    ds = sgc.datasets.load_planetoid("cora", planetoid_dir)
    ds.y[0] = 5  # writable
    ds.adj.data[0] = 2.0
    assert pickle.loads(pickle.dumps(ds)).y[0] == 5


@pytest.mark.parametrize("name", ["npz/cora", "chameleon", "cora_ml"])
def test_other_readers_feed_the_estimator(name):
    try:
        ds = sgc.datasets.load_dataset(name)
    except FileNotFoundError as e:
        pytest.skip(str(e))
    n = ds.num_nodes
    assert ds.adj.shape == (n, n) and ds.X.shape[0] == n and ds.y.shape == (n,)
    assert len(ds.train_idx) and len(ds.test_idx)
    assert isinstance(ds.X, (np.ndarray, sp.csr_matrix))
    clf = sgc.SGCClassifier(epochs=30).fit(ds.adj, ds.X, ds.y, ds.train_idx)
    assert 0 <= clf.score(ds.adj, ds.X, ds.y, ds.test_idx) <= 1


def test_dataset_names_and_unknown_names():
    names = sgc.datasets.names()
    assert names[:3] == ["cora", "citeseer", "pubmed"]
    with pytest.raises(sgc.ArgumentError, match="unknown data set"):
        sgc.datasets.load_dataset("no_such_set")


def test_feature_store_replaces_the_features(planetoid_dir, tmp_path):
    from test_estimator import cli_binary
    cli = cli_binary()
    if cli is None:
        pytest.skip("no sgc command next to this build (set SGC_CLI)")
    x = np.random.default_rng(0).random((2708, 5), dtype=np.float32)
    np.save(tmp_path / "x.npy", x)
    import subprocess
    subprocess.run([str(cli), "convert", "--in", str(tmp_path / "x.npy"), "--out", str(tmp_path / "x.sgcf")],
                   check=True, capture_output=True)
    ds = sgc.datasets.load_dataset("cora", planetoid_dir, feature_store=tmp_path / "x.sgcf")
    assert np.array_equal(np.asarray(ds.X.todense() if sp.issparse(ds.X) else ds.X), x)
    np.save(tmp_path / "y.npy", x[:7])
    subprocess.run([str(cli), "convert", "--in", str(tmp_path / "y.npy"), "--out", str(tmp_path / "y.sgcf")],
                   check=True, capture_output=True)
    with pytest.raises(sgc.FormatError, match="7 rows of features, but cora has 2708 nodes"):
        sgc.datasets.load_dataset("cora", planetoid_dir, feature_store=tmp_path / "y.sgcf")


def test_generate_is_the_command_lines_graph(tmp_path):
    gens = sgc.datasets.generators()
    assert list(gens)[0] == "csbm" and gens["powerlaw"]["defaults"]["gamma"] == 2.5
    ds = sgc.datasets.generate("csbm", seed=3, nodes=800, val_nodes=100, test_nodes=200)
    assert ds.family == "synthetic" and ds.num_nodes == 800 and len(ds.val_idx) == 100
    again = sgc.datasets.generate("csbm", seed=3, nodes=800, val_nodes=100, test_nodes=200)
    assert (ds.adj != again.adj).nnz == 0 and np.array_equal(ds.y, again.y)
    assert (ds.adj != sgc.datasets.generate("csbm", seed=4, nodes=800, val_nodes=100, test_nodes=200).adj).nnz > 0
    from test_estimator import cli_binary
    cli = cli_binary()
    if cli is not None:  # the same graph as `sgc generate` writes for the same flags
        import subprocess
        subprocess.run([str(cli), "generate", "--generator", "csbm", "--seed", "3", "--nodes", "800", "--val-nodes",
                        "100", "--test-nodes", "200", "--format", "edgelist", "--out", str(tmp_path)],
                       check=True, capture_output=True)
        edges = np.loadtxt(tmp_path / "edges.txt", dtype=np.int64, comments="#")
        upper = sp.triu(ds.adj).tocoo()
        assert sorted(zip(upper.row.tolist(), upper.col.tolist())) == sorted(map(tuple, edges.tolist()))
        # and `sgc train` on it scores what the estimator with its preset scores
        import json
        run = subprocess.run([str(cli), "train", "--json", "--seed", "3", "--nodes", "800", "--val-nodes", "100",
                              "--test-nodes", "200"], check=True, capture_output=True, text=True)
        cli_test = json.loads(run.stdout)["accuracy"]["test"]
    clf = sgc.SGCClassifier(**{**sgc.paper_defaults(ds), "seed": 3}).fit(ds.adj, ds.X, ds.y, ds.train_idx)
    score = clf.score(ds.adj, ds.X, ds.y, ds.test_idx)
    assert score > 0.9
    if cli is not None:
        assert score == pytest.approx(cli_test, abs=1e-9)


def test_generate_refuses_what_the_generator_does_not_read():
    with pytest.raises(sgc.ArgumentError, match=r"^train_per_class: generator powerlaw does not read it \(read by: csbm\)"):
        sgc.datasets.generate("powerlaw", nodes=2000, train_per_class=3)
    with pytest.raises(sgc.ArgumentError, match="nodes: expected an integer"):
        sgc.datasets.generate("csbm", nodes=2000.0)
    with pytest.raises(sgc.ArgumentError, match="unknown generator 'lattice'"):
        sgc.datasets.generate("lattice")


def test_planetoid_pickles_rewritten_at_protocol_5_read_the_same(planetoid_dir, tmp_path):
    # numpy writes arrays at protocol 5 through numpy.core.numeric._frombuffer, which the reader refused.
    for f in os.listdir(planetoid_dir):
        if f.startswith("ind.cora."):
            shutil.copy(os.path.join(planetoid_dir, f), tmp_path / f)
    for part in ("x", "ally", "graph"):
        with open(tmp_path / f"ind.cora.{part}", "rb") as fh, warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # scipy.sparse.csr, the 2016 files' module
            obj = pickle.load(fh, encoding="latin1")
        with open(tmp_path / f"ind.cora.{part}", "wb") as fh:
            pickle.dump(obj, fh, protocol=5)
    want, got = sgc.datasets.load_planetoid("cora", planetoid_dir), sgc.datasets.load_planetoid("cora", tmp_path)
    assert (want.adj != got.adj).nnz == 0 and (want.X != got.X).nnz == 0
    assert np.array_equal(want.y, got.y) and np.array_equal(want.test_idx, got.test_idx)
    # An out-of-band buffer is not in the file: said so.
    with open(tmp_path / "ind.cora.ally", "rb") as fh:
        ally = pickle.load(fh)
    buffers = []
    with open(tmp_path / "ind.cora.ally", "wb") as fh:
        pickle.dump(ally, fh, protocol=5, buffer_callback=buffers.append)
    with pytest.raises(sgc.FormatError, match="out-of-band buffer"):
        sgc.datasets.load_planetoid("cora", tmp_path)


def test_paper_defaults_do_not_row_normalise_negative_features(cora, tmp_path):
    # As `sgc train` decides from the data: signed features (a generated graph
    # written to files, embeddings) are used raw; Cora's counts are row-normalised.
    g = sgc.datasets.generate("products", nodes=2000)
    assert g.family == "synthetic" and sgc.paper_defaults(g)["feature_norm"] == "none"
    as_file = sgc.datasets.GraphDataset(name="mine", adj=g.adj, X=g.X, y=g.y, num_classes=g.num_classes,
                                        train_idx=g.train_idx, val_idx=g.val_idx, test_idx=g.test_idx, family="ogb")
    assert sgc.paper_defaults(as_file)["feature_norm"] == "none"
    assert sgc.paper_defaults(cora)["feature_norm"] == "row"
    assert sgc.paper_defaults("ogb/mine")["feature_norm"] == "row"  # a name alone: the data are not known


def test_paths_with_a_nul_byte_are_refused(planetoid_dir):
    # The C library stopped at the NUL: "cora.npz\0/x/else.txt" loaded cora.npz as a data set named "else".
    for kwargs, keyword in ((dict(name="cora.npz\0/x/else.txt"), "name"),
                            (dict(name="cora", root=str(planetoid_dir) + "\0/zz"), "root"),
                            (dict(name="cora", root=planetoid_dir, feature_store="/tmp/a\0b"), "feature_store")):
        with pytest.raises(sgc.ArgumentError, match=f"^{keyword}: .* holds a NUL byte"):
            sgc.datasets.load_dataset(**kwargs)
    with pytest.raises(sgc.ArgumentError, match="^dataset: .* holds a NUL byte"):
        sgc.attack("cora\0x", data_dir=planetoid_dir)
