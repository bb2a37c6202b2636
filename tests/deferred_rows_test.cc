// Deferred last hops (ops/propagate_stored.h DeferredRows): rows of S^K X
// computed a block at a time when read are bit for bit the rows the whole
// product gives, the operators that cannot defer still return every row, and
// the linear model's accuracy does not move when its test rows are deferred.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "sgc/graph/normalize.h"
#include "sgc/io/planetoid.h"
#include "sgc/model/linear_model.h"
#include "sgc/ops/operator.h"
#include "sgc/ops/propagate.h"
#include "sgc/ops/propagate_stored.h"
#include "sgc/presets.h"
#include "test_util.h"

namespace sgc {
namespace {

// Deferral is a size policy (64 MiB of rows); the graphs here are small, so
// the tests lower it and put it back.
struct DeferEverything {
  int64_t saved = deferred_rows_min_bytes();
  DeferEverything() { set_deferred_rows_min_bytes(0); }
  ~DeferEverything() { set_deferred_rows_min_bytes(saved); }
};

// A sparse n x d matrix with `per_row` entries in each row (distinct columns).
CsrMatrix sparse_features(int64_t n, int64_t d, int per_row, uint64_t seed) {
  const DenseMatrix v = testing::random_dense(n, per_row, seed);
  std::vector<Triplet> t;
  uint64_t h = seed * 0x9e3779b97f4a7c15ull + 7;
  for (int64_t i = 0; i < n; ++i)
    for (int e = 0; e < per_row; ++e) {
      h ^= h << 13;
      h ^= h >> 7;
      h ^= h << 17;
      t.push_back({int32_t(i), int32_t(h % uint64_t(d)), v(i, e)});
    }
  return csr_from_triplets(n, d, std::move(t), false);
}

bool same_bits(const DenseMatrix& a, const DenseMatrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::equal(a.data(), a.data() + a.size(), b.data());
}

TEST(PropagateDeferred, RowsComputedWhenReadEqualTheWholeProductBitForBit) {
  DeferEverything defer;
  const CsrMatrix s = aug_norm_adj(testing::awkward_graph(600, 1800, 17, 5));
  // Wide and sparse, as bag-of-words features are: S^2 X is still sparse.
  const CsrMatrix x = sparse_features(600, 2000, 2, 21);
  std::vector<int32_t> rows(600);
  std::iota(rows.begin(), rows.end(), 0);
  std::reverse(rows.begin(), rows.begin() + 200);  // any order, as a split lists them
  rows.erase(rows.begin() + 500, rows.begin() + 530);
  const int64_t defer_from = 37;
  for (int k : {1, 2, 3}) {
    const DenseMatrix whole = propagate_stored(s, &x, std::nullopt, k, &rows, Precision::Fp32);
    const DenseMatrix dense = propagate(s, to_dense(x), k);  // the dense path, another summation order
    const SplitFeatures split =
        propagate_stored_split(s, &x, std::nullopt, k, rows, defer_from, Precision::Fp32, "sgc test");
    ASSERT_TRUE(split.tail) << "K = " << k << ": a sparse S^(K-1) X should be kept";
    ASSERT_EQ(split.head.rows(), defer_from);
    ASSERT_EQ(split.tail->rows(), int64_t(rows.size()) - defer_from);
    ASSERT_EQ(split.tail->cols(), x.cols);
    EXPECT_TRUE(same_bits(split.head, DenseMatrix(whole.topRows(defer_from)))) << "K = " << k;
    // Blocks of an odd size, the last one short.
    const int64_t m = split.tail->rows();
    DenseMatrix block;
    for (int64_t r0 = 0; r0 < m; r0 += 101) {
      const int64_t r1 = std::min(m, r0 + 101);
      split.tail->compute(r0, r1, block);
      ASSERT_TRUE(same_bits(block, DenseMatrix(whole.middleRows(defer_from + r0, r1 - r0))))
          << "K = " << k << " rows " << r0 << ".." << r1;
      for (int64_t r = r0; r < r1; ++r)
        ASSERT_LT((block.row(r - r0) - dense.row(rows[size_t(defer_from + r)])).cwiseAbs().maxCoeff(),
                  1e-6 * (1 + dense.cwiseAbs().maxCoeff()))
            << "K = " << k << " against the dense path";
    }
    split.tail->compute(m, m, block);
    EXPECT_EQ(block.rows(), 0);
    EXPECT_THROW(split.tail->compute(0, m + 1, block), ArgumentError);
    EXPECT_THROW(split.tail->compute(5, 4, block), ArgumentError);
  }
}

TEST(PropagateDeferred, EveryRowIsComputedWhenDeferringDoesNotPay) {
  const CsrMatrix s = aug_norm_adj(testing::awkward_graph(400, 1200, 3, 6));
  const CsrMatrix x = sparse_features(400, 300, 2, 4);
  std::vector<int32_t> rows(400);
  std::iota(rows.begin(), rows.end(), 0);
  const DenseMatrix whole = propagate_stored(s, &x, std::nullopt, 2, &rows, Precision::Fp32);
  // The default threshold: 300 columns of 390 rows are far below 64 MiB.
  SplitFeatures split = propagate_stored_split(s, &x, std::nullopt, 2, rows, 10, Precision::Fp32, "sgc");
  EXPECT_FALSE(split.tail);
  EXPECT_TRUE(same_bits(split.head, whole));
  DeferEverything defer;
  // K = 0 has no last hop; dense X has no sparse state to keep.
  split = propagate_stored_split(s, &x, std::nullopt, 0, rows, 10, Precision::Fp32, "sgc");
  EXPECT_FALSE(split.tail);
  EXPECT_EQ(split.head.rows(), 400);
  const DenseMatrix xd = to_dense(x);
  split = propagate_stored_split(s, nullptr, view_of(xd), 2, rows, 10, Precision::Fp32, "sgc");
  EXPECT_FALSE(split.tail);
  EXPECT_LT((split.head - whole).cwiseAbs().maxCoeff(), 1e-6);
  // Dense-ish features: S X is kept dense, so the last hop is not deferred.
  const CsrMatrix busy = sparse_features(400, 30, 12, 8);
  split = propagate_stored_split(s, &busy, std::nullopt, 2, rows, 10, Precision::Fp32, "sgc");
  EXPECT_FALSE(split.tail);
  EXPECT_THROW(propagate_stored_split(s, &x, std::nullopt, 2, rows, 401, Precision::Fp32, "sgc"), ArgumentError);
  EXPECT_TRUE(deferring_pays(1000, 1000, 1000 * 1000));
  EXPECT_FALSE(deferring_pays(1000, 1000, 1000 * 1000 + 1)) << "the state must take at most a quarter";
}

TEST(PropagateDeferred, OverflowInADeferredRowIsAnError) {
  CsrMatrix s_rows = csr_from_triplets(2, 3, {{0, 0, 1.0f}, {1, 1, 1.0f}, {1, 2, 1.0f}}, false);
  const float big = std::numeric_limits<float>::max();
  CsrMatrix h = csr_from_triplets(3, 2, {{0, 0, 1.0f}, {1, 1, big}, {2, 1, big}}, false);
  const DeferredRows rows(std::move(s_rows), std::move(h), "sgc K=2");
  DenseMatrix out;
  EXPECT_NO_THROW(rows.compute(0, 1, out));
  EXPECT_EQ(out(0, 0), 1.0f);
  try {
    rows.compute(0, 2, out);
    FAIL() << "an infinite row was returned";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("sgc K=2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(DeferredRows(CsrMatrix(csr_from_triplets(1, 4, {}, false)), CsrMatrix(csr_from_triplets(3, 2, {}, false)), "x"),
               ArgumentError);
}

// Every operator of the registry answers a request to defer: sgc with
// deferred rows equal to its whole run, the others with every row.
TEST(PropagateDeferred, EveryOperatorRunsWithADeferRequest) {
  DeferEverything defer;
  const Dataset cora = load_planetoid(testing::planetoid_dir(), "cora");
  const CsrMatrix s = aug_norm_adj(cora.adjacency);
  // Every node, the training rows first: S X (Cora's is about 6% dense)
  // then takes less than a quarter of the deferred rows' dense form.
  std::vector<int32_t> rows(cora.train);
  for (int32_t v = 0; v < int32_t(cora.num_nodes()); ++v)
    if (!std::binary_search(cora.train.begin(), cora.train.end(), v)) rows.push_back(v);
  const int64_t from = int64_t(cora.train.size());
  for (const OperatorDef* def : operators()) {
    OperatorSpec spec;
    spec.def = def;
    spec.k = std::max(def->min_k, 2);
    if (def->reads("coeffs")) spec.coeffs = {0.5, 0.3, 0.2};
    const OperatorResult whole = run_operator(s, FeatureInput(cora.features), spec, &rows);
    const OperatorResult split = run_operator(s, FeatureInput(cora.features), spec, &rows, from);
    if (!split.deferred) {
      EXPECT_TRUE(same_bits(split.features, whole.features)) << def->name;
      EXPECT_NE(def->name, "sgc") << "sgc on Cora's sparse features defers when told every size pays";
      continue;
    }
    ASSERT_EQ(split.features.rows(), from) << def->name;
    EXPECT_TRUE(same_bits(split.features, DenseMatrix(whole.features.topRows(from)))) << def->name;
    DenseMatrix rest;
    split.deferred->compute(0, split.deferred->rows(), rest);
    EXPECT_TRUE(same_bits(rest, DenseMatrix(whole.features.bottomRows(rest.rows())))) << def->name;
  }
}

TEST(PropagateDeferred, LinearModelAccuracyIsTheSameWithDeferredTestRows) {
  // Citeseer: its 1000 test rows of 3703 columns take 14.8 MB dense, four
  // times S X and their rows of S (Cora's 1433 columns would not pay).
  const Dataset citeseer = load_planetoid(testing::planetoid_dir(), "citeseer");
  const Config c = preset_for("planetoid", "citeseer", default_operator()).config;
  const Precomputed whole = precompute(citeseer, c);
  ASSERT_FALSE(whole.deferred_test) << "Citeseer's test rows are far below the 64 MiB threshold";
  DeferEverything defer;
  const Precomputed split = precompute(citeseer, c);
  ASSERT_TRUE(split.deferred_test);
  EXPECT_EQ(split.x.rows(), Eigen::Index(citeseer.train.size() + citeseer.val.size()));
  EXPECT_THROW(split.test_x(), std::logic_error);
  DenseMatrix a, b;
  whole.test_rows(3, 250, a);
  split.test_rows(3, 250, b);
  EXPECT_TRUE(same_bits(a, b));
  for (uint64_t seed : {0, 1}) {
    TrainOptions opt = c.train;
    opt.seed = seed;
    const Evaluation e0 = fit_evaluate(whole, opt), e1 = fit_evaluate(split, opt);
    EXPECT_EQ(e0.test_acc, e1.test_acc) << "seed " << seed;
    EXPECT_EQ(e0.test_macro_f1, e1.test_macro_f1) << "seed " << seed;
    EXPECT_EQ(e0.val_acc, e1.val_acc) << "seed " << seed;
  }
  const VerifyReport v = verify_precomputed(citeseer, c, split);
  EXPECT_LE(v.max_relative_error, 1e-4);
  EXPECT_EQ(v.rows, int64_t(citeseer.train.size() + citeseer.val.size() + citeseer.test.size()));
}

}  // namespace
}  // namespace sgc
