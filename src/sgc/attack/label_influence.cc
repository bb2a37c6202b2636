// Sparse K-step propagation from the target on the flipped graph (see label_influence.h).
#include "sgc/attack/label_influence.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "sgc/error.h"

namespace sgc::attack {

FlipGraph::FlipGraph(const CsrMatrix& adj, double self_loop)
    : a_(adj), g_(self_loop), deg_(size_t(adj.rows)), dinv_(size_t(adj.rows)), mark_(size_t(adj.rows), 0),
      base_nb_(size_t(adj.rows), 0) {
  if (adj.rows != adj.cols) throw ArgumentError("attack: the adjacency matrix is not square");
  for (int64_t i = 0; i < adj.rows; ++i) {
    double d = g_;
    for (int64_t p = adj.indptr[size_t(i)]; p < adj.indptr[size_t(i) + 1]; ++p) d += adj.values[size_t(p)];
    set_degree(int32_t(i), d);
  }
}

void FlipGraph::set_degree(int32_t w, double d) {
  deg_[size_t(w)] = d;
  dinv_[size_t(w)] = d > 0 ? 1.0 / std::sqrt(d) : 0.0;  // as aug_norm_adj: no inf for an empty row
}

void FlipGraph::reset(int32_t v) {
  while (!flips_.empty()) undo();
  for (int32_t x : base_list_) base_nb_[size_t(x)] = 0;
  base_list_.clear();
  if (v < 0 || v >= a_.rows) throw ArgumentError("attack: target " + std::to_string(v) + " is not a node");
  v_ = v;
  target_degree_ = 0;
  for (int64_t p = a_.indptr[size_t(v)]; p < a_.indptr[size_t(v) + 1]; ++p) {
    const int32_t x = a_.indices[size_t(p)];
    if (x == v || base_nb_[size_t(x)]) continue;
    base_nb_[size_t(x)] = 1;
    base_list_.push_back(x);
    ++target_degree_;
  }
}

bool FlipGraph::adjacent(int32_t u) const {
  const int8_t m = mark_[size_t(u)];
  return m > 0 || (m == 0 && base_nb_[size_t(u)] && u != v_);
}

void FlipGraph::add(int32_t u) {
  if (u == v_ || adjacent(u)) throw ArgumentError("attack: cannot add (" + std::to_string(v_) + ", " +
                                                  std::to_string(u) + "): a self-loop or an existing edge");
  if (mark_[size_t(u)] < 0) {
    mark_[size_t(u)] = 0;  // restoring a removed base edge
  } else {
    mark_[size_t(u)] = 1;
    added_.push_back(u);
  }
  double w = 0;  // the restored base weight, or 1 for a new edge
  if (mark_[size_t(u)] == 0) {
    for (int64_t p = a_.indptr[size_t(u)]; p < a_.indptr[size_t(u) + 1]; ++p)
      if (a_.indices[size_t(p)] == v_) w += a_.values[size_t(p)];
  } else {
    w = 1.0;
  }
  set_degree(v_, deg_[size_t(v_)] + w);
  set_degree(u, deg_[size_t(u)] + w);
  flips_.push_back({u, 1});
  ++target_degree_;
}

void FlipGraph::remove(int32_t u) {
  if (u == v_ || !adjacent(u))
    throw ArgumentError("attack: cannot remove (" + std::to_string(v_) + ", " + std::to_string(u) + "): no such edge");
  double w = 0;
  if (mark_[size_t(u)] > 0) {
    mark_[size_t(u)] = 0;
    added_.erase(std::find(added_.begin(), added_.end(), u));
    w = 1.0;
  } else {
    mark_[size_t(u)] = -1;
    for (int64_t p = a_.indptr[size_t(u)]; p < a_.indptr[size_t(u) + 1]; ++p)
      if (a_.indices[size_t(p)] == v_) w += a_.values[size_t(p)];
  }
  set_degree(v_, deg_[size_t(v_)] - w);
  set_degree(u, deg_[size_t(u)] - w);
  flips_.push_back({u, -1});
  --target_degree_;
}

void FlipGraph::undo() {
  if (flips_.empty()) return;
  const auto [u, op] = flips_.back();
  // The inverse flip, then drop both records.
  if (op > 0)
    remove(u);
  else
    add(u);
  flips_.pop_back();
  flips_.pop_back();
}

CsrMatrix FlipGraph::materialize() const {
  CsrMatrix out;
  out.rows = out.cols = a_.rows;
  out.indptr.assign(size_t(a_.rows) + 1, 0);
  out.indices.reserve(a_.indices.size() + added_.size() * 2);
  out.values.reserve(a_.indices.size() + added_.size() * 2);
  std::vector<std::pair<int32_t, float>> row;
  for (int64_t w = 0; w < a_.rows; ++w) {
    row.clear();
    for_each_neighbor(int32_t(w), [&](int32_t x, double a) { row.push_back({x, float(a)}); });
    std::sort(row.begin(), row.end(), [](const auto& l, const auto& r) { return l.first < r.first; });
    for (const auto& [x, a] : row) out.indices.push_back(x), out.values.push_back(a);
    out.indptr[size_t(w) + 1] = int64_t(out.indices.size());
  }
  return out;
}

void RowPropagator::step(const FlipGraph& g, const SparseRow& r, SparseRow& out) {
  out.index.clear();
  out.value.clear();
  auto touch = [&](int32_t x, double add) {
    if (!seen_[size_t(x)]) seen_[size_t(x)] = 1, out.index.push_back(x);
    acc_[size_t(x)] += add;
  };
  const double gl = g.self_loop();
  for (size_t i = 0; i < r.index.size(); ++i) {
    const int32_t w = r.index[i];
    const double rw = r.value[i] * g.dinv(w);
    if (gl != 0) touch(w, rw * gl * g.dinv(w));
    g.for_each_neighbor(w, [&](int32_t x, double a) { touch(x, rw * a * g.dinv(x)); });
  }
  // Ascending node order, so later sums do not depend on the visiting order:
  // sort a small support, scan the marks of a large one (deep K).
  if (out.index.size() * 16 > seen_.size()) {
    out.index.clear();
    for (size_t x = 0; x < seen_.size(); ++x)
      if (seen_[x]) out.index.push_back(int32_t(x));
  } else {
    std::sort(out.index.begin(), out.index.end());
  }
  out.value.resize(out.index.size());
  for (size_t i = 0; i < out.index.size(); ++i) {
    const size_t x = size_t(out.index[i]);
    out.value[i] = acc_[x];
    acc_[x] = 0;
    seen_[x] = 0;
  }
}

void RowPropagator::rows(const FlipGraph& g, int steps, std::vector<SparseRow>& out) {
  out.resize(size_t(steps) + 1);
  out[0].index.assign(1, g.target());
  out[0].value.assign(1, 1.0);
  for (int j = 0; j < steps; ++j) step(g, out[size_t(j)], out[size_t(j) + 1]);
}

double RowPropagator::objective(const FlipGraph& g, int k, const std::vector<double>& y) {
  a_.index.assign(1, g.target());
  a_.value.assign(1, 1.0);
  if (k == 0) return y[size_t(g.target())];
  for (int j = 0; j + 1 < k; ++j) {
    step(g, a_, b_);
    std::swap(a_, b_);
  }
  // The last product as a gather: sum_w r[w] sum_x S'_wx y[x].
  const double gl = g.self_loop();
  double f = 0;
  for (size_t i = 0; i < a_.index.size(); ++i) {
    const int32_t w = a_.index[i];
    double s = gl * g.dinv(w) * y[size_t(w)];
    g.for_each_neighbor(w, [&](int32_t x, double a) { s += a * g.dinv(x) * y[size_t(x)]; });
    f += a_.value[i] * g.dinv(w) * s;
  }
  return f;
}

std::vector<double> label_gap(const float* y, int64_t n, int32_t classes, int32_t c, int32_t label) {
  std::vector<double> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    out[size_t(i)] = double(y[i * classes + c]) - double(y[i * classes + label]);
  return out;
}

}  // namespace sgc::attack
