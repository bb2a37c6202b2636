// See ppr.h for the formula.
#include "sgc/ops/ppr.h"

#include <cmath>

#include "sgc/error.h"
#include "sgc/ops/polynomial.h"
#include "sgc/ops/operator.h"
#include "sgc/ops/reference.h"

namespace sgc {

namespace {
// The last index of the series: (1 - alpha)^(J+1) < tol, J + 1 > log(tol) /
// log(1 - alpha); the bound keeps rounding in the running sum from going on forever.
int ppr_last(double alpha, double tol) {
  if (!(alpha > 0 && alpha <= 1)) throw ParameterError("alpha", "must be in (0, 1]");
  if (!(tol > 0 && tol < 1)) throw ParameterError("tol", "must be in (0, 1)");
  const double needed = alpha == 1 ? 0 : std::ceil(std::log(tol) / std::log1p(-alpha));
  if (needed > 1e6)
    throw ParameterError("alpha", "ppr with this alpha needs more than a million sparse products to reach --tol; "
                                  "raise --alpha or --tol");
  return static_cast<int>(needed) + 1;
}
}  // namespace

std::vector<double> ppr_weights(double alpha, double tol) {
  const int last = ppr_last(alpha, tol);
  return truncate_distribution([&](int k) { return alpha * std::pow(1.0 - alpha, k); }, tol, last);
}

int64_t ppr_products(double alpha, double tol) {
  const int last = ppr_last(alpha, tol);
  return truncated_last([&](int k) { return alpha * std::pow(1.0 - alpha, k); }, tol, last);
}

const OperatorDef& ppr_operator() {
  static const OperatorDef def{
      .name = "ppr",
      .formula = "alpha sum_k (1 - alpha)^k S^k X, to a tolerance",
      .source = "APPNP / PPR, Klicpera et al., ICLR 2019",
      .params = {"alpha", "tol"},
      .series = [](const OperatorSpec& s) { return ppr_weights(s.alpha, s.tol); },
      .planned_products = [](const OperatorSpec& s) { return ppr_products(s.alpha, s.tol); },
      .reference = [](const SparseD& s, const Eigen::VectorXd& x, const OperatorSpec& spec) {
        return std::vector<Eigen::VectorXd>{
            reference_series(s, x, [&](int j) { return spec.alpha * std::pow(1 - spec.alpha, j); }, -1)};
      },
      // PPR costs about 14 / alpha products at tol 1e-6: alpha stays >= 0.05.
      .search = {{"alpha", 0.05, 0.5, true, false}, lr_search_range(), weight_decay_search_range()},
      .published = {},
  };
  return def;
}

}  // namespace sgc
