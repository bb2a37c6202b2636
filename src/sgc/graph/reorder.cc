#include "sgc/graph/reorder.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "sgc/error.h"

namespace sgc {

namespace {
int64_t row_length(const CsrMatrix& a, int64_t i) { return a.indptr[i + 1] - a.indptr[i]; }
}  // namespace

std::vector<int32_t> reverse_cuthill_mckee(const CsrMatrix& a) {
  if (a.rows != a.cols) throw ArgumentError("reverse_cuthill_mckee: matrix is not square");
  const int64_t n = a.rows;
  // Start nodes: every component is entered at its lowest-degree unvisited node.
  std::vector<int32_t> by_degree(n);
  std::iota(by_degree.begin(), by_degree.end(), 0);
  std::stable_sort(by_degree.begin(), by_degree.end(),
                   [&](int32_t u, int32_t v) { return row_length(a, u) < row_length(a, v); });
  std::vector<char> seen(n, 0);
  std::vector<int32_t> order;
  order.reserve(n);
  std::vector<int32_t> neighbours;
  for (int32_t start : by_degree) {
    if (seen[start]) continue;
    seen[start] = 1;
    size_t head = order.size();
    order.push_back(start);
    while (head < order.size()) {
      const int32_t u = order[head++];
      neighbours.clear();
      for (int64_t p = a.indptr[u]; p < a.indptr[u + 1]; ++p)
        if (!seen[a.indices[p]]) seen[a.indices[p]] = 1, neighbours.push_back(a.indices[p]);
      std::stable_sort(neighbours.begin(), neighbours.end(),
                       [&](int32_t x, int32_t y) { return row_length(a, x) < row_length(a, y); });
      order.insert(order.end(), neighbours.begin(), neighbours.end());
    }
  }
  std::reverse(order.begin(), order.end());
  return order;
}

std::vector<int32_t> degree_order(const CsrMatrix& a) {
  std::vector<int32_t> order(a.rows);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int32_t u, int32_t v) { return row_length(a, u) > row_length(a, v); });
  return order;
}

CsrMatrix permute_symmetric(const CsrMatrix& a, const std::vector<int32_t>& order) {
  if (a.rows != a.cols) throw ArgumentError("permute_symmetric: matrix is not square");
  if (int64_t(order.size()) != a.rows)
    throw ArgumentError("permute_symmetric: order has " + std::to_string(order.size()) + " entries for " +
                        std::to_string(a.rows) + " rows");
  std::vector<int32_t> new_id(a.rows, -1);
  for (size_t i = 0; i < order.size(); ++i) {
    if (order[i] < 0 || order[i] >= a.rows || new_id[order[i]] != -1)
      throw ArgumentError("permute_symmetric: order is not a permutation (entry " + std::to_string(i) + ")");
    new_id[order[i]] = int32_t(i);
  }
  CsrMatrix b;
  b.rows = b.cols = a.rows;
  b.indptr.assign(a.rows + 1, 0);
  for (int64_t i = 0; i < a.rows; ++i) b.indptr[i + 1] = b.indptr[i] + row_length(a, order[i]);
  b.indices.resize(a.nnz());
  b.values.resize(a.nnz());
#pragma omp parallel for schedule(dynamic, 1024)
  for (int64_t i = 0; i < a.rows; ++i) {
    // Renumber row order[i]'s entries, then sort them by their new column.
    const int64_t src = a.indptr[order[i]], len = row_length(a, order[i]), dst = b.indptr[i];
    std::vector<std::pair<int32_t, float>> row(len);
    for (int64_t k = 0; k < len; ++k) row[k] = {new_id[a.indices[src + k]], a.values[src + k]};
    std::sort(row.begin(), row.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    for (int64_t k = 0; k < len; ++k) b.indices[dst + k] = row[k].first, b.values[dst + k] = row[k].second;
  }
  return b;
}

}  // namespace sgc
