// validate_dataset (see dataset.h): the invariants every loader guarantees,
// checked once after loading so later stages can index without checks.
#include "sgc/data/dataset.h"

#include <algorithm>
#include <string>

#include "sgc/error.h"

namespace sgc {

void validate_dataset(const Dataset& d, const std::string& source) {
  auto fail = [&source](const std::string& msg) { throw FormatError(source + ": " + msg); };
  const std::string adj_what = source + " (adjacency)";
  const std::string feat_what = source + " (features)";
  validate_csr(d.adjacency, adj_what.c_str());
  const CsrMatrix& a = d.adjacency;
  const int64_t n = a.rows;
  if (a.cols != n) fail("adjacency is " + std::to_string(a.rows) + " x " + std::to_string(a.cols) + ", not square");
  if (d.has_dense_features()) {  // dense source: `features` stays empty
    if (d.dense_features.rows() != n) {
      fail("dense features have " + std::to_string(d.dense_features.rows()) + " rows for " + std::to_string(n) +
           " nodes");
    }
    if (d.features.rows != 0 || d.features.nnz() != 0) fail("both sparse and dense features are set");
    if (!d.dense_features.allFinite()) fail("dense features hold a NaN or infinite value");
  } else {
    validate_csr(d.features, feat_what.c_str());
    if (d.features.rows != n) {
      fail("features have " + std::to_string(d.features.rows) + " rows for " + std::to_string(n) + " nodes");
    }
  }
  // Unit weights and symmetry: every (i, j) has a matching (j, i).
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t k = a.indptr[i]; k < a.indptr[i + 1]; ++k) {
      int32_t j = a.indices[k];
      if (a.values[k] != 1.0f) {
        fail("adjacency weight " + std::to_string(a.values[k]) + " at (" + std::to_string(i) + ", " +
             std::to_string(j) + ") is not 1");
      }
      auto b = a.indices.begin() + a.indptr[j], e = a.indices.begin() + a.indptr[j + 1];
      if (!std::binary_search(b, e, static_cast<int32_t>(i))) {
        fail("adjacency is not symmetric: (" + std::to_string(i) + ", " + std::to_string(j) +
             ") has no reverse edge");
      }
    }
  }
  if (static_cast<int64_t>(d.labels.size()) != n) {
    fail(std::to_string(d.labels.size()) + " labels for " + std::to_string(n) + " nodes");
  }
  if (d.num_classes < 1) fail("num_classes is " + std::to_string(d.num_classes));
  for (int64_t i = 0; i < n; ++i) {
    if (d.labels[i] < -1 || d.labels[i] >= d.num_classes) {
      fail("label " + std::to_string(d.labels[i]) + " of node " + std::to_string(i) + " outside [-1, " +
           std::to_string(d.num_classes) + ")");
    }
  }
  // Split ids: in range, labelled, no repeats, and no node in two splits.
  std::vector<uint8_t> split_of(static_cast<size_t>(n), 0);
  const std::pair<const char*, const std::vector<int32_t>*> splits[] = {
      {"train", &d.train}, {"val", &d.val}, {"test", &d.test}};
  uint8_t tag = 0;
  for (const auto& [name, ids] : splits) {
    ++tag;
    for (int32_t id : *ids) {
      if (id < 0 || id >= n) {
        fail(std::string(name) + " id " + std::to_string(id) + " out of range [0, " + std::to_string(n) + ")");
      }
      if (d.labels[id] < 0) fail(std::string(name) + " node " + std::to_string(id) + " has no label");
      if (split_of[id] == tag) fail(std::string(name) + " lists node " + std::to_string(id) + " twice");
      if (split_of[id] != 0) {
        fail(std::string(name) + " node " + std::to_string(id) + " is also in " + splits[split_of[id] - 1].first);
      }
      split_of[id] = tag;
    }
  }
}

}  // namespace sgc
