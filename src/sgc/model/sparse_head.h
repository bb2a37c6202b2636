// How precompute (linear_model.h) propagates the train and val rows of large
// sparse features on the CPU, for callers that must reproduce its numbers
// (the Python estimator): a column block at a time, blocks densified where the
// dense kernel pays, which rounds differently from one run over the whole
// sparse X.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sgc/dense.h"
#include "sgc/graph/csr.h"
#include "sgc/ops/operator.h"
#include "sgc/ops/out_of_core.h"

namespace sgc {

// Whether precompute keeps the test rows of sparse n x d features as S and X
// (transductive, with test rows) and so makes the other rows with
// sparse_head_rows: on the CPU, for an operator linear_rows_supported, when
// linear_rows_pay(n, d).
bool sparse_head_pays(const OperatorSpec& op, int64_t n, int64_t d);

// The rows `head` of op(S, X) for sparse X, as precompute makes the train and
// val rows when sparse_head_pays: column blocks within the memory budget,
// over the head's receptive field only where it is small. `what` names the
// work in a ResourceError.
DenseMatrix sparse_head_rows(const CsrMatrix& s, const CsrMatrix& x, const OperatorSpec& op,
                             const std::vector<int32_t>& head, const std::string& what, BlockedRun* run = nullptr);

}  // namespace sgc
