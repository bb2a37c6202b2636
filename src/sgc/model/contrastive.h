// TSC's contrastive constraint between two representations of the same nodes
// (Peng et al., KDD 2024, arXiv 2408.03152, Sec. 4.2; the form of the
// authors' bind_loss): with u = z / |z| row-wise and s_ij = u1_i . u_j,
//   loss = mean_i -log( e^{s(z1_i, z2_i)/tau} /
//                       (sum_{j != i} e^{s(z1_i, z1_j)/tau} + sum_{j != i} e^{s(z1_i, z2_j)/tau}) ).
// Exact: the N x N similarities are never stored; row blocks of B x N are
// computed, exponentiated, summed and multiplied back, so memory stays
// O(N x d) plus one block; the products go through sgc::gemm (OpenBLAS when
// built with it), so results are deterministic for a host and thread count.
// Sampled: each node's negatives are n nodes drawn with a seed (the same n
// for both sums), the sums scaled by (N - 1) / n so the loss estimates the
// exact one; O(N n d).
#pragma once

#include <cstdint>

#include "sgc/dense.h"

namespace sgc {

struct ContrastiveResult {
  double loss = 0;
  DenseMatrix grad1, grad2;  // dloss/dz1, dloss/dz2
};

// block_rows: rows per block (0: chosen from the cache size and N).
ContrastiveResult contrastive_exact(const DenseMatrix& z1, const DenseMatrix& z2, double tau, int64_t block_rows = 0);
ContrastiveResult contrastive_sampled(const DenseMatrix& z1, const DenseMatrix& z2, double tau, int negatives,
                                      uint64_t seed);
// The formula on the dense N x N matrices, in double: the tests' reference.
ContrastiveResult contrastive_dense_reference(const DenseMatrix& z1, const DenseMatrix& z2, double tau);

// Rows per block of the exact loss: two B x N float blocks within max(L2, 1 MiB) x 4, at least 16, at most N.
int64_t contrastive_block_rows(int64_t nodes);

}  // namespace sgc
