// The generated graph of the GPU's papers100M-shaped run
// (gpu/generated_graph.h), made on the host: the row lengths have the mean
// they are set to, every entry is a pure function of the seed (the same
// graph twice, another with another seed), each row starts with its
// self-loop, columns are in range and values are 1 / sqrt(L(i) L(j)).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "sgc/error.h"
#include "sgc/gpu/generated_graph.h"

namespace sgc {
namespace {

TEST(GeneratedGraph, RowLengthsHaveTheirMeanAndAHeavyTail) {
  for (const double mean : {5.0, 30.1}) {
    GeneratedGraphSpec g;
    g.nodes = 1000000, g.mean_row = mean;
    double total = 0;
    int64_t longest = 0, shortest = INT64_MAX;
    for (int64_t i = 0; i < g.nodes; ++i) {
      const int64_t l = generated_row_length(g, i);
      total += double(l);
      longest = std::max(longest, l), shortest = std::min(shortest, l);
    }
    EXPECT_NEAR(total / double(g.nodes), mean, 0.02 * mean) << mean;
    EXPECT_GE(shortest, 1);
    EXPECT_LE(longest, g.max_row);
    EXPECT_GT(longest, int64_t(50 * mean)) << "a Pareto tail of shape 2 over a million rows";
  }
  // papers100M symmetrised with self-loops: 3.34e9 entries over 111M rows.
  const GeneratedGraphSpec p = papers100m_shaped();
  EXPECT_EQ(p.nodes, 111059956);
  EXPECT_NEAR(p.mean_row * double(p.nodes), 3.342e9, 0.001e9);
}

TEST(GeneratedGraph, EntriesArePureFunctionsOfTheSeed) {
  GeneratedGraphSpec g;
  g.nodes = 5000, g.mean_row = 12, g.features = 6, g.seed = 7;
  const CsrMatrix a = generated_operator(g), b = generated_operator(g);
  EXPECT_EQ(a.indptr, b.indptr);
  EXPECT_EQ(a.indices, b.indices);
  EXPECT_EQ(a.values, b.values);
  GeneratedGraphSpec other = g;
  other.seed = 8;
  EXPECT_NE(generated_operator(other).indices, a.indices);
  EXPECT_NEAR(double(a.nnz()) / double(g.nodes), 12.0, 1.0);

  for (int64_t i = 0; i < a.rows; ++i) {
    const int64_t len = a.indptr[size_t(i) + 1] - a.indptr[size_t(i)];
    ASSERT_EQ(len, generated_row_length(g, i));
    ASSERT_EQ(a.indices[size_t(a.indptr[size_t(i)])], i) << "the self-loop first";
    for (int64_t p = a.indptr[size_t(i)]; p < a.indptr[size_t(i) + 1]; ++p) {
      const int32_t j = a.indices[size_t(p)];
      ASSERT_GE(j, 0);
      ASSERT_LT(j, g.nodes);
      const double want = 1.0 / std::sqrt(double(len) * double(a.indptr[size_t(j) + 1] - a.indptr[size_t(j)]));
      ASSERT_NEAR(a.values[size_t(p)], want, 1e-7 * want);
    }
  }
  const DenseMatrix x = generated_features(g), y = generated_features(g);
  EXPECT_TRUE(x == y);
  EXPECT_GE(x.minCoeff(), -0.5f);
  EXPECT_LT(x.maxCoeff(), 0.5f);
  EXPECT_NEAR(x.mean(), 0.0, 0.02);
  EXPECT_GT(x.cwiseAbs().mean(), 0.2);  // spread over the interval, not a constant
}

// One row of S^3 X from the definition (the papers100M-shaped run's check)
// is that row of S^3 X from the graph made on the host.
TEST(GeneratedGraph, RowReferenceIsTheProductsRow) {
  GeneratedGraphSpec g;
  g.nodes = 3000, g.mean_row = 8, g.features = 5, g.seed = 11;
  const CsrMatrix s = generated_operator(g);
  Eigen::MatrixXd y = generated_features(g).cast<double>();
  for (int h = 0; h < 3; ++h) {
    Eigen::MatrixXd next = Eigen::MatrixXd::Zero(y.rows(), y.cols());
    for (int64_t i = 0; i < s.rows; ++i)
      for (int64_t p = s.indptr[size_t(i)]; p < s.indptr[size_t(i) + 1]; ++p)
        next.row(i) += double(s.values[size_t(p)]) * y.row(s.indices[size_t(p)]);
    y = next;
  }
  for (const int64_t row : {int64_t(0), int64_t(1234), int64_t(2999)}) {
    const std::vector<double> got = generated_row_reference(g, 3, row);
    ASSERT_EQ(got.size(), size_t(g.features));
    for (int64_t c = 0; c < g.features; ++c) EXPECT_NEAR(got[size_t(c)], y(row, c), 1e-9 * y.cwiseAbs().maxCoeff());
  }
  EXPECT_GT(y.row(0).cwiseAbs().maxCoeff(), 0.0);
  EXPECT_THROW(generated_row_reference(g, 3, g.nodes), ArgumentError);
}

TEST(GeneratedGraph, RefusesBadSpecs) {
  GeneratedGraphSpec g;
  g.nodes = 0;
  EXPECT_THROW(generated_operator(g), ArgumentError);
  g.nodes = 10, g.mean_row = 0.5;
  EXPECT_THROW(generated_operator(g), ArgumentError);
  g.mean_row = 3, g.features = 0;
  EXPECT_THROW(generated_features(g), ArgumentError);
}

}  // namespace
}  // namespace sgc
