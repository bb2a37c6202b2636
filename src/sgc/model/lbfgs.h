// Limited-memory BFGS (Liu & Nocedal 1989) with a strong-Wolfe line search
// (Nocedal & Wright, Numerical Optimization, 2nd ed., algorithms 7.4, 3.5, 3.6).
//
// The two-loop recursion turns the last `history` steps s_k and gradient
// changes y_k into a quasi-Newton direction; the line search then picks a step
// with sufficient decrease (c1) and a curvature condition (c2). Parameters are
// float (the model's storage); the recursion runs in double.
#pragma once

#include <functional>

#include <Eigen/Dense>

#include "sgc/model/optimizer.h"

namespace sgc {

struct LbfgsOptions {
  int max_iter = 100;        // quasi-Newton iterations
  int history = 10;          // pairs (s, y) kept
  double grad_tol = 1e-7;    // stop when max |g_i| <= grad_tol
  double change_tol = 1e-9;  // stop when the loss or the step changes by less
  int max_evals = 0;         // objective evaluations; 0 -> 1.25 * max_iter + 5
  // Called after every iteration with its number (1-based) and loss; may be empty.
  std::function<void(int iteration, double loss)> on_iteration;
};

struct LbfgsResult {
  int iterations = 0;
  int evaluations = 0;
  double loss = 0;
  bool converged = false;  // a tolerance was met before max_iter
};

// Objective (optimizer.h): f(x, grad) returns the objective at x and writes its gradient into grad.

// Minimises f from x (updated in place).
LbfgsResult lbfgs_minimize(Eigen::VectorXf& x, const Objective& f, const LbfgsOptions& opt);

}  // namespace sgc
