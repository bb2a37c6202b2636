#include "sgc/dist/partition.h"

#include <metis.h>

#include <algorithm>
#include <numeric>

#include "sgc/error.h"

namespace sgc::dist {

PartitionMethod parse_partition_method(const std::string& name) {
  if (name == "contiguous") return PartitionMethod::Contiguous;
  if (name == "metis") return PartitionMethod::Metis;
  throw ArgumentError("--partition: unknown method '" + name + "' (contiguous, metis)");
}

std::string to_string(PartitionMethod m) { return m == PartitionMethod::Metis ? "metis" : "contiguous"; }

std::vector<int32_t> Partition::new_ids() const {
  std::vector<int32_t> inv(static_cast<size_t>(nodes()));
  for (int64_t i = 0; i < nodes(); ++i) inv[size_t(original(i))] = int32_t(i);
  return inv;
}

int Partition::owner(int64_t new_id) const {
  // The last range starting at or before new_id that is not empty.
  return int(std::upper_bound(bounds.begin(), bounds.end() - 1, new_id) - bounds.begin()) - 1;
}

std::vector<int32_t> Partition::owned(int r) const {
  std::vector<int32_t> ids;
  ids.reserve(size_t(size_of(r)));
  for (int64_t i = bounds[size_t(r)]; i < bounds[size_t(r) + 1]; ++i) ids.push_back(original(i));
  return ids;
}

Partition contiguous_partition(const std::vector<int64_t>& indptr, int parts) {
  if (parts < 1) throw ArgumentError("--parts: must be >= 1, got " + std::to_string(parts));
  const int64_t rows = int64_t(indptr.size()) - 1;
  Partition p;
  p.bounds.assign(size_t(parts) + 1, rows);
  p.bounds[0] = 0;
  const int64_t total = indptr.back() + rows;
  int64_t row = 0;
  for (int r = 1; r < parts; ++r) {
    const int64_t target = total * r / parts;
    while (row < rows && indptr[size_t(row)] + row < target) ++row;
    p.bounds[size_t(r)] = row;
  }
  return p;
}

Partition contiguous_partition(const CsrMatrix& a, int parts) { return contiguous_partition(a.indptr, parts); }

Partition metis_partition(const CsrMatrix& adj, int parts, uint64_t seed) {
  if (parts < 1) throw ArgumentError("--parts: must be >= 1, got " + std::to_string(parts));
  const int64_t n = adj.rows;
  if (parts == 1 || n <= parts) return contiguous_partition(adj, parts);
  if (adj.nnz() >= (int64_t(1) << 31))
    throw ArgumentError("metis partition: more than 2^31 non-zeros (METIS built with 32-bit ids); use contiguous");
  // METIS wants no self-loops; the adjacency is symmetric (Dataset's invariant).
  std::vector<idx_t> xadj(size_t(n) + 1, 0), adjncy, vwgt(static_cast<size_t>(n));
  adjncy.reserve(size_t(adj.nnz()));
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t e = adj.indptr[size_t(i)]; e < adj.indptr[size_t(i) + 1]; ++e)
      if (adj.indices[size_t(e)] != i) adjncy.push_back(adj.indices[size_t(e)]);
    xadj[size_t(i) + 1] = idx_t(adjncy.size());
    vwgt[size_t(i)] = idx_t(xadj[size_t(i) + 1] - xadj[size_t(i)] + 1);  // the row's work in a hop
  }
  idx_t nv = idx_t(n), ncon = 1, np = parts, objval = 0;
  idx_t options[METIS_NOPTIONS];
  METIS_SetDefaultOptions(options);
  options[METIS_OPTION_SEED] = idx_t(seed & 0x7fffffff);
  std::vector<idx_t> part(size_t(n), 0);
  const int rc = METIS_PartGraphKway(&nv, &ncon, xadj.data(), adjncy.data(), vwgt.data(), nullptr, nullptr, &np,
                                     nullptr, nullptr, options, &objval, part.data());
  if (rc != METIS_OK) throw Error("metis partition failed (METIS status " + std::to_string(rc) + ")");
  // Renumber part by part, original order inside a part.
  Partition p;
  p.bounds.assign(size_t(parts) + 1, 0);
  for (idx_t q : part) ++p.bounds[size_t(q) + 1];
  for (int r = 0; r < parts; ++r) p.bounds[size_t(r) + 1] += p.bounds[size_t(r)];
  p.order.resize(size_t(n));
  std::vector<int64_t> next(p.bounds.begin(), p.bounds.end() - 1);
  for (int64_t i = 0; i < n; ++i) p.order[size_t(next[size_t(part[size_t(i)])]++)] = int32_t(i);
  return p;
}

Partition make_partition(PartitionMethod m, const CsrMatrix& adj, int parts, uint64_t seed) {
  return m == PartitionMethod::Metis ? metis_partition(adj, parts, seed) : contiguous_partition(adj, parts);
}

int64_t cut_nonzeros(const CsrMatrix& a, const Partition& p) {
  const std::vector<int32_t> id = p.new_ids();
  std::vector<int> owner(size_t(a.rows));
  for (int64_t i = 0; i < a.rows; ++i) owner[size_t(i)] = p.owner(id[size_t(i)]);
  int64_t cut = 0;
  for (int64_t i = 0; i < a.rows; ++i)
    for (int64_t e = a.indptr[size_t(i)]; e < a.indptr[size_t(i) + 1]; ++e)
      cut += owner[size_t(i)] != owner[size_t(a.indices[size_t(e)])];
  return cut;
}

}  // namespace sgc::dist
