#include "sgc/model/lbfgs.h"

#include <algorithm>
#include <cmath>
#include <deque>

#include "sgc/error.h"
#include "sgc/model/optimizer.h"

namespace sgc {

namespace {

using Vec = Eigen::VectorXd;

// Minimiser of the cubic through (a, fa, ga) and (b, fb, gb), kept inside the
// interval and away from its ends (Nocedal & Wright eq. 3.59).
double cubic_min(double a, double fa, double ga, double b, double fb, double gb) {
  const double d1 = ga + gb - 3 * (fa - fb) / (a - b);
  const double disc = d1 * d1 - ga * gb;
  const double lo = std::min(a, b), hi = std::max(a, b);
  if (disc >= 0) {
    const double d2 = std::copysign(std::sqrt(disc), b - a);
    const double t = b - (b - a) * ((gb + d2 - d1) / (gb - ga + 2 * d2));
    if (std::isfinite(t)) return std::clamp(t, lo + 0.1 * (hi - lo), hi - 0.1 * (hi - lo));
  }
  return 0.5 * (lo + hi);
}

struct Point {
  double step, loss, slope;  // slope: directional derivative g . d
  Eigen::VectorXf x, grad;
};

class LineSearch {
 public:
  LineSearch(const Objective& f, int& evals) : f_(f), evals_(evals) {}

  // Strong-Wolfe search along d from x0 (loss f0, gradient grad0, slope g0 < 0),
  // first trial t. May return the start point (step 0) when no trial improved.
  Point search(const Eigen::VectorXf& x0, double f0, const Eigen::VectorXf& grad0, double g0, const Vec& d, double t,
               int max_evals) {
    constexpr double c1 = 1e-4, c2 = 0.9;
    const Eigen::VectorXf df = d.cast<float>();
    Point prev{0, f0, g0, x0, grad0};
    Point cur = eval(x0, df, t);
    for (int i = 0; evals_ < max_evals; ++i) {
      if (cur.loss > f0 + c1 * cur.step * g0 || (i > 0 && cur.loss >= prev.loss))
        return zoom(x0, f0, g0, df, prev, cur, max_evals);
      if (std::abs(cur.slope) <= -c2 * g0) return cur;
      if (cur.slope >= 0) return zoom(x0, f0, g0, df, cur, prev, max_evals);
      const double next = cur.step * 4;  // still descending steeply: extrapolate
      prev = std::move(cur);
      cur = eval(x0, df, next);
    }
    return cur.loss <= f0 ? cur : prev;
  }

 private:
  Point eval(const Eigen::VectorXf& x0, const Eigen::VectorXf& d, double t) {
    Point p{t, 0, 0, x0 + float(t) * d, {}};
    p.loss = f_(p.x, p.grad);
    p.slope = double(p.grad.dot(d));
    ++evals_;
    return p;
  }

  // lo satisfies sufficient decrease and has the lower loss; the minimiser lies between lo and hi.
  Point zoom(const Eigen::VectorXf& x0, double f0, double g0, const Eigen::VectorXf& d, Point lo, Point hi,
             int max_evals) {
    constexpr double c1 = 1e-4, c2 = 0.9;
    while (evals_ < max_evals && std::abs(hi.step - lo.step) * d.cwiseAbs().maxCoeff() > 1e-9) {
      const double t = cubic_min(lo.step, lo.loss, lo.slope, hi.step, hi.loss, hi.slope);
      Point p = eval(x0, d, t);
      if (p.loss > f0 + c1 * t * g0 || p.loss >= lo.loss) {
        hi = std::move(p);
      } else {
        if (std::abs(p.slope) <= -c2 * g0) return p;
        if (p.slope * (hi.step - lo.step) >= 0) hi = std::move(lo);
        lo = std::move(p);
      }
    }
    return lo;
  }

