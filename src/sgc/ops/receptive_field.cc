#include "sgc/ops/receptive_field.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "sgc/error.h"
#include "sgc/graph/normalize.h"
#include "sgc/ops/polynomial.h"
#include "sgc/ops/spmm.h"
#include "sgc/util/progress.h"

namespace sgc {

std::optional<ReceptiveField> ReceptiveField::of(const CsrMatrix& s, const std::vector<int32_t>& rows,
                                                 std::vector<double> weights, int64_t max_nodes) {
  if (weights.empty()) throw ArgumentError("receptive field: no series weights");
  if (s.rows != s.cols)
    throw ArgumentError("receptive field: S is " + std::to_string(s.rows) + " x " + std::to_string(s.cols));
  const int hops = int(weights.size()) - 1;
  ReceptiveField f;
  f.weights_ = std::move(weights);
  std::vector<int32_t> id(size_t(s.rows), -1);
  for (const int32_t r : rows) {
    if (r < 0 || r >= s.rows)
      throw ArgumentError("receptive field: row " + std::to_string(r) + " outside [0, " + std::to_string(s.rows) + ")");
    if (id[size_t(r)] < 0) id[size_t(r)] = int32_t(f.order_.size()), f.order_.push_back(r);
    f.out_.push_back(id[size_t(r)]);
  }
  // Levels G_1 .. G_{J-1}: the neighbours of the last level's new nodes.
  f.level_.push_back(int64_t(f.order_.size()));
  for (int m = 1; m < hops; ++m) {
    const int64_t from = m >= 2 ? f.level_[size_t(m) - 2] : 0, to = f.level_[size_t(m) - 1];
    for (int64_t v = from; v < to; ++v) {
      const int32_t node = f.order_[size_t(v)];
      for (int64_t p = s.indptr[size_t(node)]; p < s.indptr[size_t(node) + 1]; ++p) {
        const int32_t u = s.indices[size_t(p)];
        if (id[size_t(u)] < 0) id[size_t(u)] = int32_t(f.order_.size()), f.order_.push_back(u);
      }
      if (int64_t(f.order_.size()) > max_nodes) return std::nullopt;
    }
    f.level_.push_back(int64_t(f.order_.size()));
  }
  // Each hop keeps its rows of S: at most one S's worth in all (a long series
  // on a field just under max_nodes would otherwise copy S many times over).
  std::vector<int64_t> prefix_nnz(f.order_.size() + 1, 0);
  for (size_t v = 0; v < f.order_.size(); ++v)
    prefix_nnz[v + 1] = prefix_nnz[v] + s.indptr[size_t(f.order_[v]) + 1] - s.indptr[size_t(f.order_[v])];
  int64_t copied = 0;
  for (int j = 1; j <= hops; ++j) copied += prefix_nnz[size_t(f.level_[size_t(hops - j)])];
  if (copied > std::max<int64_t>(s.nnz(), 1)) return std::nullopt;
  // Hop j computes G_{J-j}: the first level_[J-j] rows of the renumbered S.
  for (int j = 1; j <= hops; ++j) {
    const int64_t m = f.level_[size_t(hops - j)];
    CsrMatrix h;
    h.rows = m;
    h.cols = j == 1 ? s.cols : f.level_[size_t(hops - j + 1)];
    h.indptr.assign(size_t(m) + 1, 0);
    for (int64_t v = 0; v < m; ++v) {
      const int32_t node = f.order_[size_t(v)];
      h.indptr[size_t(v) + 1] = h.indptr[size_t(v)] + s.indptr[size_t(node) + 1] - s.indptr[size_t(node)];
    }
    h.indices.resize(size_t(h.indptr.back()));
    h.values.resize(size_t(h.indptr.back()));
    for (int64_t v = 0; v < m; ++v) {
      const int32_t node = f.order_[size_t(v)];
      const int64_t b = s.indptr[size_t(node)], e = s.indptr[size_t(node) + 1];
      for (int64_t p = b, q = h.indptr[size_t(v)]; p < e; ++p, ++q) {
        h.indices[size_t(q)] = j == 1 ? s.indices[size_t(p)] : id[size_t(s.indices[size_t(p)])];
        h.values[size_t(q)] = s.values[size_t(p)];
      }
    }
    f.hop_.push_back(std::move(h));
  }
  return f;
}

DenseMatrix ReceptiveField::run(const FeatureInput& x) const {
  const int64_t n = x.rows(), d = x.cols();
  if (!hop_.empty() && n != hop_.front().cols)
    throw ArgumentError("receptive field: features have " + std::to_string(n) + " rows, S " +
                        std::to_string(hop_.front().cols));
  const std::optional<DenseView> dense =
      x.sparse ? std::nullopt : std::optional<DenseView>(x.view ? *x.view : view_of(x.dense));
  DenseMatrix y = DenseMatrix::Zero(rows(), d);
  if (weights_[0] != 0) {  // hop 0: the rows themselves
    std::vector<int32_t> nodes(out_.size());
    for (size_t r = 0; r < out_.size(); ++r) nodes[r] = order_[size_t(out_[r])];
    DenseMatrix x0;
    if (x.sparse) {
      x0 = to_dense(select_rows(*x.sparse, nodes));
    } else {
      x0.resize(rows(), d);
      for (int64_t r = 0; r < rows(); ++r) x0.row(r) = dense->row(nodes[size_t(r)]);
    }
    add_scaled(y, weights_[0], HopView{x0, nullptr});
  }
  DenseMatrix h, next;
  for (size_t j = 1; j < weights_.size(); ++j) {
    if (j == 1 && x.sparse) {
      spmm(hop_[0], *x.sparse, h);  // the sparse-feature kernel
    } else if (j == 1) {
      spmm(hop_[0], *dense, h);
    } else {
      spmm(hop_[j - 1], h, next);
      std::swap(h, next);
    }
    if (weights_[j] != 0) add_scaled(y, weights_[j], HopView{h, &out_});
  }
  require_finite_output(y, "a series of " + std::to_string(hops()) + " hops on a receptive field");
  return y;
}

DenseMatrix ReceptiveField::run_blocked(const ColumnSource& source, int64_t width, BlockedRun* info) const {
  const int64_t d = source.cols();
  width = std::max<int64_t>(1, std::min(width, std::max<int64_t>(d, 1)));
  DenseMatrix y(rows(), d);
  CsrMatrix holder;
  const bool densify = !hop_.empty() && source.dense_blocks_pay(hop_.front());
  int64_t blocks = 0;
  // The enclosing progress stage counted one whole-width run's products.
  progress_add_total((std::max<int64_t>(1, (d + width - 1) / width) - 1) * hops());
  for (int64_t c0 = 0; c0 < d; c0 += width) {
    const int64_t w = std::min(width, d - c0);
    const DenseMatrix b = run(source.block(c0, w, holder, densify));
#pragma omp parallel for schedule(static) if (rows() * w > (int64_t(1) << 16))
    for (int64_t r = 0; r < rows(); ++r) std::memcpy(y.row(r).data() + c0, b.row(r).data(), size_t(w) * 4);
    ++blocks;
  }
  if (info) *info = {width, blocks, 0};  // fp32 hops only (lean_receptive_field)
  return y;
}

std::optional<ReceptiveField> lean_receptive_field(const CsrMatrix& s, const OperatorSpec& spec,
                                                   const std::vector<int32_t>& rows) {
  if (spec.def->sixteen_bit && spec.precision != Precision::Fp32) return std::nullopt;  // 16-bit hops: run as asked
  const HopPlan plan = hop_plan(spec);
  if (plan.kind != HopPlan::Kind::Series) return std::nullopt;
  return ReceptiveField::of(s, rows, plan.weights, s.rows / 2);
}

}  // namespace sgc
