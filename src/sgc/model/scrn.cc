// SCRN with exact first-order oracles as a registry entry; the method and its
// choices are described in scrn.h.
#include "sgc/model/scrn.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "sgc/error.h"
#include "sgc/random.h"

namespace sgc {

double cubic_model(const Eigen::VectorXf& g, const Hvp& h, double rho, const Eigen::VectorXf& step) {
  Eigen::VectorXf hs;
  h(step, hs);
  const double n = step.cast<double>().norm();
  return g.cast<double>().dot(step.cast<double>()) + 0.5 * step.cast<double>().dot(hs.cast<double>()) +
         rho / 6 * n * n * n;
}

namespace {
double norm(const Eigen::VectorXf& v) { return v.cast<double>().norm(); }

// m(D) from D and H D (no product needed).
double model_at(const Eigen::VectorXf& g, double rho, const Eigen::VectorXf& step, const Eigen::VectorXf& hs) {
  const double n = norm(step);
  return g.cast<double>().dot(step.cast<double>()) + 0.5 * step.cast<double>().dot(hs.cast<double>()) +
         rho / 6 * n * n * n;
}

// Gradient descent on the model with gradient g + H D + rho/2 |D| D, eta = 1/(l + rho |D|),
// from D = 0, for at most `iters` Hessian-vector products or until |grad m| <= tol. With
// l >= |H| every step lowers m; l comes from a few power iterations, a lower bound of |H|,
// and below |H| / 2 the steps diverge and m grows without bound (which the stopping rule
// would read as "the model decreases too little"). So a step that raises m is undone and
// l doubled: m never rises above m(0) = 0.
struct Descent {
  Eigen::VectorXf step, hs;  // D and H D
  double value = 0;          // m(D) for the g descended on
  int hvps = 0;
};
Descent model_descent(const Eigen::VectorXf& g, const Hvp& h, double rho, double l, int iters, double tol) {
  Descent p{Eigen::VectorXf::Zero(g.size()), Eigen::VectorXf::Zero(g.size())};
  Eigen::VectorXf trial, htrial;
  while (p.hvps < iters) {
    const double dn = norm(p.step);
    const Eigen::VectorXf gm = g + p.hs + float(0.5 * rho * dn) * p.step;
    if (norm(gm) <= tol) break;
    trial = p.step - float(1 / (l + rho * dn)) * gm;
    h(trial, htrial);
    ++p.hvps;
    const double value = model_at(g, rho, trial, htrial);
    // (A rise within float rounding of the values is no sign of divergence.)
    if (value <= p.value + 1e-6 * (std::abs(p.value) + std::abs(value))) {
      p.step.swap(trial);
      p.hs.swap(htrial);
      p.value = value;
    } else {
      l *= 2;
    }
  }
  return p;
}
}  // namespace

CubicSolution cubic_subsolve(const Eigen::VectorXf& g, const Hvp& h, double rho, double l, double eps, int iters,
                             uint64_t seed) {
  CubicSolution s;
  const double gn = norm(g);
  if (gn >= l * l / rho && gn > 0) {  // Cauchy step: the model's minimiser along -g
    Eigen::VectorXf hg;
    h(g, hg);
    ++s.hvps;
    const double b = g.cast<double>().dot(hg.cast<double>()) / (rho * gn * gn);
    const double r = -b + std::sqrt(b * b + 2 * gn / rho);
    s.step = float(-r / gn) * g;
    // H D = -r/|g| H g: the model value needs no further product.
    s.model = model_at(g, rho, s.step, Eigen::VectorXf(float(-r / gn) * hg));
    return s;
  }
  // Gradient steps on m from 0 with a small random perturbation of g (to leave saddle points).
  Rng rng(seed);
  Eigen::VectorXf zeta(g.size());
  for (Eigen::Index i = 0; i < zeta.size(); ++i) zeta[i] = float(rng.normal());
  const double zn = norm(zeta);
  const double sigma = std::sqrt(eps * rho) / (100 * l);
  const Eigen::VectorXf gt = g + float(sigma / std::max(zn, 1e-30)) * zeta;
  Descent d = model_descent(gt, h, rho, l, iters, 0);
  s.model = model_at(g, rho, d.step, d.hs);  // the unperturbed model
  s.step = std::move(d.step);
  s.hvps = d.hvps;
  return s;
}

CubicSolution cubic_finalsolve(const Eigen::VectorXf& g, const Hvp& h, double rho, double l, double tol,
                               int max_iters) {
  Descent d = model_descent(g, h, rho, l, max_iters, tol);
  CubicSolution s;
  s.model = d.value;
  s.step = std::move(d.step);
  s.hvps = d.hvps;
  return s;
}

MinimizeResult scrn_run(Eigen::VectorXf& theta, const Problem& p, const ScrnOracles& o, const TrainOptions& opt) {
  const int64_t n = p.rows;
  const bool full = n == 0 || opt.batch_size == 0 || opt.batch_size >= n;
  const float wd = float(opt.weight_decay);
  Rng rng(opt.seed ^ 0x5C2Bull);
  std::vector<int64_t> perm;
  if (!full) {
    perm.resize(size_t(n));
    std::iota(perm.begin(), perm.end(), int64_t(0));
  }
  // batch_size rows without replacement (a partial Fisher-Yates shuffle).
  auto sample = [&] {
    std::vector<int64_t> idx;
    if (full) return idx;
    for (int64_t i = 0; i < opt.batch_size; ++i) {
      const int64_t j = i + int64_t(rng.below(uint64_t(n - i)));
      std::swap(perm[size_t(i)], perm[size_t(j)]);
    }
    idx.assign(perm.begin(), perm.begin() + opt.batch_size);
    std::sort(idx.begin(), idx.end());
    return idx;
  };
  Eigen::VectorXf u(theta.size());  // the power iteration's vector, kept across iterations
  for (Eigen::Index i = 0; i < u.size(); ++i) u[i] = float(rng.normal());
  u /= float(u.cast<double>().norm());
  double rho = opt.rho;  // raised after a failed step, lowered back towards opt.rho after a very successful one
  MinimizeResult r;
  Eigen::VectorXf g, hu;
  for (int it = 0; it < opt.epochs; ++it) {
    const std::vector<int64_t> gi = sample(), hi = sample();
    const double loss = o.grad(theta, gi, g);
    ++r.evaluations;
    if (!std::isfinite(loss) || !g.allFinite()) {
      r.final_loss = std::numeric_limits<double>::quiet_NaN();  // divergence: the caller reports it
      return r;
    }
    if (wd != 0) g += wd * theta;
    const Hvp batch_h = o.hessian(theta, hi);
    const Hvp h = [&](const Eigen::VectorXf& v, Eigen::VectorXf& out) {
      batch_h(v, out);
      if (wd != 0) out += wd * v;
    };
    double l = 0;
    for (int k = 0; k < 3; ++k) {
      h(u, hu);
      l = hu.cast<double>().norm();
      if (!(l > 0) || !std::isfinite(l)) break;
      u = hu / float(l);
    }
    l = std::max(l, 1e-6);
    CubicSolution s = cubic_subsolve(g, h, rho, l, opt.epsilon, opt.cubic_iters, opt.seed + uint64_t(it) + 1);
    const bool last = s.model > -std::sqrt(opt.epsilon * opt.epsilon * opt.epsilon / rho) / 100;
    if (last) {
      s = cubic_finalsolve(g, h, rho, l, opt.epsilon / 2, 10 * opt.cubic_iters);
    } else if (o.value) {
      // The ratio test of adaptive cubic regularisation (Cartis, Gould & Toint 2011; scrn.h),
      // f measured on the gradient's batch: the model's g is that batch's, so the model is
      // exact to first order there. (Measured on the independent Hessian batch instead,
      // small batches rejected most steps on Cora and rho grew until training stalled.)
      const Eigen::VectorXf trial = theta + s.step;
      double actual = loss - o.value(trial, gi);
      if (wd != 0) actual += 0.5 * double(wd) * (theta.squaredNorm() - trial.squaredNorm());
      const double ratio = actual / -s.model;
      if (!(ratio >= 0.1)) {  // the model overrated the step: reject it, a firmer cubic term
        rho *= 2;
        r.steps = it + 1;
        if (opt.on_step) opt.on_step(it + 1, loss);
        continue;
      }
      if (ratio > 0.9) rho = std::max(opt.rho, rho / 2);
    }
    theta += s.step;
    r.steps = it + 1;
    if (opt.on_step) opt.on_step(it + 1, loss);
    if (last) break;  // the model promises too little: an approximate local minimum
  }
  Eigen::VectorXf grad;
  r.final_loss = p.full(theta, grad);
  ++r.evaluations;
  return r;
}

namespace {

// First-order oracles from the Problem: exact mini-batch gradients and
// Hessian-vector products where it has them, else the full objective with
// H v by central differences of gradients.
MinimizeResult scrn_problem(Eigen::VectorXf& theta, const Problem& p, const TrainOptions& opt) {
  ScrnOracles o;
  o.grad = [&p](const Eigen::VectorXf& th, const std::vector<int64_t>& idx, Eigen::VectorXf& g) {
    return p.batch ? p.batch(th, idx, &g) : p.full(th, g);
  };
  o.value = [&p](const Eigen::VectorXf& th, const std::vector<int64_t>& idx) {
    Eigen::VectorXf unused;
    return p.batch ? p.batch(th, idx, nullptr) : p.full(th, unused);
  };
  o.hessian = [&p](const Eigen::VectorXf& th, const std::vector<int64_t>& idx) -> Hvp {
    if (p.hvp)
      return [&p, th, idx](const Eigen::VectorXf& v, Eigen::VectorXf& out) { p.hvp(th, idx, v, out); };
    return [&p, th](const Eigen::VectorXf& v, Eigen::VectorXf& out) {
      const double vn = v.cast<double>().norm();
      if (vn == 0) {
        out.setZero(v.size());
        return;
      }
      const double step = 1e-2 * (1 + th.cast<double>().norm() / std::sqrt(double(th.size()))) / vn;
      Eigen::VectorXf gp, gm;
      p.full(th + float(step) * v, gp);
      p.full(th - float(step) * v, gm);
      out = (gp - gm) / float(2 * step);
    };
  };
  return scrn_run(theta, p, o, opt);
}

MinimizeResult scrn_objective(Eigen::VectorXf& theta, const Objective& f, const TrainOptions& opt) {
  Problem p;
  p.full = f;
  return scrn_problem(theta, p, opt);
}

}  // namespace

const OptimizerDef& scrn_optimizer() {
  static const OptimizerDef def{"scrn",
                                "stochastic cubic-regularized Newton (Tripuraneni et al., 2018; Roy et al., 2020): "
                                "mini-batch gradients and exact Hessian-vector products (epochs = iterations)",
                                false,
                                scrn_objective,
                                {"rho", "batch_size", "cubic_iters", "epsilon"},
                                scrn_problem};
  return def;
}

}  // namespace sgc
