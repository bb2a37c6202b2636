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

}  // namespace sgc
