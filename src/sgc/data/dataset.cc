// validate_dataset (see dataset.h): the invariants every loader guarantees,
// checked once after loading so later stages can index without checks.
#include "sgc/data/dataset.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "sgc/error.h"
#include "sgc/util/printable.h"

namespace sgc {

bool all_finite(const float* x, int64_t count) {
  uint32_t bad = 0;
#pragma omp parallel for schedule(static) reduction(| : bad)
  for (int64_t i = 0; i < count; ++i) {
    uint32_t u;
    std::memcpy(&u, x + i, 4);
    bad |= static_cast<uint32_t>((u & 0x7f800000u) == 0x7f800000u);  // exponent all ones: Inf or NaN
  }
  return bad == 0;
}

bool Dataset::has_negative_features() const {
  const float* x = has_dense_features() ? dense_features.data() : features.values.data();
  const int64_t count = has_dense_features() ? int64_t(dense_features.size()) : int64_t(features.values.size());
  uint32_t negative = 0;
#pragma omp parallel for schedule(static) reduction(| : negative)
  for (int64_t i = 0; i < count; ++i) negative |= static_cast<uint32_t>(x[i] < 0);
  return negative != 0;
}

int64_t first_non_finite(const float* x, int64_t count) {
  if (all_finite(x, count)) return -1;
  for (int64_t i = 0; i < count; ++i)
    if (!std::isfinite(x[i])) return i;
  return -1;
}

std::string outside_float32_range(double value, const std::string& where) {
  return "value " + format_number(value) + " at " + where + " is outside the float32 range (largest magnitude " +
         format_number(std::numeric_limits<float>::max()) + ")";
}

void require_finite(const float* x, int64_t rows, int64_t cols, const std::string& what) {
  const int64_t i = first_non_finite(x, rows * cols);
  if (i < 0) return;
  throw ArgumentError(what + ": non-finite value " + std::to_string(x[i]) + " at row " + std::to_string(i / cols) +
                      ", column " + std::to_string(i % cols));
}

void validate_dataset(const Dataset& d, const std::string& source) {
  auto fail = [&source](const std::string& msg) { throw FormatError(source + ": " + msg); };
  const std::string adj_what = source + " (adjacency)";
  const std::string feat_what = source + " (features)";
  validate_csr(d.adjacency, adj_what.c_str());
  const CsrMatrix& a = d.adjacency;
  const int64_t n = a.rows;
  if (a.cols != n) fail("adjacency is " + std::to_string(a.rows) + " x " + std::to_string(a.cols) + ", not square");
  if (n > 0 && d.num_features() == 0) fail("the features have no columns (" + std::to_string(n) + " nodes)");
  if (d.has_dense_features()) {  // dense source: `features` stays empty
    if (d.dense_features.rows() != n) {
      fail("dense features have " + std::to_string(d.dense_features.rows()) + " rows for " + std::to_string(n) +
           " nodes");
    }
    if (d.features.rows != 0 || d.features.nnz() != 0) fail("both sparse and dense features are set");
    if (!all_finite(d.dense_features.data(), d.dense_features.size())) fail("dense features hold a NaN or infinite value");
  } else {
    validate_csr(d.features, feat_what.c_str());
    if (d.features.rows != n) {
      fail("features have " + std::to_string(d.features.rows) + " rows for " + std::to_string(n) + " nodes");
    }
  }
  // Unit weights and symmetry: every (i, j) has a matching (j, i). One pass
  // with a cursor per row, O(nnz) and cache-friendly on power-law graphs:
  // visiting rows i in increasing order, the entries (i, j) must consume the
  // entries of row j in order (each must be i). On failure the first bad
  // entry in row-major order is found again and reported.
  bool symmetric = true;
  {
    std::vector<int64_t> cursor(a.indptr.begin(), a.indptr.end() - 1);
    for (int64_t i = 0; i < n && symmetric; ++i) {
      for (int64_t k = a.indptr[i]; k < a.indptr[i + 1]; ++k) {
        const int32_t j = a.indices[k];
        if (a.values[k] != 1.0f || cursor[j] >= a.indptr[j + 1] || a.indices[cursor[j]] != i) {
          symmetric = false;
          break;
        }
        ++cursor[j];
      }
    }
  }
  int64_t first_bad = n;
  if (!symmetric) {  // the first row with a bad entry
    for (first_bad = 0; first_bad < n; ++first_bad) {
      bool bad = false;
      for (int64_t k = a.indptr[first_bad]; k < a.indptr[first_bad + 1] && !bad; ++k) {
        const int32_t j = a.indices[k];
        const auto b = a.indices.begin() + a.indptr[j], e = a.indices.begin() + a.indptr[j + 1];
        bad = a.values[k] != 1.0f || !std::binary_search(b, e, static_cast<int32_t>(first_bad));
      }
      if (bad) break;
    }
  }
  if (first_bad < n) {
    const int64_t i = first_bad;
    for (int64_t k = a.indptr[i]; k < a.indptr[i + 1]; ++k) {
      const int32_t j = a.indices[k];
      if (a.values[k] != 1.0f) {
        fail("adjacency weight " + std::to_string(a.values[k]) + " at (" + std::to_string(i) + ", " +
             std::to_string(j) + ") is not 1");
      }
      const auto b = a.indices.begin() + a.indptr[j], e = a.indices.begin() + a.indptr[j + 1];
      if (!std::binary_search(b, e, static_cast<int32_t>(i))) {
        fail("adjacency is not symmetric: (" + std::to_string(i) + ", " + std::to_string(j) +
             ") has no reverse edge");
      }
    }
  }
  if (static_cast<int64_t>(d.labels.size()) != n) {
    fail(std::to_string(d.labels.size()) + " labels for " + std::to_string(n) + " nodes");
  }
  if (d.num_classes < 2) {
    fail(std::to_string(d.num_classes) + " class" + (d.num_classes == 1 ? "" : "es") +
         " among the labelled nodes; classification needs at least two");
  }
  if (!d.label_values.empty() && static_cast<int64_t>(d.label_values.size()) != d.num_classes) {
    fail(std::to_string(d.label_values.size()) + " label values for " + std::to_string(d.num_classes) + " classes");
  }
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


std::vector<int32_t> split_labels(const Dataset& d, const std::vector<int32_t>& ids, const char* split) {
  std::vector<int32_t> y(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0 || ids[i] >= d.num_nodes())
      throw ArgumentError(std::string(split) + " split: node id " + std::to_string(ids[i]) + " out of range");
    y[i] = d.labels[ids[i]];
    if (y[i] < 0 || y[i] >= d.num_classes)
      throw ArgumentError(std::string(split) + " split: node " + std::to_string(ids[i]) + " has no valid label");
  }
  return y;
}

}  // namespace sgc
