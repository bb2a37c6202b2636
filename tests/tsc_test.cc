// TSC: the tiled contrastive loss against the dense formula, the powers path
// against the steps path, the expected operator against sampled masks, the
// whole gradient against finite differences, and accuracy on Cora.
#include <gtest/gtest.h>

#include <cmath>

#include "sgc/graph/normalize.h"
#include "sgc/io/planetoid.h"
#include "sgc/model/contrastive.h"
#include "sgc/model/model.h"
#include "sgc/model/tsc_model.h"
#include "sgc/model/tsc_steps.h"
#include "sgc/ops/spmm.h"
#include "sgc/presets.h"
#include "test_util.h"

namespace sgc {
namespace {

// A random symmetric graph's S = D~^-1/2 (A + I) D~^-1/2.
CsrMatrix random_operator(int64_t n, int edges_per_node, uint64_t seed) {
  Rng rng(seed);
  std::vector<Triplet> t;
  for (int64_t i = 0; i < n; ++i)
    for (int e = 0; e < edges_per_node; ++e) {
      const int32_t j = int32_t(rng.below(uint64_t(n)));
      if (j == i) continue;
      t.push_back({int32_t(i), j, 1.0f});
      t.push_back({j, int32_t(i), 1.0f});
    }
  return aug_norm_adj(csr_from_triplets(n, n, std::move(t), true));
}

CsrMatrix random_features(int64_t n, int64_t f, uint64_t seed) {
  Rng rng(seed);
  std::vector<Triplet> t;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < f; ++k)
      if (rng.uniform() < 0.4) t.push_back({int32_t(i), int32_t(k), float(rng.uniform())});
  return csr_from_triplets(n, f, std::move(t), true);
}

double max_abs_diff(const DenseMatrix& a, const DenseMatrix& b) { return (a - b).cwiseAbs().maxCoeff(); }

TEST(TscContrastive, TiledEqualsDenseFormula) {
  const DenseMatrix z1 = testing::random_normal(53, 9, 1), z2 = testing::random_normal(53, 9, 2);
  for (double tau : {0.1, 0.6}) {
    const ContrastiveResult ref = contrastive_dense_reference(z1, z2, tau);
    for (int64_t block : {1, 7, 53, 0}) {
      const ContrastiveResult got = contrastive_exact(z1, z2, tau, block);
      EXPECT_NEAR(got.loss, ref.loss, 1e-5 * std::abs(ref.loss)) << "tau " << tau << " block " << block;
      const double scale = ref.grad1.cwiseAbs().maxCoeff();
      EXPECT_LT(max_abs_diff(got.grad1, ref.grad1), 1e-4 * scale);
      EXPECT_LT(max_abs_diff(got.grad2, ref.grad2), 1e-4 * scale);
    }
  }
}

// The gradient of the sampled loss (fixed seed) against central differences.
TEST(TscContrastive, SampledGradientMatchesFiniteDifferences) {
  DenseMatrix z1 = testing::random_normal(20, 5, 3), z2 = testing::random_normal(20, 5, 4);
  const double tau = 0.5;
  const ContrastiveResult c = contrastive_sampled(z1, z2, tau, 6, 11);
  const float eps = 1e-2f;
  for (int which = 0; which < 2; ++which)
    for (Eigen::Index i = 0; i < 20; i += 3)
      for (Eigen::Index k = 0; k < 5; k += 2) {
        DenseMatrix& z = which == 0 ? z1 : z2;
        const float keep = z(i, k);
        z(i, k) = keep + eps;
        const double up = contrastive_sampled(z1, z2, tau, 6, 11).loss;
        z(i, k) = keep - eps;
        const double down = contrastive_sampled(z1, z2, tau, 6, 11).loss;
        z(i, k) = keep;
        const double fd = (up - down) / (2 * eps);
        const double an = which == 0 ? c.grad1(i, k) : c.grad2(i, k);
        EXPECT_NEAR(an, fd, 2e-3 + 2e-2 * std::abs(fd)) << which << " " << i << " " << k;
      }
  // Every node a negative once the sample is large: the estimate nears the exact loss.
  const double exact = contrastive_exact(z1, z2, tau).loss;
  double mean = 0;
  for (uint64_t s = 0; s < 200; ++s) mean += contrastive_sampled(z1, z2, tau, 8, s).loss / 200;
  EXPECT_NEAR(mean, exact, 0.05 * std::abs(exact));
}

TEST(TscSteps, PowersPathEqualsStepsPath) {
  const int64_t n = 40, f = 7, hidden = 6;
  const int layers = 9;
  const CsrMatrix s = random_operator(n, 3, 5);
  const CsrMatrix x = random_features(n, f, 6);
  DenseMatrix xt = DenseMatrix::Zero(n, f + 1);  // X~ = [X, 1]
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t e = x.indptr[r]; e < x.indptr[r + 1]; ++e) xt(r, x.indices[e]) = x.values[e];
    xt(r, f) = 1;
  }
  const DenseMatrix w = testing::random_normal(f + 1, hidden, 7);
  Rng rng(8);
  const TscMasks masks = draw_tsc_masks(layers, int(hidden), 0.9, rng);
  std::vector<bool> keep(layers + 1, false);
  for (int i : {0, 1, 4, 5, 9}) keep[i] = true;

  DenseMatrix h = xt * w;
  std::vector<DenseMatrix> by_steps, by_powers, powers{xt};
  tsc_forward_steps(s, masks, h, keep, by_steps);
  for (int c = 1; c <= layers; ++c) {
    DenseMatrix next;
    spmm(s, powers.back(), next);
    powers.push_back(next);
  }
  const auto counts = tsc_counts(masks, int(hidden));
  tsc_forward_powers(powers, counts, w, keep, by_powers);
  for (int i = 0; i <= layers; ++i) {
    if (!keep[i]) continue;
    EXPECT_LT(max_abs_diff(by_steps[i], by_powers[i]), 1e-4 * by_steps[i].cwiseAbs().maxCoeff()) << "H_" << i;
  }
  EXPECT_LT(max_abs_diff(h, by_steps[layers]), 1e-6);

  // Backward: gradients on H_9, H_4 and H_1.
  std::vector<DenseMatrix> grads(layers + 1);
  grads[layers] = testing::random_normal(n, hidden, 9);
  grads[4] = testing::random_normal(n, hidden, 10);
  grads[1] = testing::random_normal(n, hidden, 11);
  DenseMatrix dw_powers;
  tsc_backward_powers(powers, counts, grads, dw_powers);
  DenseMatrix dh0;
  tsc_backward_steps(s, masks, grads, dh0);
  const DenseMatrix dw_steps = xt.transpose() * dh0;
  EXPECT_LT(max_abs_diff(dw_steps, dw_powers), 1e-4 * dw_steps.cwiseAbs().maxCoeff());

  // The cost model counts both paths.
  const TscPathCosts cost = tsc_path_costs(s, x, masks, keep);
  EXPECT_GT(cost.steps, 0);
  EXPECT_GT(cost.powers, 0);
}

