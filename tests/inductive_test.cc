// The inductive protocol and the Reddit-shaped generator.
#include <gtest/gtest.h>

#include <algorithm>

#include "sgc/data/class_features.h"
#include "sgc/data/feature_norm.h"
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

// precompute's inductive path (one-pass normalisation, the val/test rows
// first from a view of X) is bitwise the protocol run step by step: S_train
// from the induced graph, its hops on the gathered training rows, the
// val/test rows' hops on S; with sorted (powerlaw) and as-given (CSBM) splits.
TEST(Inductive, PrecomputeIsBitwiseTheStepByStepRun) {
  PowerLawOptions po;
  po.nodes = 3000;
  po.avg_degree = 20;
  po.features = 24;
  po.classes = 5;
  CsbmOptions co;
  co.nodes = 500;
  co.val = 100;
  co.test = 150;
  co.train_per_class = 40;
  for (const Dataset& d : {make_powerlaw(po), make_csbm(co)}) {
    Config c;
    c.feature_norm = FeatureNorm::ZScore;
    c.op.k = 2;
    c.protocol = Protocol::Inductive;
    const Precomputed p = precompute(d, c);
    Dataset z = d;
    normalize_features(z, c.feature_norm);
    const CsrMatrix s = normalized_operator(z.adjacency, c.op);
    const CsrMatrix s_train = normalized_operator(induced_subgraph(z.adjacency, z.train), c.op);
    std::vector<int32_t> rest = z.val;
    rest.insert(rest.end(), z.test.begin(), z.test.end());
    const DenseMatrix train_x = apply_operator(s_train, gather_rows(z.dense_features, z.train), c.op);
    const DenseMatrix rest_x = apply_operator(s, z.dense_features, c.op, &rest);
    ASSERT_EQ(p.x.rows(), train_x.rows() + rest_x.rows());
    EXPECT_TRUE((p.x.topRows(train_x.rows()).array() == train_x.array()).all()) << d.name;
    EXPECT_TRUE((p.x.bottomRows(rest_x.rows()).array() == rest_x.array()).all()) << d.name;
  }
}

// The training and evaluation rows are joined by append_rows: above and below
// its parallel threshold, the top rows stay and the bottom ones follow in order.
TEST(Inductive, AppendRowsKeepsTopAndCopiesBottom) {
  for (const int64_t bottom_rows : {3, 2000}) {
    DenseMatrix top = DenseMatrix::NullaryExpr(5, 700, [](Eigen::Index i, Eigen::Index j) { return float(i * 700 + j); });
    const DenseMatrix bottom =
        DenseMatrix::NullaryExpr(bottom_rows, 700, [](Eigen::Index i, Eigen::Index j) { return -float(i * 700 + j); });
    const DenseMatrix before = top;
    append_rows(top, bottom);
    ASSERT_EQ(top.rows(), 5 + bottom_rows);
    EXPECT_TRUE((top.topRows(5).array() == before.array()).all());
    EXPECT_TRUE((top.bottomRows(bottom_rows).array() == bottom.array()).all());
  }
  DenseMatrix narrow(2, 3);
  EXPECT_THROW(append_rows(narrow, DenseMatrix(1, 4)), ArgumentError);
}

TEST(Inductive, InducedSubgraphRejectsBadNodes) {
  const CsrMatrix a = testing::awkward_graph(20, 40, 2, 3);
  EXPECT_THROW(induced_subgraph(a, {1, 2, 1}), ArgumentError);
  EXPECT_THROW(induced_subgraph(a, {1, 25}), ArgumentError);
  const CsrMatrix s = induced_subgraph(a, {5, 3, 9});
  validate_csr(s, "subgraph");
  EXPECT_EQ(s.rows, 3);
}

