// SGC feature propagation: F = S^K X (Wu et al., ICML 2019), computed as K
// sparse x dense products with two feature buffers; S is never densified.
#pragma once

#include <cstdint>
#include <vector>

#include "sgc/dense.h"
#include "sgc/graph/csr.h"
#include "sgc/ops/hop_product.h"

namespace sgc {

// S^K X for dense X (K >= 0; K = 0 returns X).
DenseMatrix propagate(const HopProduct& s, DenseMatrix x, int k);

// S^K X for sparse X: the first hop uses the sparse-feature kernel, so the
// dense n x d matrix is only ever built as an output.
DenseMatrix propagate(const HopProduct& s, const CsrMatrix& x, int k);

// Rows `rows` (in that order) of S^K X: the first K-1 hops cover every node,
// the last one only the rows asked for.
DenseMatrix propagate_rows(const HopProduct& s, DenseMatrix x, int k, const std::vector<int32_t>& rows);
DenseMatrix propagate_rows(const HopProduct& s, const CsrMatrix& x, int k, const std::vector<int32_t>& rows);

}  // namespace sgc
