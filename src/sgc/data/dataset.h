// A node-classification data set as every loader returns it: an undirected
// graph, node features, labels and a train/val/test split.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sgc/dense.h"
#include "sgc/graph/csr.h"

namespace sgc {

struct Dataset {
  // Identity, set by the loader that read it (presets are keyed on it):
  // family "planetoid" / "heterophilous" / "graphdata" / "ppnp" / "npz" /
  // "ogb" / "fastgcn_reddit" / "synthetic" / "bare" (a graph file with generated attributes), and the name
  // within it ("cora", "csbm", the file's stem, ...).
  std::string family;
  std::string name;
  // Symmetric adjacency with unit weights, num_nodes x num_nodes. Self-loops
  // present in the source are kept here (see normalize.h for how S treats them).
  CsrMatrix adjacency;
  // Raw (unnormalised) node features, num_nodes x num_features: sparse in
  // `features`, or, for sources that are dense (synthetic Gaussian features),
  // in `dense_features` with `features` left empty (0 x 0).
  CsrMatrix features;
  DenseMatrix dense_features;
  // Class id per node in [0, num_classes), or -1 where the node has no label.
  std::vector<int32_t> labels;
  int32_t num_classes = 0;  // at least 2 (validate_dataset)
  // The file's label value of each class when the loader remapped the values
  // it read to 0..C-1 (e.g. 1..C, or values with gaps): label_values[c] is the
  // value of class c, so predictions can be written back in the file's terms.
  // Empty when the file's values already were 0..C-1 (class c is value c).
  std::vector<int64_t> label_values;
  // Node ids of each split; every id has a label.
  std::vector<int32_t> train, val, test;

  int64_t num_nodes() const { return adjacency.rows; }
  bool has_dense_features() const { return dense_features.size() > 0; }
  int64_t num_features() const { return has_dense_features() ? dense_features.cols() : features.cols; }
  // Whether any feature value is negative (embeddings, Gaussian attributes):
  // such rows are not counts, and the presets do not row-normalise them.
  bool has_negative_features() const;
};

// True if no value is NaN or infinite (a vectorised, parallel scan: a
// Reddit-sized feature matrix has 140M values).
bool all_finite(const float* x, int64_t count);

// Index of the first NaN or infinite value of x[0..count), or -1 if none
// (the parallel all_finite scan first; the sequential search only on failure).
int64_t first_non_finite(const float* x, int64_t count);

// "value v at <where> is outside the float32 range (largest magnitude ...)":
// for a finite float64 input that narrowing to float32 made infinite, which
// would otherwise be reported as the inf it became.
std::string outside_float32_range(double value, const std::string& where);

// Throws sgc::ArgumentError "<what>: non-finite value v at row r, column c"
// for the first non-finite value of the row-major rows x cols matrix at x.
void require_finite(const float* x, int64_t rows, int64_t cols, const std::string& what);

// The labels of the nodes `ids` of the split named `split` ("train", ...);
// ArgumentError for an id out of range or a node without a valid label.
std::vector<int32_t> split_labels(const Dataset& d, const std::vector<int32_t>& ids, const char* split);

// The file's label value of class c (label_values[c], or c when there is no remapping).
inline int64_t label_value(const Dataset& d, int32_t c) {
  return d.label_values.empty() ? c : d.label_values[static_cast<size_t>(c)];
}

// Checks shapes, id ranges, label ranges (and at least two classes) and finite feature values; throws
// sgc::FormatError naming `source` (usually the file or directory) on failure.
void validate_dataset(const Dataset& d, const std::string& source);

}  // namespace sgc
