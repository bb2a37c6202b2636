// The heterophilous-graphs layout (npz_datasets.h); keys and shapes from
// yandex-research/heterophilous-graphs (datasets.py reads node_features,
// node_labels, edges, train_masks, val_masks, test_masks).
#include "sgc/data/class_split.h"
#include "sgc/error.h"
#include "sgc/io/edge_list.h"
#include "sgc/io/loader_util.h"
#include "sgc/io/npz_datasets.h"

namespace sgc {

namespace {

// The rows of a (S, N) or (N,) bool mask array.
int64_t mask_rows(const NpzFile& f, const char* key, int64_t n) {
  const NpyArray a = f.array(key);
  const auto& s = a.array.shape;
  if (!(s.size() == 2 && s[1] == n) && !(s.size() == 1 && s[0] == n)) {
    throw FormatError(f.where(key) + ": shape " + a.shape_str() + " does not match " + std::to_string(n) +
                      " nodes (expected (splits, N) or (N,))");
  }
  return s.size() == 2 ? s[0] : 1;
}

std::vector<int32_t> mask_ids(const NpzFile& f, const char* key, int64_t n, int split) {
  const auto m = f.values<int32_t>(key);
  std::vector<int32_t> ids;
  const size_t base = static_cast<size_t>(split) * static_cast<size_t>(n);
  for (int64_t i = 0; i < n; ++i)
    if (m.data[base + i]) ids.push_back(static_cast<int32_t>(i));
  return ids;
}

}  // namespace

int heterophilous_split_count(const NpzFile& f) {
  const NpyArray labels = f.array("node_labels");
  if (labels.array.shape.size() != 1) {
    throw FormatError(f.where("node_labels") + ": expected shape (N,), got " + labels.shape_str());
  }
  const int64_t n = labels.array.shape[0];
  const int64_t s = mask_rows(f, "train_masks", n);
  if (mask_rows(f, "val_masks", n) != s || mask_rows(f, "test_masks", n) != s) {
    throw FormatError(f.source() + ": train/val/test masks hold different numbers of splits");
  }
  return static_cast<int>(s);
}

Dataset load_heterophilous(const std::string& path, int split) { return load_heterophilous(NpzFile::open(path), split); }

Dataset load_heterophilous(const NpzFile& f, int split) {
  const int splits = heterophilous_split_count(f);
  if (split < 0 || split >= splits) {
    throw ArgumentError("--split: " + std::to_string(split) + " is out of range: " + f.source() + " has " +
                        std::to_string(splits) + " split(s), 0.." + std::to_string(splits - 1));
  }
  Dataset d;
  d.name = io_detail::file_stem(f.source());
  const auto raw_labels = f.values<int64_t>("node_labels");
  const int64_t n = static_cast<int64_t>(raw_labels.data.size());
  d.num_classes = compact_labels(raw_labels.data, d.labels, &d.label_values);

  d.dense_features = f.matrix("node_features");
  if (d.dense_features.rows() != n) {
    throw FormatError(f.where("node_features") + ": shape mismatch: " + std::to_string(d.dense_features.rows()) +
                      " rows for " + std::to_string(n) + " labels");
  }
  io_detail::check_finite(d.dense_features.data(), n, d.dense_features.cols(), f.where("node_features"));

  const auto e = f.values<int64_t>("edges");
  if (e.shape.size() != 2 || e.shape[1] != 2) {
    throw FormatError(f.where("edges") + ": expected shape (E, 2)");
  }
  std::vector<int32_t> src(e.shape[0]), dst(e.shape[0]);
  for (int64_t k = 0; k < e.shape[0]; ++k) {
    for (int c = 0; c < 2; ++c) {
      const int64_t id = e.data[2 * k + c];
      if (id < 0 || id >= n) {
        throw FormatError(f.where("edges") + ": row " + std::to_string(k) + " has node id " + std::to_string(id) +
                          " out of range [0, " + std::to_string(n) + ")");
      }
    }
    src[k] = static_cast<int32_t>(e.data[2 * k]);
    dst[k] = static_cast<int32_t>(e.data[2 * k + 1]);
  }
  d.adjacency = undirected_adjacency(n, src, dst);
  d.train = mask_ids(f, "train_masks", n, split);
  d.val = mask_ids(f, "val_masks", n, split);
  d.test = mask_ids(f, "test_masks", n, split);
  validate_dataset(d, f.source());
  return d;
}

}  // namespace sgc
