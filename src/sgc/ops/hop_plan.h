// An operator as a recurrence of hops, in a form any backend can run without
// knowing the operator: the GPU path (gpu/) runs every registry entry from
// its plan. Every operator of the family is one of three shapes:
//
//   Series  Y = sum_j w_j S^j X                  sgc (w = e_K), ssgc, ppr, heat, dgc, poly
//   Euler   H <- H + step (S H - H), K times     dgc_naive (forward Euler, step T/K)
//   Concat  Y = [X, S X, ..., S^K X]             sign
//
// Deliberately free of Eigen and the registry, so CUDA sources can include it.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace sgc {

struct HopPlan {
  enum class Kind { Series, Euler, Concat };
  Kind kind = Kind::Series;
  std::vector<double> weights;  // Series: w_0 .. w_J
  int k = 0;                    // Euler: steps; Concat: last hop
  double step = 0;              // Euler: T / K

  static HopPlan series(std::vector<double> w) {
    HopPlan p;
    p.weights = std::move(w);
    return p;
  }
  static HopPlan euler(int steps, double step) {
    HopPlan p;
    p.kind = Kind::Euler;
    p.k = steps;
    p.step = step;
    return p;
  }
  static HopPlan concat(int last_hop) {
    HopPlan p;
    p.kind = Kind::Concat;
    p.k = last_hop;
    return p;
  }

  // Sparse products the plan does.
  int64_t products() const { return kind == Kind::Series ? int64_t(weights.size()) - 1 : k; }
  // Output columns for d input columns.
  int64_t output_columns(int64_t d) const { return kind == Kind::Concat ? (int64_t(k) + 1) * d : d; }
};

}  // namespace sgc
