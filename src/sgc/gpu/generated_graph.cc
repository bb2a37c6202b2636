#include "sgc/gpu/generated_graph.h"

#include <string>
#include <vector>

#include "sgc/util/budget.h"

namespace sgc {

CsrMatrix generated_operator(const GeneratedGraphSpec& g) {
  check_generated_spec(g);
  std::vector<int64_t> length(size_t(g.nodes));
  int64_t nnz = 0;
  for (int64_t i = 0; i < g.nodes; ++i) nnz += length[size_t(i)] = generated_row_length(g, i);
  require_memory(csr_bytes(g.nodes, nnz), "the generated graph (" + std::to_string(nnz) + " non-zeros)");
  CsrMatrix s;
  s.rows = s.cols = g.nodes;
  s.indptr.resize(size_t(g.nodes) + 1);
  s.indptr[0] = 0;
  for (int64_t i = 0; i < g.nodes; ++i) s.indptr[size_t(i) + 1] = s.indptr[size_t(i)] + length[size_t(i)];
  s.indices.resize(size_t(nnz));
  s.values.resize(size_t(nnz));
#pragma omp parallel for schedule(dynamic, 1024)
  for (int64_t i = 0; i < g.nodes; ++i)
    for (int64_t k = 0; k < length[size_t(i)]; ++k) {
      const int32_t j = generated_column(g, i, k);
      s.indices[size_t(s.indptr[size_t(i)] + k)] = j;
      s.values[size_t(s.indptr[size_t(i)] + k)] = generated_value(length[size_t(i)], length[size_t(j)]);
    }
  return s;
}

DenseMatrix generated_features(const GeneratedGraphSpec& g) {
  check_generated_spec(g);
  require_memory(4 * g.nodes * g.features, "the generated features");
  DenseMatrix x(g.nodes, g.features);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < g.nodes; ++i)
    for (int64_t c = 0; c < g.features; ++c) x(i, c) = generated_feature(g, i, c);
  return x;
}

std::vector<double> generated_row_reference(const GeneratedGraphSpec& g, int hops, int64_t row) {
  check_generated_spec(g);
  if (row < 0 || row >= g.nodes) throw ArgumentError("generated graph: row " + std::to_string(row) + " outside it");
  std::vector<double> out(size_t(g.features), 0.0);
  if (hops <= 0) {
    for (int64_t c = 0; c < g.features; ++c) out[size_t(c)] = generated_feature(g, row, c);
    return out;
  }
  const int64_t length = generated_row_length(g, row);
  for (int64_t k = 0; k < length; ++k) {
    const int32_t j = generated_column(g, row, k);
    const double v = generated_value(length, generated_row_length(g, j));
    const std::vector<double> below = generated_row_reference(g, hops - 1, j);
    for (size_t c = 0; c < out.size(); ++c) out[c] += v * below[c];
  }
  return out;
}

}  // namespace sgc
