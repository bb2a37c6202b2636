// The graphdata and gnn-benchmark / ppnp layouts (npz_datasets.h). Keys:
// EdisonLeeeee/GraphData (np.savez of adj_matrix, node_attr, node_label,
// metadata, the matrices as pickled scipy objects), shchur/gnn-benchmark
// gnnbench/data/io.py (load_npz_to_sparse_graph: adj_*, attr_* or
// attr_matrix, labels) and klicperajo/ppnp ppnp/data/io.py (the same with
// "adj_matrix." / "attr_matrix." prefixes).
#include "sgc/error.h"
#include "sgc/io/edge_list.h"
#include "sgc/io/loader_util.h"
#include "sgc/io/npz_datasets.h"

namespace sgc {

namespace {

// The scipy matrix pickled inside a 0-d object array entry.
CsrMatrix pickled_csr(const NpzFile& f, const char* key) {
  const NpyArray a = f.array(key);
  const std::string where = f.where(key);
  const pickle::Document doc = npy_object(a, where);
  // An inflated member is this call's alone: its arrays' pages go back once copied.
  return pickle::to_csr(pickle::object_item(doc.root(), where), where, a.storage.exclusive);
}

std::vector<int64_t> label_values(const NpzFile& f, const char* key) {
  const auto y = f.values<int64_t>(key);
  if (y.shape.size() != 1) {
    throw FormatError(f.where(key) + ": expected a 1-D label vector (one-hot / multi-label labels are not supported)");
  }
  return y.data;
}

// Square, matching the label count; made undirected and unweighted.
CsrMatrix graph_of(const CsrMatrix& a, int64_t n, const std::string& where) {
  if (a.rows != a.cols || a.rows != n) {
    throw FormatError(where + ": shape mismatch: adjacency is " + std::to_string(a.rows) + " x " +
                      std::to_string(a.cols) + " for " + std::to_string(n) + " labels");
  }
  return undirected_pattern(a);
}

void finish(Dataset& d, const ClassSplitOptions& split, const std::string& source) {
  const int64_t rows = d.has_dense_features() ? d.dense_features.rows() : d.features.rows;
  if (rows != d.num_nodes()) {
    throw FormatError(source + ": shape mismatch: " + std::to_string(rows) + " feature rows for " +
                      std::to_string(d.num_nodes()) + " nodes");
  }
  split_per_class(d, split);
  validate_dataset(d, source);
}

}  // namespace

Dataset load_graphdata(const std::string& path, const ClassSplitOptions& split) {
  return load_graphdata(NpzFile::open(path), split);
}

Dataset load_graphdata(const NpzFile& f, const ClassSplitOptions& split) {
  Dataset d;
  d.name = io_detail::file_stem(f.source());
  const std::vector<int64_t> raw = label_values(f, "node_label");
  const int64_t n = static_cast<int64_t>(raw.size());
  d.num_classes = compact_labels(raw, d.labels, &d.label_values);
  d.adjacency = graph_of(pickled_csr(f, "adj_matrix"), n, f.where("adj_matrix"));
  // polblogs has no node_attr by design: identity features.
  if (f.has("node_attr")) {
    d.features = pickled_csr(f, "node_attr");
    io_detail::check_feature_shape(d.features.rows, d.features.cols, d.features.nnz(), f.where("node_attr"));
  } else {
    d.features = io_detail::identity_features(n);
  }
  finish(d, split, f.source());
  return d;
}

Dataset load_gnn_benchmark(const NpzFile& f, const ClassSplitOptions& split) {
  const std::string adj = f.has("adj_data") ? "adj_" : "adj_matrix.";
  const std::string attr = adj == "adj_" ? "attr_" : "attr_matrix.";
  Dataset d;
  d.name = io_detail::file_stem(f.source());
  const std::vector<int64_t> raw = label_values(f, "labels");
  const int64_t n = static_cast<int64_t>(raw.size());
  d.num_classes = compact_labels(raw, d.labels, &d.label_values);
  d.adjacency = graph_of(csr_from_npz(f, adj), n, f.source() + " (" + adj + "*)");
  // Sparse attributes (all four arrays: a missing one is an error naming it), or a dense attr_matrix.
  // A file with neither is an error: these files always carry features, so an incomplete
  // archive must not silently train on identity features.
  bool sparse = false;
  for (const char* part : {"data", "indices", "indptr", "shape"}) sparse = sparse || f.has(attr + part);
  if (sparse) {
    d.features = csr_from_npz(f, attr);
    io_detail::check_feature_shape(d.features.rows, d.features.cols, d.features.nnz(), f.source() + " (" + attr + "*)");
  } else if (f.has("attr_matrix")) {  // dense attributes
    d.dense_features = f.matrix("attr_matrix");
    io_detail::check_finite(d.dense_features.data(), d.dense_features.rows(), d.dense_features.cols(), f.where("attr_matrix"));
  } else {
    throw FormatError(f.source() + ": no node features (expected " + attr + "data, " + attr + "indices, " + attr +
                      "indptr and " + attr + "shape, or attr_matrix)");
  }
  finish(d, split, f.source());
  return d;
}

}  // namespace sgc