// S and S_train in one pass: bitwise the two built apart, on a graph with
// self-loops, weights, repeats and isolated nodes, for several self-loop weights.
TEST(Inductive, OnePassNormalisationEqualsTwoSteps) {
  CsrMatrix a = testing::awkward_graph(300, 1500, 7, 9);
  for (size_t p = 0; p < a.values.size(); p += 3) a.values[p] = 0.5f + float(p % 5);  // weights, kept symmetric enough
  std::vector<int32_t> nodes;
  for (int32_t v = 0; v < 300; ++v)
    if (v % 3 != 1) nodes.push_back(v);
  nodes.push_back(299);  // an isolated node in the subgraph
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  for (float g : {1.0f, 0.0f, 2.5f}) {
    const AugNormPair both = aug_norm_adj_with_induced(a, nodes, g);
    const CsrMatrix full = aug_norm_adj(a, g), sub = aug_norm_adj(induced_subgraph(a, nodes), g);
    EXPECT_EQ(both.full.indptr, full.indptr) << g;
    EXPECT_EQ(both.full.indices, full.indices) << g;
    EXPECT_EQ(both.full.values, full.values) << g;
    EXPECT_EQ(both.sub.rows, sub.rows);
    EXPECT_EQ(both.sub.indptr, sub.indptr) << g;
    EXPECT_EQ(both.sub.indices, sub.indices) << g;
    EXPECT_EQ(both.sub.values, sub.values) << g;
  }
  EXPECT_THROW(aug_norm_adj_with_induced(a, {3, 2}, 1.0f), ArgumentError);
  EXPECT_THROW(aug_norm_adj_with_induced(a, {3, 3}, 1.0f), ArgumentError);
  EXPECT_THROW(aug_norm_adj_with_induced(a, {3, 300}, 1.0f), ArgumentError);
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

// The graph is built straight into CSR form: it must be the graph of the
// edges the generator draws, both ways, one entry per pair (what
// csr_from_triplets makes of the edge list), for any thread count.
TEST(PowerLaw, AdjacencyIsTheDrawnEdgesGraph) {
  PowerLawOptions o;
  o.nodes = 5000;
  o.avg_degree = 60;
  o.features = 4;
  o.classes = 5;
  o.homophily = 0.8;
  o.seed = 3;
  const PowerLawGraph g(o);
  std::vector<Triplet> t;
  std::vector<int32_t> ends;
  for (int64_t i = 0; i < o.nodes; ++i) {
    ends.clear();
    g.edges_from(i, ends);
    EXPECT_EQ(int64_t(ends.size()), g.edges_started(i));
    for (int32_t j : ends) {
      t.push_back({int32_t(i), j, 1.0f});
      t.push_back({j, int32_t(i), 1.0f});
    }
  }
  const CsrMatrix want = csr_from_triplets(o.nodes, o.nodes, std::move(t), /*combine_max=*/true);
  const int threads_before = num_threads();
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    const Dataset d = make_powerlaw(o);
    EXPECT_EQ(d.adjacency.indptr, want.indptr) << threads << " threads";
    EXPECT_EQ(d.adjacency.indices, want.indices) << threads << " threads";
    EXPECT_EQ(d.adjacency.values, want.values) << threads << " threads";
  }
  set_num_threads(threads_before);
}

// The ziggurat's values are N(0, 1): moments and the mass of a few intervals
// (the base layer's tail beyond 3.44 included) within a few standard errors.
TEST(PowerLaw, ZigguratIsStandardNormal) {
  Rng rng(17);
  const int n = 2000000;
  double sum = 0, sq = 0, quad = 0;
  int64_t in1 = 0, in2 = 0, beyond3 = 0, beyond_r = 0;
  for (int k = 0; k < n; ++k) {
    const double z = ziggurat_normal(rng);
    sum += z, sq += z * z, quad += z * z * z * z;
    in1 += std::abs(z) < 1, in2 += std::abs(z) < 2, beyond3 += std::abs(z) > 3, beyond_r += std::abs(z) > 3.442619855899;
  }
  EXPECT_NEAR(sum / n, 0.0, 5 / std::sqrt(double(n)));
  EXPECT_NEAR(sq / n, 1.0, 5 * std::sqrt(2.0 / n));
  EXPECT_NEAR(quad / n, 3.0, 5 * std::sqrt(96.0 / n));
  auto near = [&](int64_t count, double p) {
    EXPECT_NEAR(double(count) / n, p, 5 * std::sqrt(p * (1 - p) / n)) << "P = " << p;
  };
  near(in1, 0.682689492137086);
  near(in2, 0.954499736103642);
  near(beyond3, 0.002699796063260);
  near(beyond_r, 0.000576108512392);  // erfc(3.4426 / sqrt 2)
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
