// The inductive protocol and the Reddit-shaped generator.
#include <gtest/gtest.h>

#include "sgc/data/powerlaw.h"
#include "sgc/data/synthetic.h"
#include "sgc/error.h"
#include "sgc/graph/normalize.h"
#include "sgc/graph/subgraph.h"
#include "sgc/model/linear_model.h"
#include "sgc/util/threads.h"
#include "test_util.h"

namespace sgc {
namespace {

// S = (D+I)^-1/2 (A+I) (D+I)^-1/2 in double.
DenseMatrixD aug_norm(const DenseMatrixD& a) {
  const DenseMatrixD ai = a + DenseMatrixD::Identity(a.rows(), a.cols());
  const Eigen::VectorXd s = ai.rowwise().sum().array().rsqrt();
  return s.asDiagonal() * ai * s.asDiagonal();
}

TEST(Inductive, EqualsHandBuiltProtocol) {
  CsbmOptions o;
  o.nodes = 400;
  o.val = 80;
  o.test = 120;
  o.train_per_class = 30;
  const Dataset d = make_csbm(o);
  const int k = 2;
  Config c;
  c.feature_norm = FeatureNorm::ZScore;
  c.op.def = &find_operator("sgc");
  c.op.k = k;
  c.protocol = Protocol::Inductive;
  const Precomputed p = precompute(d, c);

  // By hand: z-score over all nodes (zscore_columns, tested on its own; the
  // graph part is redone here in double), A_train = A[train, train], each
  // graph normalised on its own.
  DenseMatrix xz = d.dense_features;
  zscore_columns(xz);
  const DenseMatrixD x = xz.cast<double>();
  const DenseMatrixD a = testing::dense_of(d.adjacency);
  DenseMatrixD a_train(d.train.size(), d.train.size()), x_train(d.train.size(), x.cols());
  for (size_t r = 0; r < d.train.size(); ++r) {
    x_train.row(r) = x.row(d.train[r]);
    for (size_t c = 0; c < d.train.size(); ++c) a_train(r, c) = a(d.train[r], d.train[c]);
  }
  DenseMatrixD f_train = x_train, f_full = x;
  const DenseMatrixD s_train = aug_norm(a_train), s_full = aug_norm(a);
  for (int h = 0; h < k; ++h) f_train = s_train * f_train, f_full = s_full * f_full;

  ASSERT_EQ(p.x.rows(), Eigen::Index(d.train.size() + d.val.size() + d.test.size()));
  // Mixed-sign (z-scored) data: errors measured against the scale of each block.
  EXPECT_LT(testing::max_error_vs_scale(DenseMatrix(p.train_x()), f_train), 1e-6);
  DenseMatrixD want_val(d.val.size(), x.cols()), want_test(d.test.size(), x.cols());
  for (size_t r = 0; r < d.val.size(); ++r) want_val.row(r) = f_full.row(d.val[r]);
  for (size_t r = 0; r < d.test.size(); ++r) want_test.row(r) = f_full.row(d.test[r]);
  EXPECT_LT(testing::max_error_vs_scale(DenseMatrix(p.val_x()), want_val), 1e-6);
  EXPECT_LT(testing::max_error_vs_scale(DenseMatrix(p.test_x()), want_test), 1e-6);
  // And it differs from the transductive features of the training rows.
  c.protocol = Protocol::Transductive;
  const Precomputed t = precompute(d, c);
  EXPECT_GT((DenseMatrix(t.train_x()) - DenseMatrix(p.train_x())).cwiseAbs().maxCoeff(), 1e-3);
}

TEST(Inductive, InducedSubgraphRejectsBadNodes) {
  const CsrMatrix a = testing::awkward_graph(20, 40, 2, 3);
  EXPECT_THROW(induced_subgraph(a, {1, 2, 1}), ArgumentError);
  EXPECT_THROW(induced_subgraph(a, {1, 25}), ArgumentError);
  const CsrMatrix s = induced_subgraph(a, {5, 3, 9});
  validate_csr(s, "subgraph");
  EXPECT_EQ(s.rows, 3);
}

TEST(PowerLaw, HeavyTailSymmetricDeterministic) {
  PowerLawOptions o;
  o.nodes = 20000;
  o.avg_degree = 30;
  o.features = 16;
  o.classes = 8;
  const int threads_before = num_threads();
  set_num_threads(1);
  const Dataset a = make_powerlaw(o);
  set_num_threads(2);
  const Dataset b = make_powerlaw(o);
  set_num_threads(threads_before);
  EXPECT_EQ(a.adjacency.indptr, b.adjacency.indptr);
  EXPECT_EQ(a.adjacency.indices, b.adjacency.indices);
  EXPECT_TRUE((a.dense_features.array() == b.dense_features.array()).all());
  validate_dataset(a, "powerlaw");
  int64_t max_deg = 0;
  for (int64_t i = 0; i < a.num_nodes(); ++i) max_deg = std::max(max_deg, a.adjacency.indptr[i + 1] - a.adjacency.indptr[i]);
  const double mean_deg = double(a.adjacency.nnz()) / a.num_nodes();
  EXPECT_NEAR(mean_deg, o.avg_degree, 0.25 * o.avg_degree);
  EXPECT_GT(max_deg, 20 * mean_deg) << "degree tail is not heavy";
  EXPECT_NEAR(double(a.train.size()) / a.num_nodes(), 0.66, 0.01);
  EXPECT_NEAR(double(a.val.size()) / a.num_nodes(), 0.10, 0.01);
}

TEST(PowerLaw, PropagationBeatsRawFeatures) {
  PowerLawOptions o;
  o.nodes = 6000;
  o.avg_degree = 40;
  o.features = 64;
  o.classes = 10;
  TrainOptions opt;
  opt.optimizer = &find_optimizer("lbfgs");
  opt.epochs = 30;
  const Dataset d = make_powerlaw(o);
  Config c;
  c.feature_norm = FeatureNorm::ZScore;
  c.op.k = 0;
  const double k0 = fit_evaluate(precompute(d, c), opt).test_acc;
  c.op.k = 2;
  const double k2 = fit_evaluate(precompute(d, c), opt).test_acc;
  EXPECT_GT(k2, k0 + 0.1) << "K=0 " << k0 << " K=2 " << k2;
}

}  // namespace
}  // namespace sgc
