// The smoothing measures (eval/smoothing.h) against their definitions written
// out in double: the Dirichlet energy's edge-sum form and MAD's pairwise
// cosine distances; their limits (a fully smoothed representation, equal rows).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "sgc/eval/smoothing.h"
#include "sgc/graph/normalize.h"
#include "sgc/random.h"
#include "test_util.h"

namespace sgc {
namespace {

struct Graph {
  CsrMatrix a;  // symmetric, no self-loops
  CsrMatrix s;  // D~^-1/2 (A + I) D~^-1/2
};

Graph random_graph(int64_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<Triplet> t;
  for (int64_t i = 0; i < n; ++i)
    for (int e = 0; e < 2; ++e) {
      const int32_t j = int32_t(rng.below(uint64_t(n)));
      if (j == i) continue;
      t.push_back({int32_t(i), j, 1.0f});
      t.push_back({j, int32_t(i), 1.0f});
    }
  Graph g;
  g.a = csr_from_triplets(n, n, t, true);  // duplicates combined by max: 0/1 entries
  g.s = aug_norm_adj(g.a);
  return g;
}

TEST(Smoothing, DirichletEnergyIsTheEdgeSumOverTheSquaredNorm) {
  const int64_t n = 60;
  const Graph g = random_graph(n, 1);
  const DenseMatrix x = testing::random_dense(n, 5, 2);
  std::vector<double> degree(size_t(n), 1.0);  // d~ = d + 1
  for (int64_t i = 0; i < n; ++i) degree[size_t(i)] += double(g.a.indptr[i + 1] - g.a.indptr[i]);
  double edges = 0, norm = 0;
  for (int64_t i = 0; i < n; ++i) {
    norm += x.row(i).cast<double>().squaredNorm();
    for (int64_t e = g.a.indptr[i]; e < g.a.indptr[i + 1]; ++e) {
      const int64_t j = g.a.indices[e];
      const auto d = x.row(i).cast<double>() / std::sqrt(degree[size_t(i)]) -
                     x.row(j).cast<double>() / std::sqrt(degree[size_t(j)]);
      edges += 0.5 * d.squaredNorm();  // each edge seen from both ends; self-loops add 0
    }
  }
  const double want = edges / norm;
  EXPECT_NEAR(dirichlet_energy(g.s, x), want, 1e-5 * want);
  EXPECT_NEAR(dirichlet_energy(g.s, DenseMatrix(x * 7.0f)), want, 1e-5 * want);  // scale-free
  EXPECT_GT(want, 0.0);
  EXPECT_LT(want, 2.0);

  // Columns along S's top eigenvector D~^1/2 1: fully smoothed, energy 0.
  DenseMatrix top(n, 3);
  for (int64_t i = 0; i < n; ++i) {
    top.row(i) << 1.0f, -2.0f, 0.5f;
    top.row(i) *= float(std::sqrt(degree[size_t(i)]));
  }
  EXPECT_NEAR(dirichlet_energy(g.s, top), 0.0, 1e-6);
  EXPECT_EQ(dirichlet_energy(g.s, DenseMatrix::Zero(n, 3)), 0.0);
  EXPECT_THROW(dirichlet_energy(g.s, DenseMatrix::Zero(n + 1, 3)), ArgumentError);
}

TEST(Smoothing, MadIsTheMeanOfRowMeansOfCosineDistances) {
  const Eigen::Index n = 45;
  DenseMatrix x = testing::random_dense(n, 6, 3);
  x.row(7).setZero();  // a zero row: distance 1 to every other row
  std::vector<double> row_mean;
  for (Eigen::Index i = 0; i < n; ++i) {
    double sum = 0;
    int count = 0;
    for (Eigen::Index j = 0; j < n; ++j) {
      const double ni = x.row(i).cast<double>().norm(), nj = x.row(j).cast<double>().norm();
      const double cos = ni > 0 && nj > 0 ? x.row(i).cast<double>().dot(x.row(j).cast<double>()) / (ni * nj) : 0.0;
      const double d = 1.0 - cos;
      if (d > 1e-6) sum += d, ++count;
    }
    if (count > 0) row_mean.push_back(sum / count);
  }
  double want = 0;
  for (double v : row_mean) want += v / double(row_mean.size());
  EXPECT_NEAR(mean_average_distance(x, 2000), want, 1e-5);

  // Equal directions: nothing to tell apart.
  DenseMatrix same(10, 4);
  for (Eigen::Index i = 0; i < 10; ++i) {
    same.row(i) << 1.0f, 2.0f, 3.0f, 4.0f;
    same.row(i) *= float(i + 1);
  }
  EXPECT_EQ(mean_average_distance(same), 0.0);

  // A sample: the same seed gives the same value, and it estimates the whole.
  const DenseMatrix big = testing::random_dense(3000, 4, 4);
  const double whole = mean_average_distance(big, 3000);
  const double a = mean_average_distance(big, 500, 9), b = mean_average_distance(big, 500, 9);
  EXPECT_EQ(a, b);
  EXPECT_NEAR(a, whole, 0.05 * whole);
}

}  // namespace
}  // namespace sgc
