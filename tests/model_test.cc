// Softmax regression, Adam and the metrics.
#include <gtest/gtest.h>

#include <cmath>
#include <tuple>

#include "sgc/error.h"
#include "sgc/eval/metrics.h"
#include "sgc/model/adam.h"
#include "sgc/model/softmax_regression.h"
#include "sgc/model/train.h"
#include "sgc/util/threads.h"
#include "test_util.h"

namespace sgc {
namespace {

TEST(SoftmaxRegression, GradientMatchesFiniteDifferences) {
  const int n = 40, d = 6, c = 4;
  const DenseMatrix x = testing::random_dense(n, d, 3);
  std::vector<int32_t> y(n);
  for (int i = 0; i < n; ++i) y[i] = (i * 7) % c;
  SoftmaxModel m = init_softmax(d, c, 11);
  Eigen::VectorXf grad;
  softmax_loss_grad(m, x, y, grad);
  ASSERT_EQ(grad.size(), d * c + c);
  const float h = 1e-2f;
  Eigen::VectorXf dummy;
  for (Eigen::Index p = 0; p < m.theta.size(); ++p) {
    SoftmaxModel plus = m, minus = m;
    plus.theta[p] += h;
    minus.theta[p] -= h;
    const double fd = (softmax_loss_grad(plus, x, y, dummy) - softmax_loss_grad(minus, x, y, dummy)) / (2 * h);
    EXPECT_NEAR(grad[p], fd, 2e-4) << "parameter " << p;
  }
}

TEST(SoftmaxRegression, LossIsLogCAtZeroWeights) {
  const DenseMatrix x = testing::random_dense(10, 3, 1);
  SoftmaxModel m(3, 5);
  Eigen::VectorXf g;
  EXPECT_NEAR(softmax_loss_grad(m, x, std::vector<int32_t>(10, 2), g), std::log(5.0), 1e-6);
}

TEST(SoftmaxRegression, BlockedGradientEqualsSingleBlock) {
  // 5000 rows span several blocks; compare with a plain double computation.
  const int n = 5000, d = 8, c = 3;
  const DenseMatrix x = testing::random_dense(n, d, 5);
  std::vector<int32_t> y(n);
  for (int i = 0; i < n; ++i) y[i] = i % c;
  const SoftmaxModel m = init_softmax(d, c, 2);
  Eigen::VectorXf g;
  const double loss = softmax_loss_grad(m, x, y, g);
  DenseMatrixD z = x.cast<double>() * m.weight().cast<double>();
  z.rowwise() += m.bias().cast<double>();
  double ref_loss = 0;
  DenseMatrixD p(n, c);
  for (int i = 0; i < n; ++i) {
    const double mx = z.row(i).maxCoeff();
    const double lse = mx + std::log((z.row(i).array() - mx).exp().sum());
    ref_loss += lse - z(i, y[i]);
    p.row(i) = (z.row(i).array() - lse).exp();
    p(i, y[i]) -= 1;
  }
  EXPECT_NEAR(loss, ref_loss / n, 1e-5);
  const DenseMatrixD gw = x.cast<double>().transpose() * p / n;
  for (int a = 0; a < d; ++a)
    for (int b = 0; b < c; ++b) EXPECT_NEAR(g[a * c + b], gw(a, b), 1e-5);
}

// Few rows and many features (Coauthor CS: 300 x 6,805, 15 classes): one
// block, whose rows' logits and features' gradient the threads split; each is
// formed as by one thread, so any thread count gives the same bits, and the
// split reaches the last (partial) feature tile.
TEST(SoftmaxRegression, OneBlockGivesTheSameBitsOnAnyThreadCount) {
  const int threads = num_threads();
  for (const auto& [n, d, c] : {std::tuple{300, 6805, 15}, std::tuple{140, 1433, 7}, std::tuple{70, 1001, 41}}) {
    const DenseMatrix x = (testing::random_dense(n, d, 21).array() - 0.5f).matrix();
    std::vector<int32_t> y(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) y[size_t(i)] = (i * 5) % c;
    const SoftmaxModel m = init_softmax(d, c, 4);
    std::vector<Eigen::VectorXf> g;
    std::vector<double> loss;
    for (int t : {1, 2, 3}) {
      set_num_threads(t);
      g.emplace_back();
      loss.push_back(softmax_loss_grad(m, x, y, g.back()));
    }
    set_num_threads(threads);
    for (size_t t = 1; t < g.size(); ++t) {
      EXPECT_EQ(loss[t], loss[0]) << n << " x " << d;
      EXPECT_TRUE(g[t] == g[0]) << n << " x " << d << ", " << t + 1 << " threads";
    }
    // Against the definition in double.
    DenseMatrixD z = x.cast<double>() * m.weight().cast<double>();
    z.rowwise() += m.bias().cast<double>();
    DenseMatrixD p(n, c);
    for (int i = 0; i < n; ++i) {
      const double mx = z.row(i).maxCoeff();
      const double lse = mx + std::log((z.row(i).array() - mx).exp().sum());
      p.row(i) = (z.row(i).array() - lse).exp();
      p(i, y[size_t(i)]) -= 1;
    }
    const DenseMatrixD gw = x.cast<double>().transpose() * p / n;
    double worst = 0;
    for (int a = 0; a < d; ++a)
      for (int b = 0; b < c; ++b) worst = std::max(worst, std::abs(double(g[0][a * c + b]) - gw(a, b)));
    EXPECT_LT(worst, 1e-5) << n << " x " << d;
  }
}

TEST(SoftmaxRegression, RejectsBadLabelsAndShapes) {
  const DenseMatrix x = testing::random_dense(4, 3, 1);
  SoftmaxModel m(3, 2);
  Eigen::VectorXf g;
  EXPECT_THROW(softmax_loss_grad(m, x, {0, 1, 2, 0}, g), ArgumentError);
  EXPECT_THROW(softmax_loss_grad(m, x, {0, 1, 1}, g), ArgumentError);
  EXPECT_THROW(softmax_loss_grad(SoftmaxModel(4, 2), x, {0, 1, 1, 0}, g), ArgumentError);
}

TEST(Adam, MatchesTorchFormulaWithWeightDecay) {
  // torch.optim.Adam: g += wd*p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
  // p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps).
  const double lr = 0.2, wd = 0.01;
  Eigen::VectorXf theta(2);
  theta << 1.0f, -2.0f;
  Adam adam(2, {lr, 0.9, 0.999, 1e-8, wd});
  double p[2] = {1.0, -2.0}, m[2] = {0, 0}, v[2] = {0, 0};
  const double grads[3][2] = {{0.5, -1.0}, {0.1, 0.3}, {-0.7, 0.2}};
  for (int t = 1; t <= 3; ++t) {
    Eigen::VectorXf g(2);
    g << float(grads[t - 1][0]), float(grads[t - 1][1]);
    adam.step(theta, g);
    for (int i = 0; i < 2; ++i) {
      const double gi = grads[t - 1][i] + wd * p[i];
      m[i] = 0.9 * m[i] + 0.1 * gi;
      v[i] = 0.999 * v[i] + 0.001 * gi * gi;
      const double bc1 = 1 - std::pow(0.9, t), bc2 = 1 - std::pow(0.999, t);
      p[i] -= lr / bc1 * m[i] / (std::sqrt(v[i]) / std::sqrt(bc2) + 1e-8);
      EXPECT_NEAR(theta[i], p[i], 1e-6) << "step " << t;
    }
  }
}

TEST(Train, SeparableProblemIsLearnedAndDeterministic) {
  const int n = 200;
  DenseMatrix x(n, 2);
  std::vector<int32_t> y(n);
  Rng rng(3);
  for (int i = 0; i < n; ++i) {
    y[i] = i % 2;
    x(i, 0) = float(rng.normal() * 0.3 + (y[i] ? 2 : -2));
    x(i, 1) = float(rng.normal());
  }
  TrainOptions opt;
  opt.optimizer = &find_optimizer("adam");
  opt.epochs = 50;
  const TrainOutcome a = train_softmax(x, y, 2, opt);
  const TrainOutcome b = train_softmax(x, y, 2, opt);
  EXPECT_GT(accuracy(softmax_predict(a.model, x), y), 0.97);
  EXPECT_TRUE((a.model.theta.array() == b.model.theta.array()).all());
  opt.epochs = 0;
  EXPECT_THROW(train_softmax(x, y, 2, opt), ArgumentError);
}

TEST(Metrics, AccuracyAndF1) {
  const std::vector<int32_t> truth{0, 0, 1, 1, 2, 2}, pred{0, 1, 1, 1, 2, 0};
  EXPECT_DOUBLE_EQ(accuracy(pred, truth), 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(micro_f1(pred, truth), 4.0 / 6.0);
  // Per class F1: c0 tp1 fp1 fn1 -> 0.5; c1 tp2 fp1 fn0 -> 0.8; c2 tp1 fp0 fn1 -> 2/3.
  EXPECT_NEAR(macro_f1(pred, truth, 3), (0.5 + 0.8 + 2.0 / 3.0) / 3, 1e-12);
  EXPECT_THROW(accuracy({0}, {0, 1}), ArgumentError);
  // No rows, no accuracy (never 0): the front ends print n/a.
  EXPECT_TRUE(std::isnan(accuracy({}, {})));
  EXPECT_TRUE(std::isnan(macro_f1({}, {}, 3)));
}

}  // namespace
}  // namespace sgc
