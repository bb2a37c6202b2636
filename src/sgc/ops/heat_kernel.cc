// See heat_kernel.h for the formula.
#include "sgc/ops/heat_kernel.h"

#include <cmath>

#include "sgc/error.h"
#include "sgc/ops/polynomial.h"

namespace sgc {

std::vector<double> heat_kernel_weights(double t, double tol) {
  if (!(t > 0) || !std::isfinite(t)) throw ArgumentError("--t: diffusion time T must be > 0");
  if (t > 1e6) throw ArgumentError("--t: diffusion time T must be at most 1e6 for the heat kernel");
  // e^-T T^j / j! in log space (e^-T underflows for T > ~745).
  const double log_t = std::log(t);
  // Rounding in the weights could keep their sum a hair below 1; 60 standard
  // deviations past the mean is far beyond any tolerance we accept.
  const int last = static_cast<int>(std::ceil(t + 60 * std::sqrt(t) + 100));
  return truncate_distribution([&](int j) { return std::exp(-t + j * log_t - std::lgamma(j + 1.0)); }, tol,
                               last);
}

}  // namespace sgc
