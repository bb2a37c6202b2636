// Stochastic cubic-regularized Newton (SCRN): Tripuraneni, Stern, Jin, Regier
// & Jordan, "Stochastic Cubic Regularization for Fast Nonconvex
// Optimization", NeurIPS 2018, algorithms 1-3; analysed under the strong
// growth condition by Roy, Balasubramanian, Ghadimi & Mohapatra, "Escaping
// Saddle-Point Faster under Interpolation-like Conditions", NeurIPS 2020
// (section 3: first-order oracles; section 4: zeroth-order ones).
//
// Iteration t, with a gradient g on a mini-batch and Hessian-vector products
// H[.] on an independent one (plus the weight decay's wd theta and wd v):
//   model  m(D) = g.D + 1/2 D.H D + rho/6 |D|^3
//   D      = Cauchy step -R g/|g|, R = -b + sqrt(b^2 + 2|g|/rho), b = g.Hg/(rho |g|^2),
//            when |g| >= l^2/rho (l: the batch Hessian's norm, by power iteration);
//            else cubic_iters gradient steps on m from 0 with a perturbed gradient
//            g + sigma zeta (sigma = sqrt(eps rho)/(100 l), zeta uniform on the sphere)
//   if m(D) > -sqrt(eps^3/rho)/100: gradient steps on m until |grad m| <= eps/2
//            (the final solver), take that step and stop; else theta += D
//            if the step passes the ratio test below.
// Ratio test (adaptive cubic regularisation, Cartis, Gould & Toint, Math.
// Program. 2011, with f measured on the gradient's batch): a step whose
// actual decrease of the batch loss (plus decay) is below 0.1 of -m(D) is
// rejected and rho doubled; above 0.9, rho halves, never below --rho. Full
// batch it costs one loss evaluation per iteration and rarely rejects. With
// small batches it is what keeps the default rho stable: a 16-row gradient
// batch and curvature from another 16 rows make steps of ~sqrt(2|g|/rho)
// along directions the Hessian's batch hardly curves, which overshoot
// (Cora: the full loss rose from 1.95 to 24; with the test at most 2.9).
// Under the strong growth condition (every per-row gradient vanishes where
// the full one does: interpolation, the training loss reaching ~0) the batch
// sizes need not grow as eps falls (Roy et al., theorem 3.1), so a fixed
// --batch-size suffices. Choices the papers leave to the implementer: the
// model's gradient steps use eta = 1/(l + rho |D|) (the model gradient's local
// Lipschitz constant) instead of the theory's 1/(20 l); l is re-estimated
// each iteration by 3 power iterations warm-started from the last. That
// estimate is a lower bound of |H|, and a mini-batch's H changes from one
// iteration to the next, so l can fall below |H| / 2, where the model's
// gradient steps diverge and m(D) grows large and positive, which the
// stopping rule would read as "too little decrease" (stopping far from a
// minimum after a step that raised the loss): a step that raises m is
// undone and l doubled, so m(D) <= 0 and only a small decrease stops. The
// default rho = 1e-3 and 50 model steps suit propagated, row-normalised
// features, whose Hessian is small (|H| ~ 1e-2 on Cora): with rho = 1 the
// cubic term caps every step at about sqrt(2 |g| / rho) and training stalls.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <Eigen/Dense>

#include "sgc/model/optimizer.h"

namespace sgc {

using Hvp = std::function<void(const Eigen::VectorXf& v, Eigen::VectorXf& hv)>;

// m(D) = g.D + 1/2 D.H D + rho/6 |D|^3.
double cubic_model(const Eigen::VectorXf& g, const Hvp& h, double rho, const Eigen::VectorXf& step);

struct CubicSolution {
  Eigen::VectorXf step;
  double model = 0;  // m(step)
  int hvps = 0;      // Hessian-vector products used
};

// Algorithm 2 of Tripuraneni et al. (the sub-solver): the Cauchy step or
// at most `iters` perturbed gradient steps on m (each one Hessian-vector
// product; a step that would raise m doubles l instead). l: an estimate of |H|.
CubicSolution cubic_subsolve(const Eigen::VectorXf& g, const Hvp& h, double rho, double l, double eps, int iters,
                             uint64_t seed);
// Algorithm 3 (the final solver): gradient steps on m until |grad m| <= tol (at most
// max_iters products; l doubled as in cubic_subsolve).
CubicSolution cubic_finalsolve(const Eigen::VectorXf& g, const Hvp& h, double rho, double l, double tol,
                               int max_iters);

// The oracles of one SCRN iteration: a gradient and a Hessian-vector product
// on row sets (empty: every row); the zeroth-order variant builds both from
// function values.
struct ScrnOracles {
  // Loss over `idx` and its gradient estimate.
  std::function<double(const Eigen::VectorXf& theta, const std::vector<int64_t>& idx, Eigen::VectorXf& grad)> grad;
  // Prepares H at theta on `idx` and returns the product callback.
  std::function<Hvp(const Eigen::VectorXf& theta, const std::vector<int64_t>& idx)> hessian;
  // Loss over `idx` alone, for the ratio test of a step; empty: every step is taken.
  std::function<double(const Eigen::VectorXf& theta, const std::vector<int64_t>& idx)> value;
};

// The SCRN loop (opt.epochs iterations at most) with the given oracles over
// `rows` rows (0: full batch only); weight decay added here.
MinimizeResult scrn_run(Eigen::VectorXf& theta, const Problem& p, const ScrnOracles& o, const TrainOptions& opt);

}  // namespace sgc
