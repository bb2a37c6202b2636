// See ssgc.h for the formula.
#include "sgc/ops/ssgc.h"

#include <string>

#include "sgc/error.h"
#include "sgc/ops/operator.h"
#include "sgc/ops/reference.h"

namespace sgc {

std::vector<double> ssgc_weights(int k, double alpha) {
  if (k < 1) throw ParameterError("k", "SSGC averages K >= 1 hops, got " + std::to_string(k));
  if (!(alpha > 0 && alpha <= 1)) throw ParameterError("alpha", "must be in (0, 1]");
  std::vector<double> c(size_t(k) + 1, (1.0 - alpha) / k);
  c[0] = alpha;
  return c;
}


namespace {
constexpr std::string_view kSsgcSource = "SSGC, Zhu & Koniusz, ICLR 2021";
}  // namespace

const OperatorDef& ssgc_operator() {
  static const OperatorDef def{
      .name = "ssgc",
      .formula = "alpha X + (1 - alpha)/K sum_{k=1..K} S^k X",
      .source = kSsgcSource,
      .params = {"k", "alpha"},
      .min_k = 1,
      .series = [](const OperatorSpec& s) { return ssgc_weights(s.k, s.alpha); },
      .planned_products = [](const OperatorSpec& s) { return int64_t(s.k); },
      .reference = [](const SparseD& s, const Eigen::VectorXd& x, const OperatorSpec& spec) {
        return std::vector<Eigen::VectorXd>{reference_series(
            s, x, [&](int j) { return j == 0 ? spec.alpha : (1 - spec.alpha) / spec.k; }, spec.k)};
      },
      .search = {{"alpha", 0.05, 0.5, true, false},
                 {"k", 2, 32, false, true},
                 lr_search_range(),
                 weight_decay_search_range()},
      // K 16, alpha 0.05, lr 0.2 on the public Planetoid split.
      .published = {{"planetoid", "cora", {{"k", 16}, {"alpha", 0.05}}, 0.2, 1e-5, 100, 83.0, kSsgcSource},
                    {"planetoid", "citeseer", {{"k", 16}, {"alpha", 0.05}}, 0.2, 1e-4, 150, 73.6, kSsgcSource},
                    {"planetoid", "pubmed", {{"k", 16}, {"alpha", 0.05}}, 0.2, 2e-5, 100, 80.6, kSsgcSource}},
  };
  return def;
}

}  // namespace sgc