TEST(TscSteps, ExpectedOperatorIsTheMeanOverMasks) {
  const int64_t n = 25, hidden = 4;
  const int layers = 7;
  const CsrMatrix s = random_operator(n, 2, 12);
  const DenseMatrix h0 = testing::random_normal(n, hidden, 13);
  DenseMatrix expected = h0;
  tsc_expected(s, layers, 2.0, expected);
  DenseMatrix mean = DenseMatrix::Zero(n, hidden);
  Rng rng(14);
  const int draws = 1500;
  for (int d = 0; d < draws; ++d) {
    DenseMatrix h = h0;
    std::vector<DenseMatrix> unused;
    tsc_forward_steps(s, draw_tsc_masks(layers, int(hidden), 2.0, rng), h, {}, unused);
    mean += h / float(draws);
  }
  EXPECT_LT(max_abs_diff(mean, expected), 0.05 * h0.cwiseAbs().maxCoeff());
  // Aggregated at every step (lambda so large that p_l >= 1) the expectation is S^L.
  DenseMatrix all = h0, power = h0, next;
  tsc_expected(s, 2, 0.5, all);
  for (int i = 0; i < 2; ++i) spmm(s, power, next), power = next;
  EXPECT_LT(max_abs_diff(all, power), 1e-6);
}

