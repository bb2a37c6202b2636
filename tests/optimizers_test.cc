// The compressed optimizer (sgc-compressed) and SCRN (scrn, scrn-zo):
// exactness of their building blocks and accuracy against Adam on real data.
#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <cstdio>
#include <map>

#include "sgc/io/load.h"
#include "sgc/model/adam.h"
#include "sgc/model/config.h"
#include "sgc/model/linear_model.h"
#include "sgc/model/scrn.h"
#include "sgc/model/sgc_compressed.h"
#include "sgc/model/softmax_hvp.h"
#include "sgc/model/sparse_recovery.h"
#include "sgc/model/train.h"
#include "sgc/presets.h"
#include "sgc/random.h"
#include "test_util.h"

namespace sgc {
namespace {

// A small softmax regression problem with random features and labels.
struct Toy {
  DenseMatrix x;
  std::vector<int32_t> y;
  int32_t classes;
};
Toy toy(int64_t n, int64_t d, int32_t c, uint64_t seed) {
  Rng rng(seed);
  Toy t{DenseMatrix(n, d), std::vector<int32_t>(static_cast<size_t>(n)), c};
  for (Eigen::Index i = 0; i < t.x.size(); ++i) t.x.data()[i] = float(rng.normal());
  for (auto& v : t.y) v = int32_t(rng.below(uint64_t(c)));
  return t;
}
// The same with `signal` added to each row's feature of its own class.
Toy toy_with_signal(int64_t n, int64_t d, int32_t c, uint64_t seed, float signal) {
  Toy t = toy(n, d, c, seed);
  for (size_t i = 0; i < t.y.size(); ++i) t.x(Eigen::Index(i), t.y[i]) += signal;
  return t;
}

TEST(CompressedAdam, WithoutCompressionIsAdamBitForBit) {
  const Toy t = toy(60, 25, 4, 7);
  SoftmaxModel a = init_softmax(25, 4, 3), b = a;
  TrainOptions opt;
  opt.lr = 0.05;
  opt.weight_decay = 1e-3;
  opt.sketch_dim = opt.sparsity = a.theta.size();  // k = d, s = d
  Adam adam(a.theta.size(), {opt.lr, 0.9, 0.999, 1e-8, opt.weight_decay});
  CompressedAdam comp(b.theta.size(), opt);
  Eigen::VectorXf ga, gb;
  for (int step = 0; step < 30; ++step) {
    softmax_loss_grad(a, t.x, t.y, ga);
    softmax_loss_grad(b, t.x, t.y, gb);
    adam.step(a.theta, ga);
    comp.step(b.theta, gb);
  }
  ASSERT_EQ(a.theta.size(), b.theta.size());
  for (Eigen::Index i = 0; i < a.theta.size(); ++i) ASSERT_EQ(a.theta[i], b.theta[i]) << "entry " << i;
  EXPECT_EQ(comp.state_bytes(), int64_t(2 * sizeof(float)) * a.theta.size());
  // Through the registry too (train_softmax), and compression changes the iterates.
  TrainOptions reg = opt;
  reg.epochs = 20;
  const TrainOutcome adam_run = train_softmax(t.x, t.y, 4, reg);
  reg.optimizer = &find_optimizer("sgc-compressed");
  const TrainOutcome comp_run = train_softmax(t.x, t.y, 4, reg);
  EXPECT_TRUE(adam_run.model.theta == comp_run.model.theta);
  reg.sketch_dim = 40;
  reg.sparsity = 10;
  EXPECT_FALSE(adam_run.model.theta == train_softmax(t.x, t.y, 4, reg).model.theta);
}

TEST(CompressedAdam, StateIsTwoKFloatsWhateverD) {
  TrainOptions opt;
  opt.sketch_dim = 512;
  opt.sparsity = 32;
  EXPECT_EQ(CompressedAdam(100000, opt).state_bytes(), 2 * 512 * 4);
  EXPECT_EQ(CompressedAdam(1000000, opt).state_bytes(), 2 * 512 * 4);
  opt.chunks = 4;
  EXPECT_EQ(CompressedAdam(1000000, opt).state_bytes(), 2 * 512 * 4);
}

// OMP recovers an s-sparse x from k = 4 s ln d measurements of the hashed sketch.
TEST(Omp, RecoversSparseVectors) {
  const int64_t d = 5000, s = 12, k = int64_t(std::ceil(4 * s * std::log(double(d))));
  for (uint64_t seed = 1; seed <= 5; ++seed)
    for (int64_t atoms : {int64_t(1), int64_t(3)}) {
      const HashedSketch a(k, d, 4, seed);
      Rng rng(seed * 77);
      std::vector<int64_t> idx;
      std::vector<float> val;
      while (int64_t(idx.size()) < s) {
        const int64_t j = int64_t(rng.below(uint64_t(d)));
        if (std::find(idx.begin(), idx.end(), j) != idx.end()) continue;
        idx.push_back(j);
        val.push_back(float(rng.normal() + (rng.uniform() < 0.5 ? -1 : 1)));
      }
      Eigen::VectorXf y;
      a.apply(idx, val, y);
      const SparseVec got = omp_recover(a, y, s, atoms);
      Eigen::VectorXf want = Eigen::VectorXf::Zero(d), rec = Eigen::VectorXf::Zero(d);
      for (size_t i = 0; i < idx.size(); ++i) want[idx[i]] = val[i];
      for (size_t i = 0; i < got.idx.size(); ++i) rec[got.idx[i]] = got.val[i];
      EXPECT_LT((rec - want).norm(), 1e-4 * want.norm()) << "seed " << seed << " atoms " << atoms;
    }
  // Far too few measurements (k = s) cannot recover it: the check above can fail.
  const HashedSketch small(12, d, 4, 1);
  Eigen::VectorXf y;
  small.apply({3, 900, 1700, 2500, 3300, 4100, 10, 20, 30, 40, 50, 60},
              {1, -2, 3, -1, 2, -3, 1, 1, 1, 1, 1, 1}, y);
  const SparseVec bad = omp_recover(small, y, 12);
  EXPECT_NE(bad.idx, (std::vector<int64_t>{3, 10, 20, 30, 40, 50, 60, 900, 1700, 2500, 3300, 4100}));
}

TEST(Scrn, HessianVectorProductMatchesFiniteDifferences) {
  const Toy t = toy(80, 12, 5, 11);
  SoftmaxModel m = init_softmax(12, 5, 2);
  Rng rng(5);
  for (Eigen::Index i = 0; i < m.theta.size(); ++i) m.theta[i] += float(rng.normal());
  Eigen::VectorXf v(m.theta.size());
  for (Eigen::Index i = 0; i < v.size(); ++i) v[i] = float(rng.normal());
  for (const std::vector<int64_t>& rows : {std::vector<int64_t>{}, std::vector<int64_t>{1, 5, 9, 40, 41, 79}}) {
    Eigen::VectorXf hv, gp, gm;
    softmax_hvp(m, t.x, t.y, rows, v, hv);
    const float h = 1e-2f;
    SoftmaxModel p = m, q = m;
    p.theta += h * v;
    q.theta -= h * v;
    softmax_loss_rows(p, t.x, t.y, rows, &gp);
    softmax_loss_rows(q, t.x, t.y, rows, &gm);
    const Eigen::VectorXf fd = (gp - gm) / (2 * h);
    EXPECT_LT((hv - fd).norm(), 2e-3 * fd.norm()) << rows.size() << " rows";
    // v . H v >= 0: the cross-entropy is convex.
    EXPECT_GE(v.dot(hv), 0);
  }
  // The loss-only path agrees with the gradient path.
  Eigen::VectorXf g;
  EXPECT_NEAR(softmax_loss_rows(m, t.x, t.y, {2, 3, 4}, nullptr), softmax_loss_rows(m, t.x, t.y, {2, 3, 4}, &g), 1e-5);
}

// The cubic model's global minimiser D satisfies g + H D + rho/2 |D| D = 0 and
// H + rho/2 |D| I >= 0 (Nesterov & Polyak 2006, section 5).
TEST(Scrn, CubicSubproblemMeetsOptimalityConditions) {
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    const int d = 8;
    Rng rng(seed);
    Eigen::MatrixXf a(d, d);
    for (Eigen::Index i = 0; i < a.size(); ++i) a.data()[i] = float(rng.normal());
    const Eigen::MatrixXf hm = (a + a.transpose()) / 4;  // indefinite
    Eigen::VectorXf g(d);
    for (int i = 0; i < d; ++i) g[i] = float(rng.normal()) * (seed % 2 ? 1.0f : 0.05f);
    const double rho = 2;
    const Hvp h = [&](const Eigen::VectorXf& v, Eigen::VectorXf& out) { out = hm * v; };
    const double l = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXf>(hm).eigenvalues().cwiseAbs().maxCoeff();
    const CubicSolution s = cubic_finalsolve(g, h, rho, l, 1e-5, 200000);
    const float n = s.step.norm();
    const Eigen::VectorXf grad_m = g + hm * s.step + 0.5f * float(rho) * n * s.step;
    EXPECT_LT(grad_m.norm(), 1e-4) << "seed " << seed;
    const Eigen::MatrixXf shifted = hm + 0.5f * float(rho) * n * Eigen::MatrixXf::Identity(d, d);
    EXPECT_GE(Eigen::SelfAdjointEigenSolver<Eigen::MatrixXf>(shifted).eigenvalues().minCoeff(), -1e-3) << seed;
    EXPECT_LT(s.model, 0);
    // The sub-solver (Cauchy step or a few gradient steps) decreases the model, less than the minimiser.
    const CubicSolution sub = cubic_subsolve(g, h, rho, l, 1e-3, 10, seed);
    EXPECT_LT(sub.model, 0);
    EXPECT_GE(sub.model, s.model - 1e-6);
  }
}

// The optimizer parameters travel through config_to_json / config_from_json.
TEST(OptimizerParams, RoundTripAndErrors) {
  Config c;
  c.train.optimizer = &find_optimizer("scrn");
  c.train.rho = 3.5;
  c.train.batch_size = 64;
  const nlohmann::json j = config_to_json(c);
  ASSERT_TRUE(j.contains("optimizer_params"));
  EXPECT_FALSE(j["optimizer_params"].contains("sketch_dim"));  // only what scrn reads
  const Config back = config_from_json(j);
  EXPECT_EQ(back.train.rho, 3.5);
  EXPECT_EQ(back.train.batch_size, 64);
  EXPECT_FALSE(config_to_json(Config{}).contains("optimizer_params"));  // adam: unchanged output
  nlohmann::json bad = j;
  bad["optimizer_params"]["sketch_dim"] = 10;
  EXPECT_THROW(config_from_json(bad), ArgumentError);
  bad = j;
  bad["optimizer_params"]["rho"] = -1;
  try {
    config_from_json(bad);
    FAIL();
  } catch (const ParameterError& e) {
    EXPECT_NE(std::string(e.what()).find("--rho"), std::string::npos) << e.what();
  }
  TrainOptions o;
  o.sparsity = o.sketch_dim + 1;
  EXPECT_THROW(validate_train_options(o), ParameterError);
}

// Every new optimizer (but the zeroth-order one, see below) within 1 point of
// Adam's test accuracy on Cora and Coauthor CS, SGC's K = 2 features.
struct Case {
  const char* dataset;
  const char* optimizer;
  int epochs;
  int64_t sketch_dim, sparsity, batch_size;
};

class NewOptimizerAccuracy : public ::testing::TestWithParam<Case> {};

struct Prepared {
  Precomputed pre;
  TrainOptions train;  // the data set's preset (Adam)
};
const Prepared& features_of(const std::string& name) {
  static std::map<std::string, Prepared> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  LoadOptions o;
  o.dir = testing::data_dir();
  Dataset d = load_dataset(name, o);
  const Config cfg = preset_for(d, default_operator()).config;
  return cache.emplace(name, Prepared{precompute(std::move(d), cfg), cfg.train}).first->second;
}

TEST_P(NewOptimizerAccuracy, WithinOnePointOfAdam) {
  const Case c = GetParam();
  const Precomputed& pre = features_of(c.dataset).pre;
  const TrainOptions adam = features_of(c.dataset).train;
  const Evaluation base = fit_evaluate(pre, adam);
  TrainOptions opt = adam;
  opt.optimizer = &find_optimizer(c.optimizer);
  opt.epochs = c.epochs;
  if (c.sketch_dim) opt.sketch_dim = c.sketch_dim;
  if (c.sparsity) opt.sparsity = c.sparsity;
  opt.batch_size = c.batch_size;
  const Evaluation got = fit_evaluate(pre, opt);
  std::printf("%s %s: test %.1f (Adam %.1f), train loss %.4f (Adam %.4f)\n", c.dataset, c.optimizer,
              got.test_acc * 100, base.test_acc * 100, got.final_loss, base.final_loss);
  EXPECT_GE(got.test_acc * 100, base.test_acc * 100 - 1.0);
}

INSTANTIATE_TEST_SUITE_P(
    CoraCoauthor, NewOptimizerAccuracy,
    // Cora's d is 10,038, so k = 5120 is a 2x smaller state (k = 4096, 2.5x, ends exactly 1.0 point below
    // Adam: 80.1 against 81.1, too close to the bound to test); Coauthor CS's is 102,090 (k = 8192: 12.5x).
    ::testing::Values(Case{"cora", "sgc-compressed", 200, 5120, 512, 0}, Case{"cora", "scrn", 60, 0, 0, 0},
                      Case{"coauthor_cs", "sgc-compressed", 100, 8192, 1024, 0},
                      Case{"coauthor_cs", "scrn", 60, 0, 0, 0}, Case{"coauthor_cs", "scrn", 60, 0, 0, 150}),
    [](const auto& info) {
      std::string n = std::string(info.param.dataset) + "_" + info.param.optimizer +
                      (info.param.batch_size ? "_batch" : "");
      for (char& ch : n)
        if (ch == '-') ch = '_';
      return n;
    });

// The registry's verifier for optimizers: every one, with its defaults,
// closes most of the gap between the starting loss and L-BFGS's optimum on
// the same convex problem, so a new registry entry is checked without a
// test of its own.
TEST(OptimizerRegistry, EveryOptimizerApproachesTheLbfgsOptimum) {
  const Toy t = toy_with_signal(150, 6, 3, 33, 1.5f);  // overlapping classes
  TrainOptions best;
  best.optimizer = &find_optimizer("lbfgs");
  best.epochs = 500;
  const double optimum = train_softmax(t.x, t.y, 3, best).final_loss;
  Eigen::VectorXf grad;
  const double start = softmax_loss_grad(init_softmax(6, 3, TrainOptions{}.seed), t.x, t.y, grad);
  ASSERT_LT(optimum, start - 0.3);
  for (const OptimizerDef* def : optimizers()) {
    TrainOptions opt;
    use_optimizer(opt, *def);
    opt.epochs = 200;
    const double loss = train_softmax(t.x, t.y, 3, opt).final_loss;
    std::printf("%-15s loss %.4f (start %.4f, L-BFGS optimum %.4f)\n", std::string(def->name).c_str(), loss, start,
                optimum);
    EXPECT_GE(loss, optimum - 1e-4) << def->name << " went below the optimum";
    EXPECT_LT(loss - optimum, 0.1 * (start - optimum)) << def->name;
  }
  // An optimizer's own defaults come with it, and a value given for it wins.
  EXPECT_EQ(config_from_json({{"optimizer", "scrn-zo"}}).train.rho, 1.0);
  EXPECT_EQ(config_from_json({{"optimizer", "scrn"}}).train.rho, TrainOptions{}.rho);
  EXPECT_EQ(config_from_json({{"optimizer", "scrn-zo"}, {"optimizer_params", {{"rho", 0.01}}}}).train.rho, 0.01);
}

// The zeroth-order variant needs about d loss evaluations per useful gradient,
// so it is checked on a small separable problem: it must fit the training set
// as Adam does.
TEST(ScrnZo, FitsASmallProblem) {
  const Toy t = toy_with_signal(120, 6, 3, 21, 3.0f);  // separable classes
  TrainOptions opt;
  use_optimizer(opt, find_optimizer("scrn-zo"));  // rho 1: its curvature is an estimate
  opt.epochs = 60;
  opt.directions = 64;
  opt.cubic_iters = 10;
  const TrainOutcome zo = train_softmax(t.x, t.y, 3, opt);
  TrainOptions adam;
  const TrainOutcome ad = train_softmax(t.x, t.y, 3, adam);
  auto acc = [&](const SoftmaxModel& m) {
    const std::vector<int32_t> p = softmax_predict(m, t.x);
    int ok = 0;
    for (size_t i = 0; i < p.size(); ++i) ok += p[i] == t.y[i];
    return double(ok) / double(p.size());
  };
  std::printf("scrn-zo: loss %.4f acc %.3f; adam: loss %.4f acc %.3f\n", zo.final_loss, acc(zo.model),
              ad.final_loss, acc(ad.model));
  EXPECT_GE(acc(zo.model), acc(ad.model) - 0.02);
  EXPECT_LT(zo.final_loss, 0.5);
}

}  // namespace
}  // namespace sgc
