// Propagation with sparse hops and 16-bit storage (ops/propagate_stored.h):
// the sparse path equals the dense one to float rounding, 16-bit storage
// stays within its stated error bound on random and real graphs, and
// Planetoid accuracy does not move by more than 0.2 points.
#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <numeric>

#include "sgc/graph/normalize.h"
#include "sgc/io/planetoid.h"
#include "sgc/model/linear_model.h"
#include "sgc/ops/linear_rows.h"
#include "sgc/ops/operator.h"
#include "sgc/ops/propagate.h"
#include "sgc/ops/propagate_stored.h"
#include "sgc/ops/reference.h"
#include "sgc/presets.h"
#include "test_util.h"

namespace sgc {
namespace {

// A random sparse n x d matrix with about `density` of its entries set.
CsrMatrix random_sparse(int64_t n, int64_t d, double density, uint64_t seed) {
  const DenseMatrix v = testing::random_dense(n, d, seed);
  std::vector<Triplet> t;
  uint64_t h = seed * 0x9e3779b97f4a7c15ull + 1;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) {
      h ^= h << 13;
      h ^= h >> 7;
      h ^= h << 17;
      if (double(h % 1000000) < density * 1e6) t.push_back({int32_t(i), int32_t(j), v(i, j)});
    }
  return csr_from_triplets(n, d, std::move(t), false);
}

struct Reference {
  DenseMatrixD y;       // S^K X
  DenseMatrixD scale;   // |S|^K |X|
  Eigen::VectorXd ones; // sum_{j=1..K} |S|^j 1
};

// In double, with S sparse.
Reference reference(const CsrMatrix& s, const DenseMatrix& x, int k) {
  std::vector<Eigen::Triplet<double>> t, t_abs;
  for (int64_t i = 0; i < s.rows; ++i)
    for (int64_t p = s.indptr[i]; p < s.indptr[i + 1]; ++p) {
      t.emplace_back(int(i), s.indices[p], s.values[p]);
      t_abs.emplace_back(int(i), s.indices[p], std::abs(double(s.values[p])));
    }
  SparseD sd(s.rows, s.cols), sa(s.rows, s.cols);
  sd.setFromTriplets(t.begin(), t.end());
  sa.setFromTriplets(t_abs.begin(), t_abs.end());
  Reference r{x.cast<double>(), x.cast<double>().cwiseAbs(), Eigen::VectorXd::Zero(s.rows)};
  Eigen::VectorXd one = Eigen::VectorXd::Ones(s.cols);
  for (int j = 0; j < k; ++j) {
    r.y = sd * r.y;
    r.scale = sa * r.scale;
    one = sa * one;
    r.ones += one;
  }
  return r;
}

// |Y - S^K X| <= K u |S|^K |X| + eta sum_{j=1..K} |S|^j 1 entrywise: one
// rounding (unit roundoff u, and at most eta absolute below the format's
// normal range) per stored matrix (X and K - 1 hops), plus fp32 accumulation.
void expect_within_bound(const DenseMatrix& y, const Reference& ref, int k, double u, double eta,
                         const std::string& what) {
  double worst = 0;
  for (int64_t i = 0; i < y.rows(); ++i)
    for (int64_t j = 0; j < y.cols(); ++j) {
      const double err = std::abs(double(y(i, j)) - ref.y(i, j));
      const double allowed = (k * u + 1e-5) * ref.scale(i, j) + eta * ref.ones(i) + 1e-30;
      worst = std::max(worst, err / allowed);
    }
  EXPECT_LE(worst, 1.0) << what << ": error reaches " << worst << " of the bound";
  std::printf("%s: largest error %.3f of the bound (K u = %.2e)\n", what.c_str(), worst, k * u);
}

TEST(SparseTimesSparse, MatchesTheDenseProduct) {
  const CsrMatrix s = aug_norm_adj(testing::awkward_graph(300, 900, 11, 4));
  // Rows come out in column order by a bitset scan (narrow or dense rows) or
  // by sorting (a few columns spread over many): both, and one column.
  for (const auto& [cols, density] : {std::pair<int64_t, double>{70, 0.05}, {20000, 0.0004}, {1, 0.5}, {700, 0.3}}) {
    const CsrMatrix b = random_sparse(300, cols, density, 3);
    const CsrMatrix c = sparse_times_sparse(s, b);
    validate_csr(c, "S B");  // sorted, in range
    const DenseMatrixD ref = testing::dense_of(s) * to_dense(b).cast<double>();
    EXPECT_LT(testing::max_rel_error(to_dense(c), ref), 1e-5) << cols;
    int64_t stored = 0;  // only the entries that can be non-zero
    for (int64_t i = 0; i < ref.rows(); ++i)
      for (int64_t j = 0; j < ref.cols(); ++j) stored += ref(i, j) != 0;
    EXPECT_GE(c.nnz(), stored) << cols;
  }
  {  // 100,000 columns, three a row: sorted, not scanned
    std::vector<Triplet> t;
    uint64_t h = 99;
    for (int32_t i = 0; i < 300; ++i)
      for (int e = 0; e < 3; ++e) {
        h = h * 6364136223846793005ull + 1442695040888963407ull;
        t.push_back({i, int32_t((h >> 33) % 100000), float(e + 1)});
      }
    const CsrMatrix b = csr_from_triplets(300, 100000, std::move(t), false);
    const CsrMatrix c = sparse_times_sparse(s, b);
    validate_csr(c, "S B, wide");
    for (int64_t i = 0; i < s.rows; ++i) {
      std::map<int32_t, double> want;
      for (int64_t p = s.indptr[i]; p < s.indptr[i + 1]; ++p)
        for (int64_t q = b.indptr[s.indices[p]]; q < b.indptr[s.indices[p] + 1]; ++q)
          want[b.indices[q]] += double(s.values[p]) * b.values[q];
      ASSERT_EQ(c.indptr[i + 1] - c.indptr[i], int64_t(want.size())) << i;
      int64_t q = c.indptr[i];
      for (const auto& [col, v] : want) {
        EXPECT_EQ(c.indices[q], col);
        EXPECT_NEAR(c.values[q], v, 1e-5 * std::abs(v));
        ++q;
      }
    }
  }
  EXPECT_THROW(sparse_times_sparse(random_sparse(300, 70, 0.05, 3), s), ArgumentError);
}

TEST(PropagateStored, SparsePathEqualsTheDensePathOnRandomAndRealGraphs) {
  const CsrMatrix s = aug_norm_adj(testing::awkward_graph(500, 1500, 13, 5));
  const CsrMatrix x = random_sparse(500, 90, 0.01, 6);
  const Dataset cora = load_planetoid(testing::planetoid_dir(), "cora");
  const CsrMatrix s_cora = aug_norm_adj(cora.adjacency);
  struct Case {
    const CsrMatrix* s;
    const CsrMatrix* x;
    const char* name;
  };
  std::vector<int32_t> rows;
  for (int32_t i = 0; i < 500; i += 3) rows.push_back(i);
  for (const Case& c : {Case{&s, &x, "random"}, Case{&s_cora, &cora.features, "cora"}})
    for (int k : {0, 1, 2, 3, 4}) {
      const DenseMatrix dense = propagate(*c.s, to_dense(*c.x), k);
      StoredPropagation report;
      const DenseMatrix sparse = propagate_stored(*c.s, c.x, std::nullopt, k, nullptr, Precision::Fp32, &report);
      EXPECT_LT((sparse - dense).cwiseAbs().maxCoeff(), 1e-6 * (1 + dense.cwiseAbs().maxCoeff()))
          << c.name << " K = " << k;
      if (k >= 2) EXPECT_GE(report.sparse_hops, 1) << c.name << " K = " << k << ": expected sparse hops";
      const DenseMatrix part = propagate_stored(*c.s, c.x, std::nullopt, k, &rows, Precision::Fp32);
      for (size_t r = 0; r < rows.size(); ++r)
        ASSERT_LT((part.row(int64_t(r)) - sparse.row(rows[r])).cwiseAbs().maxCoeff(), 1e-6) << c.name << " K " << k;
    }
}

TEST(PropagateStored, DenseHopsSwitchOnceTheProductWouldBeDense) {
  const CsrMatrix s = aug_norm_adj(testing::awkward_graph(400, 4000, 0, 8));  // ~20 neighbours a node
  const CsrMatrix x = random_sparse(400, 50, 0.05, 9);
  EXPECT_FALSE(sparse_hop_pays(s, x)) << "20 neighbours x 2.5 entries a row bound half the row";
  StoredPropagation report;
  propagate_stored(s, &x, std::nullopt, 3, nullptr, Precision::Fp32, &report);
  EXPECT_EQ(report.sparse_hops, 0);
}

// Features a fifth dense or more (Amazon Computers' are 35%) are made dense
// before the first hop; the result is the dense path's, at every K, for
// chosen rows, and in 16 bits within the bound.
TEST(PropagateStored, DenseEnoughSparseFeaturesEqualTheDensePath) {
  const CsrMatrix s = aug_norm_adj(testing::awkward_graph(400, 1600, 9, 14));
  const CsrMatrix x = random_sparse(400, 60, 0.35, 15);
  ASSERT_GT(double(x.nnz()), 0.3 * 400 * 60);
  const DenseMatrix xd = to_dense(x);
  std::vector<int32_t> rows;
  for (int32_t i = 399; i >= 0; i -= 7) rows.push_back(i);
  for (int k : {1, 2, 3}) {
    const DenseMatrix dense = propagate(s, xd, k);
    StoredPropagation report;
    const DenseMatrix got = propagate_stored(s, &x, std::nullopt, k, nullptr, Precision::Fp32, &report);
    EXPECT_LT((got - dense).cwiseAbs().maxCoeff(), 1e-6 * (1 + dense.cwiseAbs().maxCoeff())) << "K = " << k;
    EXPECT_EQ(report.sparse_hops, 0) << "K = " << k;
    const DenseMatrix part = propagate_stored(s, &x, std::nullopt, k, &rows, Precision::Fp32);
    for (size_t r = 0; r < rows.size(); ++r)
      ASSERT_LT((part.row(int64_t(r)) - dense.row(rows[r])).cwiseAbs().maxCoeff(), 1e-6) << "K = " << k;
    const Reference ref = reference(s, xd, k);
    expect_within_bound(propagate_stored(s, &x, std::nullopt, k, nullptr, Precision::Bf16), ref, k,
                        std::ldexp(1.0, -8), 0.0, "35% dense sparse X, bf16 K=" + std::to_string(k));
  }
}

TEST(PropagateStored, SixteenBitStorageStaysWithinItsBound) {
  const CsrMatrix s = aug_norm_adj(testing::awkward_graph(400, 1600, 9, 12));
  const DenseMatrix x = testing::random_dense(400, 33, 13);
  const Dataset cora = load_planetoid(testing::planetoid_dir(), "cora");
  const CsrMatrix s_cora = aug_norm_adj(cora.adjacency);
  const DenseMatrix x_cora = to_dense(cora.features).leftCols(200);
  for (int k : {1, 2, 4}) {
    const Reference ref = reference(s, x, k), ref_cora = reference(s_cora, x_cora, k);
    const Reference ref_sparse = reference(s_cora, to_dense(cora.features), k);
    for (Precision p : {Precision::Bf16, Precision::Fp16}) {
      // bf16 has fp32's range; fp16's subnormals are 2^-24 apart.
      const double u = p == Precision::Bf16 ? std::ldexp(1.0, -8) : std::ldexp(1.0, -11);
      const double eta = p == Precision::Bf16 ? 0.0 : std::ldexp(1.0, -25);
      const std::string name = to_string(p) + " K=" + std::to_string(k);
      expect_within_bound(propagate_stored(s, nullptr, view_of(x), k, nullptr, p), ref, k, u, eta, "random " + name);
      expect_within_bound(propagate_stored(s_cora, nullptr, view_of(x_cora), k, nullptr, p), ref_cora, k, u, eta,
                          "cora " + name);
      // Sparse X: the sparse hops are fp32, the dense ones 16-bit: the same bound holds.
      expect_within_bound(propagate_stored(s_cora, &cora.features, std::nullopt, k, nullptr, p), ref_sparse, k, u,
                          eta, "cora sparse X " + name);
    }
  }
  // And bf16 really is coarser than fp32 (the test can tell them apart).
  const DenseMatrix y32 = propagate(s, x, 2), y16 = propagate_stored(s, nullptr, view_of(x), 2, nullptr, Precision::Bf16);
  EXPECT_GT((y32 - y16).cwiseAbs().maxCoeff(), 1e-4);
}

TEST(PropagateStored, PrecisionIsAnOperatorParameterOfSgc) {
  OperatorSpec spec;
  spec.precision = Precision::Bf16;
  const nlohmann::json j = operator_to_json(spec);
  EXPECT_EQ(j["precision"], "bf16");
  EXPECT_EQ(operator_from_json(j).precision, Precision::Bf16);
  EXPECT_THROW(operator_from_json({{"op", "sgc"}, {"precision", "fp8"}}), ArgumentError);
  EXPECT_FALSE(operator_to_json(OperatorSpec{}).contains("precision")) << "fp32, the default, is not written";
  // Operators that keep fp32 hops refuse 16 bits rather than ignore them.
  EXPECT_THROW(operator_from_json({{"op", "dgc"}, {"precision", "bf16"}}), ArgumentError);
  EXPECT_NO_THROW(operator_from_json({{"op", "dgc"}, {"precision", "fp32"}}));
}

TEST(PropagateStored, PlanetoidAccuracyMovesLessThanTwoTenthsOfAPoint) {
  // Both forms of the test rows: materialised (16-bit hops on every row) and,
  // where the features are large enough, read through the head (16-bit hops
  // on the train and val rows, fp32 on the n x c test pass).
  for (const bool materialised : {true, false}) {
    const int64_t saved = linear_rows_min_bytes();
    if (materialised) set_linear_rows_min_bytes(std::numeric_limits<int64_t>::max());
    for (const char* name : {"cora", "citeseer", "pubmed"}) {
      const Dataset d = load_planetoid(testing::planetoid_dir(), name);
      const Config base = preset_for("planetoid", name, default_operator()).config;
      double mean[3];
      for (Precision p : {Precision::Fp32, Precision::Bf16, Precision::Fp16}) {
        Config c = base;
        c.op.precision = p;
        const Precomputed pre = precompute(d, c);
        EXPECT_TRUE(!materialised || !pre.lazy_test);
        std::vector<double> acc;
        for (uint64_t seed = 0; seed < 10; ++seed) {
          TrainOptions opt = c.train;
          opt.seed = seed;
          acc.push_back(fit_evaluate(pre, opt).test_acc * 100);
        }
        mean[int(p)] = std::accumulate(acc.begin(), acc.end(), 0.0) / double(acc.size());
      }
      set_linear_rows_min_bytes(saved);
      std::printf("%s (%s): mean test accuracy of 10 seeds fp32 %.2f, bf16 %.2f, fp16 %.2f\n", name,
                  materialised ? "materialised" : "default", mean[0], mean[1], mean[2]);
      EXPECT_NEAR(mean[1], mean[0], 0.2) << name << " bf16";
      EXPECT_NEAR(mean[2], mean[0], 0.2) << name << " fp16";
      if (materialised) set_linear_rows_min_bytes(std::numeric_limits<int64_t>::max());
    }
    set_linear_rows_min_bytes(saved);
  }
}

}  // namespace
}  // namespace sgc