TEST(TscModel, GradientMatchesFiniteDifferences) {
  for (int encoder_layers : {1, 2}) {
    TscProblem p;
    const int64_t n = 30;
    p.s = random_operator(n, 3, 15);
    p.x = random_features(n, 6, 16);
    p.xt = csr_transpose(p.x);
    for (int32_t i = 0; i < n; ++i) p.labels.push_back(i % 3);
    p.train = {0, 1, 2, 3, 4, 5, 6, 7};
    p.shape = {6, 5, 3, encoder_layers};
    ModelParams mp;
    mp.tau = 0.5, mp.contrast_k = 1, mp.contrast_weight = 0.7;
    Rng rng(17);
    const TscMasks masks = draw_tsc_masks(5, 5, 0.5, rng);
    Eigen::VectorXf theta(p.shape.size());
    for (Eigen::Index i = 0; i < theta.size(); ++i) theta[i] = float(rng.uniform(-0.5, 0.5));
    Eigen::VectorXf grad, unused;
    tsc_loss_grad(p, mp, masks, theta, grad, 3);
    const float eps = 1e-2f;
    for (Eigen::Index i = 0; i < theta.size(); i += 3) {
      const float keep = theta[i];
      theta[i] = keep + eps;
      const double up = tsc_loss_grad(p, mp, masks, theta, unused, 3);
      theta[i] = keep - eps;
      const double down = tsc_loss_grad(p, mp, masks, theta, unused, 3);
      theta[i] = keep;
      const double fd = (up - down) / (2 * eps);
      EXPECT_NEAR(grad[i], fd, 3e-3 + 3e-2 * std::abs(fd)) << "layers " << encoder_layers << " coordinate " << i;
    }
  }
}

Dataset cora() {
  Dataset d = load_planetoid(testing::planetoid_dir(), "cora");
  d.family = "planetoid";  // what load_dataset sets; presets are keyed on it
  return d;
}

// Mean validation-selected test accuracy of `seeds` seeds.
double mean_accuracy(const Dataset& d, Config c, int seeds) {
  double sum = 0;
  for (int s = 0; s < seeds; ++s) {
    c.train.seed = uint64_t(s);
    auto m = make_model(c);
    m->prepare(d, c);
    sum += m->fit(c).test_acc;
  }
  return sum / seeds;
}

// Deep TSC holds its accuracy where plain SGC collapses. Cheaper than the
// authors' setting: contrastive steps 1, 4, 16 with 64 sampled negatives
// instead of every step with all nodes, and 2 seeds (about 40 s of CPU). Over
// seeds 0-9 this configuration gave 82.3 +- 0.5 at L = 32, 81.9 at L = 4 and
// SGC 75.4 at K = 32 (docs/oversmoothing.md); seeds 0 / 1 give 82.5 / 82.7 at
// L = 32 and 81.4 / 83.1 at L = 4. The floor is below the 83.0 the contrastive
// term at every step reaches (83.2 over seeds 0-2), which costs 9x more.
TEST(TscModel, DeepPropagationKeepsCoraAccuracy) {
  const Dataset cora = sgc::cora();
  Config tsc = preset_for(cora, default_operator(), find_model("tsc")).config;
  tsc.model_params.contrast_k = 4;
  tsc.model_params.negatives = 64;
  tsc.op.k = 32;
  const double deep = mean_accuracy(cora, tsc, 2);
  tsc.op.k = 4;
  const double shallow = mean_accuracy(cora, tsc, 2);
  Config sgc = preset_for(cora, default_operator()).config;
  sgc.op.k = 32;
  const double sgc_deep = mean_accuracy(cora, sgc, 1);
  std::printf("cora: tsc L=32 %.4f, L=4 %.4f; sgc K=32 %.4f\n", deep, shallow, sgc_deep);
  EXPECT_GE(deep, 0.815);
  EXPECT_GE(deep, shallow - 0.02);
  EXPECT_GT(deep - sgc_deep, 0.05);
}

TEST(TscModel, SameSeedSameResultAndFlagsChecked) {
  const Dataset cora = sgc::cora();
  Config c = preset_for(cora, default_operator(), find_model("tsc")).config;
  c.op.k = 8, c.train.epochs = 5, c.model_params.negatives = 32;
  auto a = make_model(c), b = make_model(c);
  a->prepare(cora, c);
  b->prepare(cora, c);
  const Evaluation ea = a->fit(c), eb = b->fit(c);
  EXPECT_EQ(ea.test_acc, eb.test_acc);
  EXPECT_EQ(ea.final_loss, eb.final_loss);
  Config bad = c;
  bad.op = preset_for(cora, find_operator("ssgc")).config.op;
  EXPECT_THROW(validate_config(bad), ArgumentError);
  bad = c;
  bad.train.optimizer = &find_optimizer("lbfgs");
  EXPECT_THROW(validate_config(bad), ArgumentError);
}

}  // namespace
}  // namespace sgc
