// Zeroth-order SCRN (Roy, Balasubramanian, Ghadimi & Mohapatra, NeurIPS 2020,
// section 4; the estimators are Balasubramanian & Ghadimi's, "Zeroth-order
// nonconvex stochastic optimization: handling constraints, high
// dimensionality, and saddle points", Found. Comput. Math. 2022, section 4):
// the SCRN loop of scrn.h with gradients and Hessian-vector products built
// from loss values only, by Gaussian smoothing with radius mu over m
// directions u_i ~ N(0, I) drawn afresh each iteration:
//   g   = (1/m) sum_i (f(x + mu u_i) - f(x - mu u_i)) / (2 mu) u_i
//   H v = (1/m) sum_i c_i (u_i (u_i . v) - v),
//         c_i = (f(x + mu u_i) + f(x - mu u_i) - 2 f(x)) / (2 mu^2)
// (the gradient and Hessian of the smoothed loss E f(x + mu u), unbiased in
// expectation; the central difference for g is our choice, it removes the
// O(mu) bias of the forward one). Each iteration costs 2m + 1 loss
// evaluations on the gradient's batch and 2m + 1 on the Hessian's; a product
// H v is then free. The weight decay's wd theta and wd v are added exactly.
// The estimates' variance grows with the dimension d (about d/m times the
// squared gradient), so this pays off only for small models.
#include <cmath>
#include <memory>

#include "sgc/dense.h"
#include "sgc/model/scrn.h"
#include "sgc/random.h"
#include "sgc/util/budget.h"

namespace sgc {

namespace {

DenseMatrix directions(int m, Eigen::Index d, uint64_t seed) {
  // m x d floats, held twice while a Hessian estimate is alive beside a gradient's.
  require_memory_estimate(2.0 * m * double(d) * sizeof(float),
                          "--directions " + std::to_string(m) + " (" + std::to_string(m) + " x " + std::to_string(d) +
                              " parameters, twice)");
  DenseMatrix u(m, d);
  Rng rng(seed);
  for (Eigen::Index i = 0; i < u.size(); ++i) u.data()[i] = float(rng.normal());
  return u;
}

MinimizeResult scrn_zo_problem(Eigen::VectorXf& theta, const Problem& p, const TrainOptions& opt) {
  // Loss values on a row set: the Problem's batch callback without a gradient, or the full objective.
  auto value = [&p](const Eigen::VectorXf& th, const std::vector<int64_t>& idx) {
    if (p.batch) return p.batch(th, idx, nullptr);
    Eigen::VectorXf unused;
    return p.full(th, unused);
  };
  const float mu = float(opt.smoothing);
  const int m = opt.directions;
  uint64_t draw = 0;  // a fresh set of directions for every estimate
  ScrnOracles o;
  o.grad = [&](const Eigen::VectorXf& th, const std::vector<int64_t>& idx, Eigen::VectorXf& g) {
    const DenseMatrix u = directions(m, th.size(), splitmix64(opt.seed ^ 0x20AD1ull) + ++draw);
    g.setZero(th.size());
    for (int i = 0; i < m; ++i) {
      const Eigen::VectorXf ui = u.row(i).transpose();
      const double diff = value(th + mu * ui, idx) - value(th - mu * ui, idx);
      g += float(diff / (2 * double(mu) * m)) * ui;
    }
    return value(th, idx);
  };
  o.hessian = [&](const Eigen::VectorXf& th, const std::vector<int64_t>& idx) -> Hvp {
    auto u = std::make_shared<DenseMatrix>(directions(m, th.size(), splitmix64(opt.seed ^ 0x4E55ull) + ++draw));
    auto c = std::make_shared<Eigen::VectorXf>(m);
    const double f0 = value(th, idx);
    for (int i = 0; i < m; ++i) {
      const Eigen::VectorXf ui = u->row(i).transpose();
      const double second = value(th + mu * ui, idx) + value(th - mu * ui, idx) - 2 * f0;
      (*c)[i] = float(second / (2 * double(mu) * double(mu) * m));
    }
    return [u, c](const Eigen::VectorXf& v, Eigen::VectorXf& out) {
      const Eigen::VectorXf uv = *u * v;  // u_i . v
      out = u->transpose() * c->cwiseProduct(uv) - c->sum() * v;
    };
  };
  return scrn_run(theta, p, o, opt);
}

MinimizeResult scrn_zo_objective(Eigen::VectorXf& theta, const Objective& f, const TrainOptions& opt) {
  Problem p;
  p.full = f;
  return scrn_zo_problem(theta, p, opt);
}

}  // namespace

const OptimizerDef& scrn_zo_optimizer() {
  static const OptimizerDef def{"scrn-zo",
                                "zeroth-order SCRN (Roy et al., 2020): gradients and Hessian-vector products from "
                                "loss values by Gaussian smoothing (--smoothing, --directions); small models only",
                                false,
                                scrn_zo_objective,
                                {"rho", "batch_size", "cubic_iters", "epsilon", "smoothing", "directions"},
                                scrn_zo_problem,
                                // Its curvature is an estimate: scrn's rho 1e-3 let the steps run away
                                // (the demo graph diverged within 20 iterations); rho 1 fits it (test 0.97).
                                [](TrainOptions& o) { o.rho = 1.0; }};
  return def;
}

}  // namespace sgc
