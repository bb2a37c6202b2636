#include "sgc/ops/operator.h"

#include <cmath>
#include <cstdio>
#include <utility>

#include "sgc/error.h"
#include "sgc/graph/normalizations.h"
#include "sgc/graph/normalize.h"
#include "sgc/ops/dgc.h"
#include "sgc/ops/heat_kernel.h"
#include "sgc/ops/polynomial.h"
#include "sgc/ops/ppr.h"
#include "sgc/ops/propagate.h"
#include "sgc/ops/sign.h"
#include "sgc/ops/ssgc.h"

namespace sgc {

const std::vector<std::string>& operator_names() {
  static const std::vector<std::string> names{"sgc", "dgc", "dgc_naive", "heat", "ssgc", "ppr", "sign"};
  return names;
}

std::vector<std::string> operator_parameters(const std::string& op) {
  if (op == "sgc" || op == "sign") return {"k"};
  if (op == "dgc") return {"k", "t", "tol"};
  if (op == "dgc_naive") return {"k", "t"};
  if (op == "heat") return {"t", "tol"};
  if (op == "ssgc") return {"k", "alpha"};
  if (op == "ppr") return {"alpha", "tol"};
  return {};
}

namespace {
std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}
}  // namespace

void validate_operator(const OperatorSpec& spec) {
  bool known = false;
  std::string list;
  for (const std::string& name : operator_names()) {
    known = known || name == spec.op;
    list += (list.empty() ? "" : ", ") + name;
  }
  if (!known) throw ArgumentError("--op: unknown operator '" + spec.op + "' (known: " + list + ")");
  if (spec.k < 0) throw ArgumentError("--k: number of propagation steps must be >= 0, got " + std::to_string(spec.k));
  if (spec.k < 1 && (spec.op == "dgc" || spec.op == "dgc_naive" || spec.op == "ssgc"))
    throw ArgumentError("--k: " + spec.op + " needs K >= 1, got " + std::to_string(spec.k));
  if (!(spec.t > 0) || !std::isfinite(spec.t))
    throw ArgumentError("--t: diffusion time T must be a number > 0, got " + number(spec.t));
  if (!(spec.alpha > 0 && spec.alpha <= 1))
    throw ArgumentError("--alpha: must be in (0, 1], got " + number(spec.alpha));
  if (!(spec.tol > 0 && spec.tol < 1)) throw ArgumentError("--tol: must be in (0, 1), got " + number(spec.tol));
  parse_normalization(spec.norm);
  if (!(spec.self_loop >= 0) || !std::isfinite(spec.self_loop))
    throw ArgumentError("--self-loop: must be a non-negative number");
}

CsrMatrix normalized_operator(const CsrMatrix& adj, const OperatorSpec& spec) {
  validate_operator(spec);
  return normalize_adjacency(adj, parse_normalization(spec.norm), spec.self_loop);
}

namespace {

// The coefficients of the operators that are polynomial filters in S (empty
// for the others).
std::vector<double> series_weights(const OperatorSpec& spec) {
  if (spec.op == "dgc" && dgc_series_applies(spec.k, spec.t)) return dgc_series_weights(spec.k, spec.t, spec.tol);
  if (spec.op == "heat") return heat_kernel_weights(spec.t, spec.tol);
  if (spec.op == "ssgc") return ssgc_weights(spec.k, spec.alpha);
  if (spec.op == "ppr") return ppr_weights(spec.alpha, spec.tol);
  return {};
}

DenseMatrix densify(DenseMatrix x) { return x; }
DenseMatrix densify(const CsrMatrix& x) { return to_dense(x); }

template <class Features>
OperatorResult run(const CsrMatrix& s, Features&& x, const OperatorSpec& spec, const std::vector<int32_t>* rows) {
  validate_operator(spec);
  OperatorResult out;
  if (spec.op == "sgc") {
    out.features = rows ? propagate_rows(s, std::forward<Features>(x), spec.k, *rows)
                        : propagate(s, std::forward<Features>(x), spec.k);
    out.sparse_products = spec.k;
  } else if (spec.op == "sign") {
    out.features = concatenated_hops(s, std::forward<Features>(x), spec.k, rows, &out.sparse_products);
  } else if (const std::vector<double> w = series_weights(spec); !w.empty()) {
    out.features = apply_polynomial(s, std::forward<Features>(x), w, rows, &out.sparse_products);
  } else {  // dgc_naive, or dgc with T > K (its series does not converge)
    out.features = dgc_naive(s, densify(std::forward<Features>(x)), spec.k, spec.t, rows, &out.sparse_products);
  }
  return out;
}

}  // namespace

int64_t planned_sparse_products(const OperatorSpec& spec) {
  validate_operator(spec);
  if (const std::vector<double> w = series_weights(spec); !w.empty()) return int64_t(w.size()) - 1;
  return spec.k;
}

OperatorResult run_operator(const CsrMatrix& s, const CsrMatrix& x, const OperatorSpec& spec,
                            const std::vector<int32_t>* rows) {
  return run(s, x, spec, rows);
}

OperatorResult run_operator(const CsrMatrix& s, DenseMatrix x, const OperatorSpec& spec,
                            const std::vector<int32_t>* rows) {
  return run(s, std::move(x), spec, rows);
}

DenseMatrix apply_operator(const CsrMatrix& s, const CsrMatrix& x, const OperatorSpec& spec,
                           const std::vector<int32_t>* rows) {
  return run_operator(s, x, spec, rows).features;
}

DenseMatrix apply_operator(const CsrMatrix& s, DenseMatrix x, const OperatorSpec& spec,
                           const std::vector<int32_t>* rows) {
  return run_operator(s, std::move(x), spec, rows).features;
}

}  // namespace sgc
