// See ppr.h for the formula.
#include "sgc/ops/ppr.h"

#include <cmath>

#include "sgc/error.h"
#include "sgc/ops/polynomial.h"

namespace sgc {

std::vector<double> ppr_weights(double alpha, double tol) {
  if (!(alpha > 0 && alpha <= 1)) throw ArgumentError("--alpha: must be in (0, 1]");
  if (!(tol > 0 && tol < 1)) throw ArgumentError("--tol: must be in (0, 1)");
  // (1 - alpha)^(J+1) < tol: J + 1 > log(tol) / log(1 - alpha); the bound keeps
  // rounding in the running sum from going on forever.
  const double needed = alpha == 1 ? 0 : std::ceil(std::log(tol) / std::log1p(-alpha));
  if (needed > 1e6)
    throw ArgumentError("--alpha: ppr with this alpha needs more than a million sparse products to reach --tol; "
                        "raise --alpha or --tol");
  const int last = static_cast<int>(needed) + 1;
  return truncate_distribution([&](int k) { return alpha * std::pow(1.0 - alpha, k); }, tol, last);
}

}  // namespace sgc
