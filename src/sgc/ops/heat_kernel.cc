// See heat_kernel.h for the formula.
#include "sgc/ops/heat_kernel.h"

#include <cmath>
#include <functional>

#include "sgc/error.h"
#include "sgc/ops/polynomial.h"
#include "sgc/ops/operator.h"
#include "sgc/ops/reference.h"

namespace sgc {

namespace {
void check_heat(double t) {
  if (!(t > 0) || !std::isfinite(t)) throw ParameterError("t", "diffusion time T must be > 0");
  if (t > 1e6) throw ParameterError("t", "diffusion time T must be at most 1e6 for the heat kernel");
}
// e^-T T^j / j! in log space (e^-T underflows for T > ~745).
std::function<double(int)> heat_weight(double t) {
  const double log_t = std::log(t);
  return [t, log_t](int j) { return std::exp(-t + j * log_t - std::lgamma(j + 1.0)); };
}
}  // namespace

std::vector<double> heat_kernel_weights(double t, double tol) {
  check_heat(t);
  // Rounding in the weights could keep their sum a hair below 1; 60 standard
  // deviations past the mean is far beyond any tolerance we accept (and the
  // weights 60 below it underflow to 0).
  return truncate_distribution(heat_weight(t), tol, tail_last(t), tail_first(t));
}

int64_t heat_kernel_products(double t, double tol) {
  check_heat(t);
  return truncated_last(heat_weight(t), tol, tail_last(t), tail_first(t));
}

namespace {
constexpr std::string_view kHeatSource = "DGC's settings (Wang et al., NeurIPS 2021); no published accuracy";
}  // namespace

const OperatorDef& heat_operator() {
  static const OperatorDef def{
      .name = "heat",
      .formula = "exp(-T (I - S)) X, a truncated Poisson series in S",
      .source = "heat kernel (DGC's continuous limit, Wang et al., NeurIPS 2021)",
      .params = {"t", "tol"},
      .series = [](const OperatorSpec& s) { return heat_kernel_weights(s.t, s.tol); },
      .planned_products = [](const OperatorSpec& s) { return heat_kernel_products(s.t, s.tol); },
      .reference = [](const SparseD& s, const Eigen::VectorXd& x, const OperatorSpec& spec) {
        const double log_t = std::log(spec.t);
        return std::vector<Eigen::VectorXd>{reference_series(
            s, x, [&](int j) { return std::exp(-spec.t + j * log_t - std::lgamma(j + 1.0)); }, -1)};
      },
      .search = {{"t", 1, 10, false, false}, lr_search_range(), weight_decay_search_range()},
      // DGC's settings (its T); the heat kernel itself has no published accuracy.
      .published = {{"planetoid", "cora", {{"t", 5.27}}, 0.156, 3.544e-5, 100, 0, kHeatSource},
                    {"planetoid", "citeseer", {{"t", 3.78}}, 1.39, 2e-4, 100, 0, kHeatSource},
                    {"planetoid", "pubmed", {{"t", 6.0498}}, 0.627, 9.38e-6, 100, 0, kHeatSource}},
  };
  return def;
}

}  // namespace sgc