  const Objective& f_;
  int& evals_;
};

}  // namespace

LbfgsResult lbfgs_minimize(Eigen::VectorXf& x, const Objective& f, const LbfgsOptions& opt) {
  if (opt.max_iter <= 0) throw ArgumentError("--epochs: L-BFGS iterations must be positive");
  if (opt.history <= 0) throw ArgumentError("L-BFGS history must be positive");
  const int max_evals = opt.max_evals > 0 ? opt.max_evals : opt.max_iter * 5 / 4 + 5;
  LbfgsResult r;
  Eigen::VectorXf grad;
  r.loss = f(x, grad);
  r.evaluations = 1;
  std::deque<Vec> s_hist, y_hist;
  std::deque<double> rho_hist;
  LineSearch ls(f, r.evaluations);
  for (r.iterations = 0; r.iterations < opt.max_iter && r.evaluations < max_evals;) {
    if (grad.cwiseAbs().maxCoeff() <= opt.grad_tol) {
      r.converged = true;
      break;
    }
    // Two-loop recursion: d = -H g.
    Vec q = -grad.cast<double>();
    std::vector<double> alpha(s_hist.size());
    for (int i = int(s_hist.size()) - 1; i >= 0; --i) {
      alpha[i] = rho_hist[i] * s_hist[i].dot(q);
      q -= alpha[i] * y_hist[i];
    }
    if (!s_hist.empty()) q *= s_hist.back().dot(y_hist.back()) / y_hist.back().squaredNorm();
    for (size_t i = 0; i < s_hist.size(); ++i) q += s_hist[i] * (alpha[i] - rho_hist[i] * y_hist[i].dot(q));
    double slope = grad.cast<double>().dot(q);
    if (!(slope < 0)) {  // not a descent direction (numerical trouble): restart from steepest descent
      s_hist.clear(), y_hist.clear(), rho_hist.clear();
      q = -grad.cast<double>();
      slope = -q.squaredNorm();
    }
    // First step: scaled so the first move has unit L1 length at most (as torch.optim.LBFGS).
    const double t0 = s_hist.empty() && r.iterations == 0 ? std::min(1.0, 1.0 / grad.cwiseAbs().sum()) : 1.0;
    Point next = ls.search(x, r.loss, grad, slope, q, t0, max_evals);
    ++r.iterations;
    if (next.step == 0) break;  // the line search found no better point: nothing left to gain
    const Vec s = (next.x - x).cast<double>();
    const Vec y = (next.grad - grad).cast<double>();
    const double loss_change = std::abs(next.loss - r.loss);
    x = std::move(next.x);
    grad = std::move(next.grad);
    r.loss = next.loss;
    if (opt.on_iteration) opt.on_iteration(r.iterations, r.loss);
    const double sy = s.dot(y);
    if (sy > 1e-10 * s.norm() * y.norm()) {  // keep only pairs with positive curvature
      s_hist.push_back(s);
      y_hist.push_back(y);
      rho_hist.push_back(1.0 / sy);
      if (int(s_hist.size()) > opt.history) s_hist.pop_front(), y_hist.pop_front(), rho_hist.pop_front();
    }
    if (s.cwiseAbs().maxCoeff() <= opt.change_tol || loss_change < opt.change_tol) {
      r.converged = true;
      break;
    }
  }
  return r;
}

}  // namespace sgc

namespace sgc {

namespace {
// Minimises loss + wd/2 |theta|^2 (the same gradient as Adam's L2 weight decay).
MinimizeResult lbfgs_entry(Eigen::VectorXf& theta, const Objective& f, const TrainOptions& opt) {
  const float wd = float(opt.weight_decay);
  LbfgsOptions lo;
  lo.max_iter = opt.epochs;
  lo.on_iteration = opt.on_step;
  const LbfgsResult r = lbfgs_minimize(theta, [&](const Eigen::VectorXf& x, Eigen::VectorXf& grad) {
    const double loss = f(x, grad);
    if (wd != 0) grad += wd * x;
    return loss + 0.5 * double(wd) * double(x.squaredNorm());
  }, lo);
  MinimizeResult out;
  out.evaluations = r.evaluations;
  if (wd == 0) {
    out.final_loss = r.loss;  // the objective is the data loss
  } else {
    Eigen::VectorXf grad;
    out.final_loss = f(theta, grad);
  }
  return out;
}
}  // namespace

const OptimizerDef& lbfgs_optimizer() {
  static const OptimizerDef def{"lbfgs", "L-BFGS with a strong-Wolfe line search (epochs = iterations)", false,
                                lbfgs_entry};
  return def;
}

}  // namespace sgc
