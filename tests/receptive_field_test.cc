// Rows of a series operator on their receptive field (ops/receptive_field.h):
// they equal the same rows of the whole operator for every series operator,
// dense or sparse features, whole or in column blocks; the hop buffers hold
// only the nodes within reach; too wide a field and bad input are refused.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "sgc/error.h"
#include "sgc/graph/normalize.h"
#include "sgc/ops/operator.h"
#include "sgc/ops/out_of_core.h"
#include "sgc/ops/receptive_field.h"
#include "sgc/random.h"
#include "test_util.h"

namespace sgc {
namespace {

// n x d features with about `density` of the entries non-zero.
CsrMatrix sparse_features(int64_t n, int64_t d, double density, uint64_t seed) {
  Rng rng(seed);
  std::vector<Triplet> t;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j)
      if (rng.uniform() < density) t.push_back({int32_t(i), int32_t(j), float(rng.uniform())});
  return csr_from_triplets(n, d, std::move(t), false);
}

// A sparse graph (mean degree ~1.5 plus self-loops), so fields stay small.
CsrMatrix sparse_graph_operator(const OperatorSpec& spec) {
  return normalized_operator(testing::awkward_graph(20000, 15000, 50, 11), spec);
}

const std::vector<int32_t> kRows{5, 17, 17, 19999, 300, 5, 1024, 42};  // repeats, an isolated node

TEST(ReceptiveField, RowsEqualTheWholeOperatorForEverySeriesOperator) {
  const CsrMatrix x_sparse = sparse_features(20000, 40, 0.05, 3);
  const DenseMatrix x_dense = testing::random_dense(20000, 40, 4);
  const std::vector<std::pair<std::string, int>> ops{{"sgc", 1}, {"sgc", 2}, {"sgc", 3}, {"ssgc", 3},
                                                     {"ppr", 2}, {"heat", 2}, {"poly", 3}, {"dgc", 4}};
  for (const auto& [name, k] : ops) {
    OperatorSpec spec = testing::operator_spec(name, k);
    if (name == "ppr") spec.tol = 0.05;  // 14 hops: a field, not the giant component
    const CsrMatrix s = sparse_graph_operator(spec);
    const HopPlan plan = hop_plan(spec);
    ASSERT_EQ(plan.kind, HopPlan::Kind::Series) << name;
    const std::optional<ReceptiveField> field = ReceptiveField::of(s, kRows, plan.weights, s.rows);
    ASSERT_TRUE(field) << name;
    EXPECT_EQ(field->rows(), int64_t(kRows.size()));
    EXPECT_EQ(field->hops(), int(plan.weights.size()) - 1);
    EXPECT_EQ(field->first_hop()->rows, field->widest());
    EXPECT_LT(field->widest(), field->hops() <= 2 ? s.rows / 4 : s.rows) << name << ": 7 nodes on a sparse graph";

    const DenseMatrix want_sparse = run_operator(s, FeatureInput(x_sparse), spec, &kRows).features;
    const DenseMatrix got_sparse = field->run(FeatureInput(x_sparse));
    ASSERT_EQ(got_sparse.rows(), want_sparse.rows());
    ASSERT_EQ(got_sparse.cols(), want_sparse.cols());
    EXPECT_LE(testing::max_error_vs_scale(got_sparse, want_sparse), 1e-6) << name << " k " << k << " sparse";

    const DenseMatrix want_dense = run_operator(s, FeatureInput(view_of(x_dense)), spec, &kRows).features;
    const DenseMatrix got_dense = field->run(FeatureInput(view_of(x_dense)));
    EXPECT_LE(testing::max_error_vs_scale(got_dense, want_dense), 1e-6) << name << " k " << k << " dense";
    // SGC: each row's sum over the renumbered S is formed in S's order.
    if (name == "sgc") EXPECT_TRUE(got_dense == want_dense) << "k " << k;
  }
}

TEST(ReceptiveField, ColumnBlocksEqualTheWholeRun) {
  const OperatorSpec spec = testing::operator_spec("ssgc", 3);
  const CsrMatrix s = sparse_graph_operator(spec);
  const std::optional<ReceptiveField> field = ReceptiveField::of(s, kRows, hop_plan(spec).weights, s.rows);
  ASSERT_TRUE(field);
  for (const double density : {0.02, 0.6}) {  // sparse blocks, and blocks worth densifying
    const CsrMatrix x = sparse_features(20000, 70, density, 5);
    const DenseMatrix whole = field->run(FeatureInput(x));
    BlockedRun info;
    const DenseMatrix blocked = field->run_blocked(ColumnSource(x), 16, &info);
    EXPECT_EQ(info.blocks, 5);
    EXPECT_EQ(info.block_cols, 16);
    EXPECT_LE(testing::max_error_vs_scale(blocked, whole), 1e-6) << density;
    EXPECT_GT(whole.cwiseAbs().maxCoeff(), 0.0f);
  }
}

TEST(ReceptiveField, HopBuffersHoldOnlyTheNodesWithinReach) {
  // A path 0 - 1 - ... - 99: the nodes within m hops of node 50 are 2m + 1.
  std::vector<Triplet> t;
  for (int32_t i = 0; i + 1 < 100; ++i) t.push_back({i, i + 1, 1.0f}), t.push_back({i + 1, i, 1.0f});
  const CsrMatrix s = normalized_operator(csr_from_triplets(100, 100, std::move(t), false), testing::operator_spec("sgc"));
  for (int k = 1; k <= 5; ++k) {
    std::vector<double> e_k(size_t(k) + 1, 0.0);
    e_k.back() = 1.0;
    const std::optional<ReceptiveField> field = ReceptiveField::of(s, {50}, e_k, 100);
    ASSERT_TRUE(field);
    EXPECT_EQ(field->widest(), k == 1 ? 1 : 2 * (k - 1) + 1) << k;
    EXPECT_EQ(field->first_hop()->rows, field->widest());
    // One node fewer than the widest buffer needs: not worth a field.
    if (k > 1) EXPECT_FALSE(ReceptiveField::of(s, {50}, e_k, field->widest() - 1)) << k;
  }
  // A long series on a field of 11 nodes would copy their rows of S 30
  // times, more entries than S has: refused.
  std::vector<double> long_series(31, 1.0 / 31);
  EXPECT_FALSE(ReceptiveField::of(s, {50}, std::vector<double>(long_series), 100));
  // On a path of 10,000 nodes the same series is worth its field.
  {
    std::vector<Triplet> t2;
    for (int32_t i = 0; i + 1 < 10000; ++i) t2.push_back({i, i + 1, 1.0f}), t2.push_back({i + 1, i, 1.0f});
    const CsrMatrix long_path =
        normalized_operator(csr_from_triplets(10000, 10000, std::move(t2), false), testing::operator_spec("sgc"));
    const std::optional<ReceptiveField> f = ReceptiveField::of(long_path, {5000}, long_series, 10000);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->widest(), 59);
  }
  // No hops: the rows themselves, scaled.
  const std::optional<ReceptiveField> none = ReceptiveField::of(s, {3, 3, 7}, {0.5}, 100);
  ASSERT_TRUE(none);
  EXPECT_EQ(none->first_hop(), nullptr);
  const DenseMatrix x = testing::random_dense(100, 3, 8);
  const DenseMatrix y = none->run(FeatureInput(view_of(x)));
  ASSERT_EQ(y.rows(), 3);
  EXPECT_FLOAT_EQ(y(0, 1), 0.5f * x(3, 1));
  EXPECT_FLOAT_EQ(y(2, 2), 0.5f * x(7, 2));
}

