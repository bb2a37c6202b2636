// Normalisation of graphs and features.
//
// aug_norm_adj builds SGC's propagation matrix (Wu et al., ICML 2019, eq. 3;
// Kipf & Welling's renormalisation trick):
//   S = (D + I)^-1/2 (A + I) (D + I)^-1/2,   D = diag(row sums of A).
// Existing self-loops are kept: I is added on top of them, so a node that
// already links to itself gets weight A_ii + 1 on the diagonal and D_ii counts
// A_ii once. This is what the reference implementation (scipy: adj + eye)
// computes on the Planetoid files. Isolated nodes get S_ii = 1.
// The other normalisations of the SGC family (NormAdj, RWalk, the Laplacians,
// ...) are in normalizations.h.
#pragma once

#include <vector>

#include "sgc/dense.h"
#include "sgc/graph/csr.h"

namespace sgc {

// S = (D + g I)^-1/2 (A + g I) (D + g I)^-1/2 with self-loop weight g (1 for SGC).
CsrMatrix aug_norm_adj(const CsrMatrix& adj, float self_loop_weight = 1.0f);

// aug_norm_adj of adj and of its subgraph induced on `nodes` (strictly
// increasing ids; node r of the subgraph is nodes[r]), in one pass over adj:
// bitwise aug_norm_adj(adj, g) and aug_norm_adj(induced_subgraph(adj, nodes), g),
// without building the induced adjacency (the inductive protocol's S and
// S_train). ArgumentError for ids out of range or out of order.
struct AugNormPair {
  CsrMatrix full, sub;
};
AugNormPair aug_norm_adj_with_induced(const CsrMatrix& adj, const std::vector<int32_t>& nodes,
                                      float self_loop_weight = 1.0f);

// Divides each row by the sum of its absolute values (L1); zero rows stay zero.
// For non-negative features that is the row sum, bit for bit: the Planetoid
// preprocessing of GCN and SGC. Signed features (embeddings) divided by their
// plain sum would blow up where a row sums to nearly 0 ([1, -0.999] times
// 1000) and flip sign where it is negative; the L1 sum keeps every row at
// unit mass.
void row_normalize(CsrMatrix& x);
void row_normalize(DenseMatrix& x);

// Column z-score over all rows: (x - mean) / std with the sample (n - 1)
// standard deviation, as torch.Tensor.std in SGC's Reddit preprocessing;
// columns with zero variance are only centred.
void zscore_columns(DenseMatrix& x);

// The same in two steps, so the statistics of one graph can be saved with a
// model and applied to the features of another.
struct ZScoreStats {
  std::vector<float> mean, std;  // std of a constant column is stored as 1
};
ZScoreStats zscore_stats(const DenseMatrix& x);
void apply_zscore(DenseMatrix& x, const ZScoreStats& st);

// Dense copy of a sparse matrix.
DenseMatrix to_dense(const CsrMatrix& x);

}  // namespace sgc
