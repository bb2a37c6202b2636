// Concatenated hops as the classifier's input, as in SIGN (Frasca, Rossi,
// Eynard, Chamberlain, Bronstein, Monti, "SIGN: Scalable Inception Graph
// Neural Networks", 2020) with one operator S and a linear classifier:
//
//   F = [X, S X, S^2 X, ..., S^K X]    (n x (K+1) d)
//
// so the classifier learns its own weight for every hop. K sparse products.
#pragma once

#include <cstdint>
#include <vector>

#include "sgc/dense.h"
#include "sgc/graph/csr.h"
#include "sgc/ops/hop_product.h"

namespace sgc {

DenseMatrix concatenated_hops(const HopProduct& s, DenseMatrix x, int k, const std::vector<int32_t>* rows,
                              int64_t* sparse_products = nullptr);
DenseMatrix concatenated_hops(const HopProduct& s, const CsrMatrix& x, int k, const std::vector<int32_t>* rows,
                              int64_t* sparse_products = nullptr);

}  // namespace sgc
