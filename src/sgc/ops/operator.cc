#include "sgc/ops/operator.h"

#include <cmath>

#include "sgc/error.h"
#include "sgc/graph/normalize.h"
#include "sgc/ops/propagate.h"

namespace sgc {

void validate_operator(const OperatorSpec& spec) {
  if (spec.op != "sgc") throw ArgumentError("--op: unknown operator '" + spec.op + "' (known: sgc)");
  if (spec.k < 0) throw ArgumentError("--k: number of propagation steps must be >= 0, got " + std::to_string(spec.k));
  if (spec.norm != "aug_norm_adj")
    throw ArgumentError("--norm: unknown normalisation '" + spec.norm + "' (known: aug_norm_adj)");
  if (!(spec.self_loop >= 0) || !std::isfinite(spec.self_loop))
    throw ArgumentError("--self-loop: must be a non-negative number");
}

CsrMatrix normalized_operator(const CsrMatrix& adj, const OperatorSpec& spec) {
  validate_operator(spec);
  return aug_norm_adj(adj, float(spec.self_loop));
}

DenseMatrix apply_operator(const CsrMatrix& s, const CsrMatrix& x, const OperatorSpec& spec,
                           const std::vector<int32_t>* rows) {
  validate_operator(spec);
  return rows ? propagate_rows(s, x, spec.k, *rows) : propagate(s, x, spec.k);
}

DenseMatrix apply_operator(const CsrMatrix& s, DenseMatrix x, const OperatorSpec& spec,
                           const std::vector<int32_t>* rows) {
  validate_operator(spec);
  return rows ? propagate_rows(s, std::move(x), spec.k, *rows) : propagate(s, std::move(x), spec.k);
}

}  // namespace sgc
