// Label influence of a target node v on a graph whose edges at v are flipped,
// by sparse K-step propagation from v (a row of S'^K), never materialising S'.
//
//   S' = (D' + gI)^-1/2 (A' + gI) (D' + gI)^-1/2   A' = A with edges (v, u) flipped
//   r_0 = e_v,  r_{j+1} = r_j S'                    r_K = row v of S'^K
//   objective f(A') = (S'^K Y)_{v,c} - (S'^K Y)_{v,y_v} = r_K . (Y_c - Y_{y_v})
//
// For SGC/GCN the influence of node u's label on v's prediction is
// proportional to (S^K)_{vu} (Wang et al., "Efficient Evasion Attacks to
// Graph Neural Networks via Influence Function", WSDM 2024, sec. 4), so f is
// the K-step label-propagation score gap the attack maximises. The authors
// enumerate walks (exponential in K); a row of S'^K costs K sparse
// vector-matrix products over v's K-hop neighbourhood instead.
// The same rows give a linear victim's propagated row on the perturbed
// graph: sum_j w_j r_j X for an operator that is a series in S (victim.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "sgc/graph/csr.h"

namespace sgc::attack {

// A symmetric adjacency A (unit or positive weights, self-loops allowed)
// with edges (v, u) at one target v added or removed, and the degrees of the
// augmented normalisation with self-loop weight g (aug_norm_adj, normalize.h).
// Flips are applied in place to small per-node arrays and undone by reset().
class FlipGraph {
 public:
  FlipGraph(const CsrMatrix& adj, double self_loop = 1.0);

  // Clears every flip and makes v the target.
  void reset(int32_t v);
  int32_t target() const { return v_; }
  // Whether (v, u) is an edge of the current graph.
  bool adjacent(int32_t u) const;
  // Adds the absent edge (v, u) / removes the present one; ArgumentError otherwise.
  void add(int32_t u);
  void remove(int32_t u);
  void undo();  // reverts the last add/remove
  // Neighbours of v in the current A' (without v itself).
  int64_t target_degree() const { return target_degree_; }
  int64_t num_nodes() const { return a_.rows; }
  double self_loop() const { return g_; }
  // (rowsum(A') + g)^-1/2 of node w.
  double dinv(int32_t w) const { return dinv_[size_t(w)]; }
  // Calls f(x, A'_wx) for every stored entry of row w of A' (not the added g).
  template <class F>
  void for_each_neighbor(int32_t w, F&& f) const;
  // A' as a CSR matrix (for full re-propagation and tests).
  CsrMatrix materialize() const;
  const CsrMatrix& base() const { return a_; }

 private:
  void set_degree(int32_t w, double d);
  const CsrMatrix& a_;
  double g_;
  std::vector<double> deg_, dinv_;
  std::vector<int8_t> mark_;        // +1: (v, x) added, -1: (v, x) removed
  std::vector<int8_t> base_nb_;     // 1: x is a neighbour of v in A
  std::vector<int32_t> base_list_;  // v's neighbours in A (to clear base_nb_)
  std::vector<int32_t> added_;                     // current added edges (v, u)
  std::vector<std::pair<int32_t, int8_t>> flips_;  // applied flips, for undo()
  int32_t v_ = -1;
  int64_t target_degree_ = 0;
};

template <class F>
void FlipGraph::for_each_neighbor(int32_t w, F&& f) const {
  const bool at_v = w == v_;
  const int8_t m = at_v ? 0 : mark_[size_t(w)];
  for (int64_t p = a_.indptr[size_t(w)]; p < a_.indptr[size_t(w) + 1]; ++p) {
    const int32_t x = a_.indices[size_t(p)];
    if (at_v ? mark_[size_t(x)] < 0 : (m < 0 && x == v_)) continue;  // removed edge
    f(x, double(a_.values[size_t(p)]));
  }
  if (at_v) {
    for (int32_t u : added_) f(u, 1.0);
  } else if (m > 0) {
    f(v_, 1.0);
  }
}

// A sparse row vector: values on the listed nodes.
struct SparseRow {
  std::vector<int32_t> index;
  std::vector<double> value;
};

// Scratch space of one propagation (a dense accumulator over the nodes).
class RowPropagator {
 public:
  explicit RowPropagator(int64_t n) : acc_(size_t(n), 0.0), seen_(size_t(n), 0) {}
  // r_{j+1} = r_j S' on g.
  void step(const FlipGraph& g, const SparseRow& r, SparseRow& out);
  // Rows r_0 = e_v .. r_steps of S'^j (v = g.target()).
  void rows(const FlipGraph& g, int steps, std::vector<SparseRow>& out);
  // r_K . y (the objective for y = Y_c - Y_{y_v}): K - 1 scatters, then one gather.
  double objective(const FlipGraph& g, int k, const std::vector<double>& y);

 private:
  std::vector<double> acc_;
  std::vector<uint8_t> seen_;
  SparseRow a_, b_;
};

// Y_c - Y_{y}: the column gap of soft labels Y (n x C, row-major floats).
std::vector<double> label_gap(const float* y, int64_t n, int32_t classes, int32_t c, int32_t label);

}  // namespace sgc::attack
