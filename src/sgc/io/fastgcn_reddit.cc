// FastGCN Reddit layout (fastgcn_reddit.h): reader and writer.
#include "sgc/io/fastgcn_reddit.h"

#include <algorithm>
#include <filesystem>

#include "sgc/data/class_split.h"
#include "sgc/error.h"
#include "sgc/io/edge_list.h"
#include "sgc/io/feature_store.h"
#include "sgc/io/format/npz.h"
#include "sgc/io/format/zip_writer.h"
#include "sgc/io/loader_util.h"

namespace sgc {

namespace fs = std::filesystem;

namespace {

bool is_symmetric(const CsrMatrix& a) {
  for (int64_t i = 0; i < a.rows; ++i)
    for (int64_t k = a.indptr[i]; k < a.indptr[i + 1]; ++k) {
      const int32_t j = a.indices[k];
      const auto b = a.indices.begin() + a.indptr[j], e = a.indices.begin() + a.indptr[j + 1];
      const auto it = std::lower_bound(b, e, static_cast<int32_t>(i));
      if (it == e || *it != i || a.values[it - a.indices.begin()] != a.values[k]) return false;
    }
  return true;
}

// Class ids of one split: 1-D ints, or argmax of one-hot rows (ints or floats).
std::vector<int64_t> split_labels(const NpzFile& f, const std::string& key) {
  const NpyArray a = f.array(key);  // decoded once, read as ids or as rows
  const size_t dims = a.array.shape.size();
  if (dims == 1) return npy_values<int64_t>(a, f.where(key)).data;
  if (dims != 2) throw FormatError(f.where(key) + ": expected class ids (n,) or one-hot rows (n, C)");
  const DenseMatrix y = npy_matrix(a, f.where(key));
  std::vector<int64_t> out(static_cast<size_t>(y.rows()));
  for (Eigen::Index r = 0; r < y.rows(); ++r) {
    Eigen::Index best = 0;
    if (y.cols() == 0 || y.row(r).maxCoeff(&best) <= 0)
      throw FormatError(f.where(key) + ": one-hot row " + std::to_string(r) + " is all zero");
    out[size_t(r)] = best;
  }
  return out;
}

}  // namespace

Dataset load_fastgcn_reddit(const std::string& dir, RedditAdjacencyInfo* info, const std::string& feature_store) {
  const NpzFile adj_file = NpzFile::open((fs::path(dir) / "reddit_adj.npz").string());
  const NpzFile data = NpzFile::open((fs::path(dir) / "reddit.npz").string());
  const CsrMatrix stored = load_scipy_sparse(adj_file);
  if (stored.rows != stored.cols) {
    throw FormatError(adj_file.source() + ": shape mismatch: adjacency is " + std::to_string(stored.rows) + " x " +
                      std::to_string(stored.cols));
  }
  if (info) {
    info->stored_nonzeros = stored.nnz();
    info->stored_symmetric = is_symmetric(stored);
    info->self_loops = 0;
    for (int64_t i = 0; i < stored.rows; ++i)
      info->self_loops += std::binary_search(stored.indices.begin() + stored.indptr[i],
                                             stored.indices.begin() + stored.indptr[i + 1], static_cast<int32_t>(i));
  }
  Dataset d;
  d.name = io_detail::file_stem(dir);  // the folder's name (FastGCN's is usually data/)
  d.family = "fastgcn_reddit";
  d.adjacency = undirected_pattern(stored);
  const int64_t n = d.adjacency.rows;

  if (!feature_store.empty()) {
    d.dense_features = store_features(feature_store, n, d.name);
  } else {
    d.dense_features = data.matrix("feats");
    if (d.dense_features.rows() != n) {
      throw FormatError(data.where("feats") + ": shape mismatch: " + std::to_string(d.dense_features.rows()) +
                        " rows for the " + std::to_string(n) + "-node adjacency in reddit_adj.npz");
    }
    io_detail::check_finite(d.dense_features.data(), n, d.dense_features.cols(), data.where("feats"));
  }

  std::vector<int64_t> raw_labels(static_cast<size_t>(n), -1);
  const std::pair<const char*, std::vector<int32_t>*> splits[] = {
      {"train", &d.train}, {"val", &d.val}, {"test", &d.test}};
  for (const auto& [name, ids] : splits) {
    const std::string index_key = std::string(name) + "_index", label_key = std::string("y_") + name;
    const auto index = data.values<int64_t>(index_key);
    if (index.shape.size() != 1) throw FormatError(data.where(index_key) + ": expected a 1-D array of node ids");
    const std::vector<int64_t> y = split_labels(data, label_key);
    if (y.size() != index.data.size()) {
      throw FormatError(data.where(label_key) + ": shape mismatch: " + std::to_string(y.size()) + " labels for " +
                        std::to_string(index.data.size()) + " ids in " + index_key);
    }
    for (size_t k = 0; k < y.size(); ++k) {
      const int64_t id = index.data[k];
      if (id < 0 || id >= n) {
        throw FormatError(data.where(index_key) + ": element " + std::to_string(k) + " = " + std::to_string(id) +
                          " out of range [0, " + std::to_string(n) + ")");
      }
      if (y[k] < 0 || y[k] > INT32_MAX - 1) {
        throw FormatError(data.where(label_key) + ": element " + std::to_string(k) + " = " + std::to_string(y[k]) +
                          " is not a class id");
      }
      if (raw_labels[id] >= 0 && raw_labels[id] != y[k]) {
        throw FormatError(data.where(label_key) + ": node " + std::to_string(id) + " has two different labels");
      }
      raw_labels[id] = y[k];
      ids->push_back(static_cast<int32_t>(id));
    }
  }
  // Classes numbered 0..C-1 (labels 1..C or with gaps are renumbered, their
  // values kept for output), as every loader does.
  d.num_classes = compact_labels(raw_labels, d.labels, &d.label_values);
  validate_dataset(d, dir);
  return d;
}

void write_fastgcn_reddit(const std::string& dir, const Dataset& d, bool deflate) {
  const int64_t n = d.num_nodes();
  // Upper triangle (i <= j) of the symmetric adjacency.
  int64_t nnz = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = d.adjacency.indptr[i]; k < d.adjacency.indptr[i + 1]; ++k) nnz += d.adjacency.indices[k] >= i;
  const bool wide = nnz >= INT32_MAX;
  std::vector<int32_t> indptr32;
  std::vector<int64_t> indptr(static_cast<size_t>(n) + 1, 0);
  std::vector<int32_t> indices;
  indices.reserve(static_cast<size_t>(nnz));
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t k = d.adjacency.indptr[i]; k < d.adjacency.indptr[i + 1]; ++k)
      if (d.adjacency.indices[k] >= i) indices.push_back(d.adjacency.indices[k]);
    indptr[i + 1] = static_cast<int64_t>(indices.size());
  }
  const std::vector<float> ones(static_cast<size_t>(nnz), 1.0f);
  std::string_view indptr_bytes, indices_bytes;
  std::string index_descr = "<i4";
  std::vector<int64_t> indices_wide;
  if (wide) {
    index_descr = "<i8";
    indices_wide.assign(indices.begin(), indices.end());
    indptr_bytes = {reinterpret_cast<const char*>(indptr.data()), indptr.size() * 8};
    indices_bytes = {reinterpret_cast<const char*>(indices_wide.data()), indices_wide.size() * 8};
  } else {
    indptr32.assign(indptr.begin(), indptr.end());
    indptr_bytes = {reinterpret_cast<const char*>(indptr32.data()), indptr32.size() * 4};
    indices_bytes = {reinterpret_cast<const char*>(indices.data()), indices.size() * 4};
  }
  const int64_t shape[2] = {n, n};
  write_npz((fs::path(dir) / "reddit_adj.npz").string(),
            {{"indices", npy_header(index_descr, {nnz}), indices_bytes},
             {"indptr", npy_header(index_descr, {n + 1}), indptr_bytes},
             {"format", npy_header("|S3", {}), "csr"},
             {"shape", npy_header("<i8", {2}), {reinterpret_cast<const char*>(shape), sizeof shape}},
             {"data", npy_header("<f4", {nnz}), {reinterpret_cast<const char*>(ones.data()), ones.size() * 4}}},
            deflate);

  DenseMatrix sparse_as_dense;
  const DenseMatrix* x = &d.dense_features;
  if (!d.has_dense_features()) {
    sparse_as_dense = DenseMatrix::Zero(d.features.rows, d.features.cols);
    for (int64_t i = 0; i < d.features.rows; ++i)
      for (int64_t k = d.features.indptr[i]; k < d.features.indptr[i + 1]; ++k)
        sparse_as_dense(i, d.features.indices[k]) = d.features.values[k];
    x = &sparse_as_dense;
  }
  std::vector<std::vector<int64_t>> ids(3), ys(3);
  const std::vector<int32_t>* splits[3] = {&d.train, &d.val, &d.test};
  for (int s = 0; s < 3; ++s)
    for (int32_t id : *splits[s]) {
      ids[s].push_back(id);
      ys[s].push_back(d.labels[id]);
    }
  auto bytes = [](const std::vector<int64_t>& v) {
    return std::string_view(reinterpret_cast<const char*>(v.data()), v.size() * 8);
  };
  auto len = [](const std::vector<int64_t>& v) { return static_cast<int64_t>(v.size()); };
  write_npz((fs::path(dir) / "reddit.npz").string(),
            {{"feats", npy_header("<f4", {x->rows(), x->cols()}),
              {reinterpret_cast<const char*>(x->data()), static_cast<size_t>(x->size()) * 4}},
             {"y_train", npy_header("<i8", {len(ys[0])}), bytes(ys[0])},
             {"y_val", npy_header("<i8", {len(ys[1])}), bytes(ys[1])},
             {"y_test", npy_header("<i8", {len(ys[2])}), bytes(ys[2])},
             {"train_index", npy_header("<i8", {len(ids[0])}), bytes(ids[0])},
             {"val_index", npy_header("<i8", {len(ids[1])}), bytes(ids[1])},
             {"test_index", npy_header("<i8", {len(ids[2])}), bytes(ids[2])}},
            deflate);
}

}  // namespace sgc
