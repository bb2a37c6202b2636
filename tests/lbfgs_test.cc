// L-BFGS reaches the known optimum of small problems.
#include <gtest/gtest.h>

#include "sgc/error.h"
#include "sgc/model/lbfgs.h"
#include "sgc/model/softmax_regression.h"
#include "sgc/model/train.h"
#include "test_util.h"

namespace sgc {
namespace {

TEST(Lbfgs, ConvexQuadraticReachesTheSolution) {
  // f(x) = 1/2 x'Ax - b'x with A SPD: x* = A^-1 b.
  const int n = 30;
  Eigen::MatrixXd m = testing::random_dense(n, n, 4).cast<double>();
  const Eigen::MatrixXd a = m.transpose() * m + Eigen::MatrixXd::Identity(n, n);
  const Eigen::VectorXd b = testing::random_dense(n, 1, 5).cast<double>().col(0);
  const Eigen::VectorXd want = a.ldlt().solve(b);
  Eigen::VectorXf x = Eigen::VectorXf::Zero(n);
  LbfgsOptions opt;
  opt.max_iter = 200;
  opt.grad_tol = 1e-5;
  const auto r = lbfgs_minimize(x, [&](const Eigen::VectorXf& v, Eigen::VectorXf& g) {
    const Eigen::VectorXd vd = v.cast<double>();
    g = (a * vd - b).cast<float>();
    return 0.5 * vd.dot(a * vd) - b.dot(vd);
  }, opt);
  EXPECT_TRUE(r.converged);
  EXPECT_LT((x.cast<double>() - want).cwiseAbs().maxCoeff(), 1e-3);
}

TEST(Lbfgs, Rosenbrock) {
  Eigen::VectorXf x(2);
  x << -1.2f, 1.0f;
  LbfgsOptions opt;
  opt.max_iter = 500;
  opt.grad_tol = 1e-6;
  lbfgs_minimize(x, [](const Eigen::VectorXf& v, Eigen::VectorXf& g) {
    const double a = v[0], b = v[1];
    g.resize(2);
    g[0] = float(-2 * (1 - a) - 400 * a * (b - a * a));
    g[1] = float(200 * (b - a * a));
    return (1 - a) * (1 - a) + 100 * (b - a * a) * (b - a * a);
  }, opt);
  EXPECT_NEAR(x[0], 1.0, 1e-3);
  EXPECT_NEAR(x[1], 1.0, 1e-3);
}

TEST(Lbfgs, SoftmaxRegressionBeatsAdamLossInFewerSteps) {
  const int n = 300, d = 10, c = 3;
  DenseMatrix x = testing::random_dense(n, d, 8);
  std::vector<int32_t> y(n);
  for (int i = 0; i < n; ++i) y[i] = (x(i, 0) + x(i, 1) > 1.0f) + (x(i, 2) > 0.7f);
  TrainOptions opt;
  opt.epochs = 30;
  opt.weight_decay = 1e-3;
  opt.optimizer = &find_optimizer("lbfgs");
  const TrainOutcome l = train_softmax(x, y, c, opt);
  opt.optimizer = &find_optimizer("adam");
  opt.lr = 0.05;
  opt.epochs = 300;
  const TrainOutcome a = train_softmax(x, y, c, opt);
  EXPECT_LE(l.final_loss, a.final_loss + 1e-4);
}

TEST(Lbfgs, RejectsBadOptions) {
  Eigen::VectorXf x = Eigen::VectorXf::Zero(2);
  LbfgsOptions opt;
  opt.max_iter = 0;
  EXPECT_THROW(lbfgs_minimize(x, [](const Eigen::VectorXf&, Eigen::VectorXf& g) { g.setZero(2); return 0.0; }, opt),
               ArgumentError);
}

}  // namespace
}  // namespace sgc
