// TSC's weight-free propagation (Peng et al., "TSC: A Simple Two-Sided
// Constraint against Over-Smoothing", KDD 2024, arXiv 2408.03152, Sec. 4.1
// "random masking"): L steps, each column of the hidden representation either
// aggregated or kept:
//   H_{i+1}[:, j] = (S H_i)[:, j]  if m_ij = 1,  H_i[:, j]  otherwise,
// with m_ij ~ Bernoulli(p_l), l = i + 1, p_l = 1 for l <= 2 and
// p_l = ln(1 + lambda / (l + 1)) for l >= 3 (the keep probability is
// r_l = 1 - p_l, as in the authors' code). The masks are redrawn at every
// forward pass. The contrastive constraint acts at the steps i of a set:
// every i < L when k = 1, else i in {1, k, k^2, ...} below L.
//
// Two equal ways to run it (tested equal for the same masks):
//   steps   L sparse products, each on the aggregated columns only;
//   powers  every step is linear, so a column aggregated c times is
//           (S^c X~ W~)[:, j]: with the powers P_c = S^c X~ precomputed,
//           H_i is a product of P_c with the columns of W~ whose count is c,
//           and no sparse product runs per epoch.
// Which is cheaper depends on the graph: tsc_path_costs() counts the
// multiply-adds of each for the caller to choose.
//
// Inference without masks: the expected operator
//   E[H_L] = prod_i (p_i S + (1 - p_i) I) H_0
// (masks are independent across steps and columns, and every step is linear).
#pragma once

#include <cstdint>
#include <vector>

#include "sgc/dense.h"
#include "sgc/graph/csr.h"
#include "sgc/random.h"

namespace sgc {

// Probability that step i (0-based) aggregates a column.
double tsc_aggregate_probability(int step, double lambda);
// The contrastive steps below L.
std::vector<int> tsc_contrast_steps(int layers, int contrast_k);

// masks[i][j] = 1: column j aggregated at step i.
using TscMasks = std::vector<std::vector<uint8_t>>;
TscMasks draw_tsc_masks(int layers, int hidden, double lambda, Rng& rng);

// The transpose of a CSR matrix (for X^T dH in the encoder's gradient).
CsrMatrix csr_transpose(const CsrMatrix& a);

// ---- the steps path ----------------------------------------------------------

// Runs the L steps from h0 (N x hidden, overwritten by H_L). keep[i] = true
// stores H_i (i = 0..L) into saved[i]; others stay empty.
void tsc_forward_steps(const CsrMatrix& s, const TscMasks& masks, DenseMatrix& h, const std::vector<bool>& keep,
                       std::vector<DenseMatrix>& saved);

// Back through the steps: on entry grads[L] holds dLoss/dH_L and grads[i]
// (i < L) the gradient from losses on H_i itself (empty = none); on exit
// dh0 holds dLoss/dH_0. S must be symmetric.
void tsc_backward_steps(const CsrMatrix& s, const TscMasks& masks, std::vector<DenseMatrix>& grads, DenseMatrix& dh0);

// The expected representation E[H_L] from h0 (in place).
void tsc_expected(const CsrMatrix& s, int layers, double lambda, DenseMatrix& h);

// ---- the powers path ---------------------------------------------------------

// Count of aggregations of column j before step i: counts[i][j], i = 0..L.
std::vector<std::vector<int>> tsc_counts(const TscMasks& masks, int hidden);

// H_i = P_{counts[i][j]} w[:, j] column by column, for every i with keep[i];
// powers[c] = S^c X~ (N x (F+1)), w: (F+1) x hidden.
void tsc_forward_powers(const std::vector<DenseMatrix>& powers, const std::vector<std::vector<int>>& counts,
                        const DenseMatrix& w, const std::vector<bool>& keep, std::vector<DenseMatrix>& saved);

// dLoss/dw from the gradients on H_i (grads[i], empty = none), grouped by count.
void tsc_backward_powers(const std::vector<DenseMatrix>& powers, const std::vector<std::vector<int>>& counts,
                         const std::vector<DenseMatrix>& grads, DenseMatrix& dw);

// Multiply-adds per forward + backward of each path for one mask draw:
// steps = sum_i nnz(S) x aggregated columns (x2) + 2 nnz(X) x hidden;
// powers = 2 x N x (F+1) x (column-count pairs touched).
struct TscPathCosts {
  double steps = 0, powers = 0;
};
TscPathCosts tsc_path_costs(const CsrMatrix& s, const CsrMatrix& x, const TscMasks& masks,
                            const std::vector<bool>& keep);

}  // namespace sgc
