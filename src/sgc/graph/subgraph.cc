#include "sgc/graph/subgraph.h"

#include <algorithm>
#include <string>

#include "sgc/error.h"

namespace sgc {

CsrMatrix induced_subgraph(const CsrMatrix& a, const std::vector<int32_t>& nodes) {
  if (a.rows != a.cols) throw ArgumentError("induced_subgraph: matrix must be square");
  std::vector<int32_t> new_id(a.rows, -1);
  for (size_t r = 0; r < nodes.size(); ++r) {
    const int32_t v = nodes[r];
    if (v < 0 || v >= a.rows) throw ArgumentError("induced_subgraph: node " + std::to_string(v) + " out of range");
    if (new_id[v] != -1) throw ArgumentError("induced_subgraph: node " + std::to_string(v) + " listed twice");
    new_id[v] = int32_t(r);
  }
  const int64_t m = int64_t(nodes.size());
  CsrMatrix s;
  s.rows = s.cols = m;
  s.indptr.assign(m + 1, 0);
#pragma omp parallel for schedule(dynamic, 1024)
  for (int64_t r = 0; r < m; ++r) {
    int64_t count = 0;
    for (int64_t p = a.indptr[nodes[r]]; p < a.indptr[nodes[r] + 1]; ++p) count += new_id[a.indices[p]] >= 0;
    s.indptr[r + 1] = count;
  }
  for (int64_t r = 0; r < m; ++r) s.indptr[r + 1] += s.indptr[r];
  s.indices.resize(s.indptr[m]);
  s.values.resize(s.indptr[m]);
#pragma omp parallel for schedule(dynamic, 1024)
  for (int64_t r = 0; r < m; ++r) {
    int64_t out = s.indptr[r];
    for (int64_t p = a.indptr[nodes[r]]; p < a.indptr[nodes[r] + 1]; ++p) {
      const int32_t j = new_id[a.indices[p]];
      if (j < 0) continue;
      s.indices[out] = j;
      s.values[out++] = a.values[p];
    }
    // New ids need not be monotone in the old ones: sort the row by column.
    const int64_t begin = s.indptr[r];
    if (std::is_sorted(s.indices.begin() + begin, s.indices.begin() + out)) continue;
    std::vector<std::pair<int32_t, float>> row;
    for (int64_t q = begin; q < out; ++q) row.emplace_back(s.indices[q], s.values[q]);
    std::sort(row.begin(), row.end());
    for (size_t q = 0; q < row.size(); ++q) s.indices[begin + q] = row[q].first, s.values[begin + q] = row[q].second;
  }
  return s;
}

}  // namespace sgc
