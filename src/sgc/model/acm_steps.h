// The K projected propagation steps of ACM (acm_model.h) and their gradient,
// as one engine that keeps its buffers across calls (training runs the K
// steps three times per epoch: forward, backward, evaluation):
//
//   Z_0 = X W;   for k = 1..K:  U = S Z_{k-1},  r_k,i = sqrt(sum_c w_c U_ic^2 + 1e-6),  Z_k,i = U_i / r_k,i
//   back, from g = dL/dZ_K:  dL/dU_ic = (g_ic - w_c Z_ic s_i) / r_i with s_i = <g_i, Z_i>,
//                            dL/dZ_{k-1} = S dL/dU (S symmetric),  dL/dw_c = -1/2 sum_i s_i Z_ic^2,
//                            dL/dW = X^T dL/dZ_0.
//
// Why it is shaped this way: on a graph like Cora (N = 2708, C = 7) one step
// is ~0.1 M multiply-adds, so the cost is per row and per non-zero overhead,
// not arithmetic.
// - Rows are padded to a whole number of vector lanes (4, 8, 16, or a
//   multiple of 8 for more classes) with zero columns (W and the metric are
//   zero there, so the padding stays zero): the per-row loops then have a
//   length known at compile time and vectorise at the baseline ISA (plain
//   C++, no intrinsics: see ops/kernels/ for the dispatched kernels).
// - Each step is one sweep over S: the products of a block of 64 rows, then
//   their projections (forward) or the products multiplied back through the
//   step's projection (backward) while the block is in L1.
// - One OpenMP region runs all K steps, each thread keeping the same rows
//   (split once by non-zeros, on block boundaries), with one barrier per step,
//   instead of a region (and its start-up) per step; whether a pass runs on
//   one thread or several is chosen by timing (acm_team.h).
// - The nodes are renumbered for locality (see the constructor).
// - Every row is summed in CSR order by one thread, and the metric gradient is
//   summed per fixed block of rows and then over blocks in order, so results
//   are the same bits whatever the thread count and whichever thread computes
//   a row.
// T is the type of both passes: float in training (the rows are unit
// length), double for the finite-difference tests. Back through K steps the
// gradient is divided by each row norm at every step and grows geometrically
// where rows are short (it overflowed float at K = 60 on Cora), so every
// backward sweep scales what it reads by a power of two chosen from the
// previous sweep's largest block norm: exact, so the result is the unscaled
// gradient's (handed over in double, times 2^(sum of the exponents)) without
// its overflow. The metric gradient's block sums are accumulated in double.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "sgc/graph/csr.h"
#include "sgc/model/acm_team.h"

namespace sgc {

// Lanes of a padded row for `classes` columns.
int64_t acm_lanes(int64_t classes);

// A zero-filled, 64-byte aligned array that only reallocates to grow.
template <class T>
class AcmBuffer {
 public:
  T* data() { return p_.get(); }
  const T* data() const { return p_.get(); }
  void reserve_zero(size_t n);  // at least n elements, all zero (whether reallocated or not)
  void reserve(size_t n);       // at least n elements; kept contents undefined after a grow

 private:
  struct Free {
    void operator()(void* p) const { std::free(p); }
  };
  std::unique_ptr<T[], Free> p_;
  size_t n_ = 0;
};

template <class T>
class AcmSteps {
 public:
  // s: the operator (N x N; symmetric for backward), classes C >= 1, depth
  // k >= 0. The engine works on a copy of S with its nodes renumbered by
  // reverse Cuthill-McKee (graph/reorder.h): neighbours then get nearby rows,
  // and a step's gathers mostly hit the L1 cache; the interface speaks of the
  // nodes in their own order.
  AcmSteps(const CsrMatrix& s, int64_t classes, int k);

  int64_t lanes() const { return lanes_; }
  AcmTeam& team() { return team_; }  // the serial / parallel choice (acm_team.h)
  int64_t rows() const { return n_; }

  // Z_0 = x w_in (x: N x F sparse; w_in: F x C row-major), then the K steps
  // under the metric (C values, >= 0). With `trace`, every Z_k and r_k is
  // kept for backward(); without, only Z_K.
  void forward(const CsrMatrix& x, const T* w_in, const T* metric, bool trace);

  // forward(x, ..., trace = true) and, in the same sweeps over S (its
  // indices and values read once for both), the steps from x_eval (the
  // same shape as x) without a trace: its Z_K is eval_row(i). Training pairs
  // an epoch's forward pass with the previous epoch's evaluation (the same
  // weights); each result is bit for bit that of its own forward().
  void forward_and_evaluate(const CsrMatrix& x, const CsrMatrix& x_eval, const T* w_in, const T* metric);
  const T* eval_row(int64_t i) const {
    return e_.data() + size_t(k_ % 2) * size_t(n_ * lanes_) + pos_[size_t(i)] * lanes_;
  }

  // Row i of Z_K after forward(): lanes() values, columns >= C zero.
  const T* row(int64_t i) const {
    return z_.data() + size_t(traced_ ? k_ : k_ % 2) * size_t(n_ * lanes_) + pos_[size_t(i)] * lanes_;
  }

  // The buffer for dL/dZ_K (N x lanes(), double, row i at i * lanes()),
  // zeroed: the caller writes the rows it has a loss on, then calls backward().
  double* clear_gradient();

  // After forward(x, ..., trace = true) or forward_and_evaluate(x, ...) with
  // the same x: dL/dW (F x C, row-major) and dL/dw (C) from the gradient
  // written into clear_gradient(), both divided by 2^e for the returned e:
  // deep and short-rowed, the true gradient can pass even double's range
  // (Cora, K = 120: 2^1024 within 19 epochs), the scaled one stays near 1.
  int backward(const CsrMatrix& x, const T* metric, double* grad_w_in, double* grad_metric);

 private:
  void run_forward(const CsrMatrix& x, const CsrMatrix* x2, const T* w_in, const T* metric, bool trace);
  T* z(int step);  // Z_step: its own slot when traced, else two alternating
  bool parallel() const;

  CsrMatrix s_;                       // S with its nodes in order_
  std::vector<int32_t> order_, pos_;  // order_[new] = old node, pos_[old] = new
  int64_t n_, classes_, lanes_;
  int k_;
  bool traced_ = false;
  std::vector<int64_t> block_cost_;     // prefix sums of each block's work (non-zeros + rows), for the thread split
  AcmBuffer<T> z_, r_, w_in_, metric_;  // r_: 1 / r_k,i of every step (traced)
  AcmBuffer<T> e_;                      // forward_and_evaluate's second pass, two alternating slots
  AcmBuffer<T> g_[2];                   // the backward sweeps' gradients, scaled (see backward)
  AcmBuffer<double> g_in_, g_perm_;     // dL/dZ_K as written, and in the engine's order
  AcmBuffer<double> partial_, grad_in_, peak_;  // dL/dw per block, X^T dL/dZ_0 padded, block norms
  AcmTeam team_;
};

}  // namespace sgc
