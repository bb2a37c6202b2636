// A fixed polynomial filter with coefficients the user gives:
//
//   F = sum_{k=0..K} c_k S^k X,    K = (number of coefficients) - 1.
//
// Every operator of the family that is a polynomial in S is one choice of c
// (SGC: c_K = 1; SSGC: c_0 = alpha, c_k = (1 - alpha)/K), and so is the
// fixed form of a GPR-GNN filter (Chien et al., ICLR 2021, "Adaptive
// Universal Generalized PageRank Graph Neural Network", whose gamma_k are
// learned; here they are given). K sparse products (polynomial.h).
#include <cmath>
#include <string>

#include "sgc/error.h"
#include "sgc/ops/operator.h"
#include "sgc/ops/reference.h"

namespace sgc {

const OperatorDef& poly_operator() {
  static const OperatorDef def{
      .name = "poly",
      .formula = "sum_k c_k S^k X with the coefficients of --coeffs c0,c1,...",
      .source = "fixed polynomial filter (GPR-GNN form, Chien et al., ICLR 2021)",
      .params = {"coeffs"},
      .series = [](const OperatorSpec& s) { return s.coeffs; },
      .planned_products = [](const OperatorSpec& s) { return int64_t(s.coeffs.size()) - 1; },
      .reference = [](const SparseD& s, const Eigen::VectorXd& x, const OperatorSpec& spec) {
        return std::vector<Eigen::VectorXd>{
            reference_series(s, x, [&](int j) { return spec.coeffs[size_t(j)]; }, int(spec.coeffs.size()) - 1)};
      },
      .search = {lr_search_range(), weight_decay_search_range()},
      .published = {},
      .check = [](const OperatorSpec& s) {
        if (s.coeffs.empty()) throw ParameterError("coeffs", "poly needs at least one coefficient (c0,c1,...)");
        if (s.coeffs.size() > 100001) throw ParameterError("coeffs", "at most 100001 coefficients (K <= 100000)");
        bool any = false;
        for (double c : s.coeffs) any = any || c != 0;
        if (!any) throw ParameterError("coeffs", "every coefficient is zero: the features would all be 0");
      },
  };
  return def;
}

}  // namespace sgc