TEST(ReceptiveField, RefusesBadInput) {
  const OperatorSpec spec = testing::operator_spec("sgc");
  const CsrMatrix s = sparse_graph_operator(spec);
  EXPECT_THROW(ReceptiveField::of(s, {0, 20000}, {0, 0, 1}, s.rows), ArgumentError);
  EXPECT_THROW(ReceptiveField::of(s, {-1}, {0, 0, 1}, s.rows), ArgumentError);
  EXPECT_THROW(ReceptiveField::of(s, {0}, {}, s.rows), ArgumentError);
  const std::optional<ReceptiveField> field = ReceptiveField::of(s, {0, 1}, {0, 0, 1}, s.rows);
  ASSERT_TRUE(field);
  EXPECT_THROW(field->run(FeatureInput(testing::random_dense(1999, 4, 1))), ArgumentError);
  // Overflow is an error, not a result.
  const std::optional<ReceptiveField> huge = ReceptiveField::of(s, {0, 1}, {0, 0, 1e30}, s.rows);
  ASSERT_TRUE(huge);
  const DenseMatrix big = DenseMatrix::Constant(s.rows, 2, 1e30f);
  try {
    huge->run(FeatureInput(view_of(big)));
    ADD_FAILURE() << "no error on overflow";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not finite"), std::string::npos) << e.what();
  }
}

TEST(ReceptiveField, LeanRunsUseItOnlyForFp32SeriesOnSmallFields) {
  const CsrMatrix s = sparse_graph_operator(testing::operator_spec("sgc"));
  EXPECT_TRUE(lean_receptive_field(s, testing::operator_spec("sgc", 2), kRows));
  EXPECT_TRUE(lean_receptive_field(s, testing::operator_spec("ssgc", 3), kRows));
  OperatorSpec bf16 = testing::operator_spec("sgc", 2);
  bf16.precision = Precision::Bf16;
  EXPECT_FALSE(lean_receptive_field(s, bf16, kRows)) << "16-bit hops run as asked";
  EXPECT_FALSE(lean_receptive_field(s, testing::operator_spec("dgc_naive", 3), kRows)) << "Euler steps";
  // Every node asked for: the field is the whole graph.
  std::vector<int32_t> all(size_t(s.rows));
  for (int32_t i = 0; i < int32_t(s.rows); ++i) all[size_t(i)] = i;
  EXPECT_FALSE(lean_receptive_field(s, testing::operator_spec("sgc", 2), all));
}

}  // namespace
}  // namespace sgc
