// Normalisation and propagation against a naive double-precision reference.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "sgc/error.h"
#include "sgc/graph/normalize.h"
#include "sgc/ops/propagate.h"
#include "sgc/ops/spmm.h"
#include "test_util.h"

namespace sgc {
namespace {

using testing::awkward_graph;
using testing::dense_of;
using testing::max_rel_error;

// S = (D+I)^-1/2 (A+I) (D+I)^-1/2 computed the obvious way, in double.
DenseMatrixD naive_aug_norm(const DenseMatrixD& a) {
  const auto n = a.rows();
  DenseMatrixD ai = a + DenseMatrixD::Identity(n, n);
  Eigen::VectorXd d = ai.rowwise().sum();
  Eigen::VectorXd s = d.array().rsqrt();
  return s.asDiagonal() * ai * s.asDiagonal();
}

TEST(Normalize, AugNormAdjMatchesNaiveReference) {
  for (uint64_t seed : {1, 2, 3}) {
    const CsrMatrix a = awkward_graph(60, 150, 7, seed);
    const CsrMatrix s = aug_norm_adj(a);
    validate_csr(s, "S");
    const DenseMatrixD ref = naive_aug_norm(dense_of(a));
    EXPECT_LT(max_rel_error(dense_of(s), ref), 1e-5) << "seed " << seed;
    // Isolated nodes keep only their self-loop, with weight 1.
    for (int i = 53; i < 60; ++i) {
      ASSERT_EQ(s.row_end(i) - s.row_begin(i), 1);
      EXPECT_FLOAT_EQ(s.values[s.row_begin(i)], 1.0f);
    }
  }
}

TEST(Normalize, ExistingSelfLoopGetsOneMore) {
  // Two nodes, an edge 0-1 and a self-loop on 0: (A+I)_00 = 2, deg(0) = 3.
  CsrMatrix a = csr_from_triplets(2, 2, {{0, 1, 1}, {1, 0, 1}, {0, 0, 1}}, true);
  DenseMatrixD s = dense_of(aug_norm_adj(a));
  EXPECT_NEAR(s(0, 0), 2.0 / 3.0, 1e-7);
  EXPECT_NEAR(s(0, 1), 1.0 / std::sqrt(3.0 * 2.0), 1e-7);
  EXPECT_NEAR(s(1, 1), 1.0 / 2.0, 1e-7);
}

TEST(Normalize, RowNormalizeLeavesZeroRows) {
  CsrMatrix x = csr_from_triplets(3, 4, {{0, 1, 2}, {0, 3, 6}, {2, 0, 5}}, false);
  row_normalize(x);
  DenseMatrixD d = dense_of(x);
  EXPECT_DOUBLE_EQ(d(0, 1), 0.25);
  EXPECT_DOUBLE_EQ(d(0, 3), 0.75);
  EXPECT_EQ(d.row(1).cwiseAbs().sum(), 0.0);
  EXPECT_DOUBLE_EQ(d(2, 0), 1.0);
  DenseMatrix dd = to_dense(csr_from_triplets(3, 4, {{0, 1, 2}, {0, 3, 6}}, false));
  row_normalize(dd);
  EXPECT_FLOAT_EQ(dd(0, 3), 0.75f);
  EXPECT_EQ(dd.row(1).cwiseAbs().sum(), 0.0f);
}

// Signed rows are divided by their absolute sum: [1, -0.999] summed to 0.001
// and came out a thousand times larger; [-1, -3] flipped sign.
TEST(Normalize, RowNormalizeSignedRowsByTheirAbsoluteSum) {
  for (bool sparse : {true, false}) {
    CsrMatrix x = csr_from_triplets(3, 3, {{0, 0, 1}, {0, 1, -0.999f}, {1, 0, -1}, {1, 2, -3}, {2, 1, 1}, {2, 2, -1}},
                                    false);
    DenseMatrixD d;
    if (sparse) {
      row_normalize(x);
      d = dense_of(x);
    } else {
      DenseMatrix dense = to_dense(x);
      row_normalize(dense);
      d = dense.cast<double>();
    }
    EXPECT_NEAR(d(0, 0), 1 / 1.999, 1e-6) << sparse;
    EXPECT_NEAR(d(0, 1), -0.999 / 1.999, 1e-6) << sparse;
    EXPECT_NEAR(d(1, 0), -0.25, 1e-7) << sparse;
    EXPECT_NEAR(d(1, 2), -0.75, 1e-7) << sparse;
    EXPECT_NEAR(d(2, 1), 0.5, 1e-7) << sparse;  // a zero-sum row is scaled too, not kept
    EXPECT_NEAR(d(2, 2), -0.5, 1e-7) << sparse;
  }
}

TEST(Normalize, ZScoreColumns) {
  DenseMatrix x = testing::random_dense(50, 6, 9);
  x.col(2).setConstant(3.0f);  // zero variance: centred only
  zscore_columns(x);
  for (int j = 0; j < 6; ++j) {
    EXPECT_NEAR(x.col(j).cast<double>().mean(), 0.0, 1e-6);
    if (j != 2) EXPECT_NEAR(x.col(j).cast<double>().squaredNorm() / 49, 1.0, 1e-5);
  }
  EXPECT_EQ(x.col(2).cwiseAbs().maxCoeff(), 0.0f);
}

// Over many tiles of rows (the statistics' parallel cut), columns far from
// zero (where summing squares in one pass loses every digit): the mean and
// sample deviation of a two-pass sum in long double, within float rounding;
// the same bits with one thread and two.
TEST(Normalize, ZScoreStatsMergeTilesExactly) {
  const Eigen::Index n = 50001, d = 40;  // 1 MiB tiles of 6,553 rows: 8 of them
  DenseMatrix x = testing::random_dense(n, d, 31);
  for (Eigen::Index j = 0; j < d; ++j) x.col(j) = (x.col(j).array() * float(j + 1) + 1000.0f * float(j)).matrix();
  omp_set_num_threads(1);
  const ZScoreStats one = zscore_stats(x);
  omp_set_num_threads(2);
  const ZScoreStats two = zscore_stats(x);
  omp_set_num_threads(omp_get_num_procs());
  EXPECT_EQ(one.mean, two.mean);
  EXPECT_EQ(one.std, two.std);
  for (Eigen::Index j = 0; j < d; ++j) {
    long double sum = 0, sq = 0;
    for (Eigen::Index i = 0; i < n; ++i) sum += x(i, j);
    const long double mean = sum / n;
    for (Eigen::Index i = 0; i < n; ++i) sq += (x(i, j) - mean) * (x(i, j) - mean);
    const double sd = double(std::sqrt(sq / (n - 1)));
    EXPECT_NEAR(one.mean[size_t(j)], double(mean), 1e-6 * std::max(1.0, std::fabs(double(mean)))) << "column " << j;
    EXPECT_NEAR(one.std[size_t(j)], sd, 1e-6 * sd) << "column " << j;
  }
}

// validate_csr accepts a well-formed matrix (parallel pass included) and
// names each kind of fault, wherever it sits in a long row.
TEST(Csr, ValidateNamesEachFault) {
  const CsrMatrix good = testing::awkward_graph(3000, 40000, 5, 2);  // > 2^16 entries: the parallel pass
  EXPECT_NO_THROW(validate_csr(good, "good"));
  auto expect_fault = [&](const char* what, auto&& spoil) {
    CsrMatrix m = good;
    spoil(m);
    try {
      validate_csr(m, "spoilt");
      ADD_FAILURE() << what << ": accepted";
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find("spoilt"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  const int64_t mid = good.indptr[1500] + 3;  // inside a row, not its first entry
  expect_fault("out of range", [&](CsrMatrix& m) { m.indices[mid] = int32_t(m.cols); });
  expect_fault("out of range", [&](CsrMatrix& m) { m.indices[mid] = -1; });
  expect_fault("row 1500 are not strictly increasing", [&](CsrMatrix& m) { m.indices[mid] = m.indices[mid - 1]; });
  expect_fault("non-finite value nan at (1500,", [&](CsrMatrix& m) { m.values[mid] = std::nanf(""); });
  expect_fault("non-finite value -inf at (1500,", [&](CsrMatrix& m) { m.values[mid] = -INFINITY; });
  expect_fault("indptr decreases at row 10", [&](CsrMatrix& m) { m.indptr[11] = m.indptr[10] - 1; });
}

TEST(Propagate, MatchesNaiveReferenceDenseAndSparse) {
  for (int k : {0, 1, 2, 5}) {
    const CsrMatrix a = awkward_graph(80, 200, 5, 10 + k);
    const CsrMatrix s = aug_norm_adj(a);
    const DenseMatrix x = testing::random_dense(80, 19, 7);
    DenseMatrixD ref = x.cast<double>();
    const DenseMatrixD sd = naive_aug_norm(dense_of(a));
    for (int h = 0; h < k; ++h) ref = sd * ref;
    EXPECT_LT(max_rel_error(propagate(s, x, k), ref), 1e-5) << "dense, K=" << k;

    // Sparse features: keep ~20% of the entries.
    DenseMatrix xs = x;
    for (int i = 0; i < xs.rows(); ++i)
      for (int j = 0; j < xs.cols(); ++j)
        if ((i * 31 + j * 17) % 5 != 0) xs(i, j) = 0;
    std::vector<Triplet> t;
    for (int i = 0; i < xs.rows(); ++i)
      for (int j = 0; j < xs.cols(); ++j)
        if (xs(i, j) != 0) t.push_back({i, j, xs(i, j)});
    const CsrMatrix x_sparse = csr_from_triplets(80, 19, t, false);
    DenseMatrixD ref_s = xs.cast<double>();
    for (int h = 0; h < k; ++h) ref_s = sd * ref_s;
    EXPECT_LT(max_rel_error(propagate(s, x_sparse, k), ref_s), 1e-5) << "sparse, K=" << k;
  }
}

TEST(Propagate, SelectedRowsOfSparseFeaturesMatchTheFullProduct) {
  const CsrMatrix s = aug_norm_adj(awkward_graph(120, 300, 6, 21));
  std::vector<Triplet> t;
  Rng rng(5);
  for (int i = 0; i < 120; ++i)
    for (int j = 0; j < 200; ++j)
      if (rng.uniform() < 0.02) t.push_back({i, j, float(rng.uniform())});
  const CsrMatrix x = csr_from_triplets(120, 200, t, false);
  const std::vector<int32_t> rows{119, 0, 57, 3, 57};
  const DenseMatrixD sd = dense_of(s);
  DenseMatrixD ref = dense_of(x);
  for (int k = 0; k <= 4; ++k) {
    if (k > 0) ref = sd * ref;
    DenseMatrixD want(rows.size(), 200);
    for (size_t r = 0; r < rows.size(); ++r) want.row(r) = ref.row(rows[r]);
    EXPECT_LT(max_rel_error(propagate_rows(s, x, k, rows), want), 1e-5) << "K=" << k;
    EXPECT_LT(max_rel_error(propagate_rows(s, to_dense(x), k, rows), want), 1e-5) << "dense, K=" << k;
  }
}

TEST(Propagate, DeterministicAcrossThreadCounts) {
  const CsrMatrix s = aug_norm_adj(awkward_graph(500, 3000, 20, 4));
  const DenseMatrix x = testing::random_dense(500, 33, 5);
  omp_set_num_threads(1);
  const DenseMatrix one = propagate(s, x, 3);
  omp_set_num_threads(2);
  const DenseMatrix two = propagate(s, x, 3);
  omp_set_num_threads(0 + omp_get_num_procs());
  EXPECT_TRUE((one.array() == two.array()).all());
}

TEST(Propagate, BalancedPartitionCoversAllRows) {
  const CsrMatrix a = awkward_graph(300, 2000, 30, 8);
  for (int parts : {1, 2, 7, 64, 1000}) {
    const auto b = balanced_row_partition(a, parts);
    ASSERT_EQ(b.front(), 0);
    ASSERT_EQ(b.back(), a.rows);
    for (size_t i = 1; i < b.size(); ++i) EXPECT_LT(b[i - 1], b[i]);
  }
}

TEST(Propagate, RejectsNegativeKAndShapeMismatch) {
  const CsrMatrix s = aug_norm_adj(awkward_graph(10, 20, 1, 1));
  EXPECT_THROW(propagate(s, testing::random_dense(10, 3, 1), -1), ArgumentError);
  EXPECT_THROW(propagate(s, testing::random_dense(9, 3, 1), 1), ArgumentError);
}

}  // namespace
}  // namespace sgc
