// The sparse x dense kernels (whole rows and column panels) against a naive
// double-precision product, on power-law graphs with empty rows.
#include <gtest/gtest.h>
#include <omp.h>

#include "sgc/data/powerlaw.h"
#include "sgc/graph/normalize.h"
#include "sgc/ops/spmm.h"
#include "test_util.h"

namespace sgc {
namespace {

using testing::random_dense;

// The normalised Reddit-shaped graph with every 7th row emptied (nodes that
// gather nothing, e.g. rows outside a selection) and a few hub rows kept.
CsrMatrix power_law_with_empty_rows(int64_t nodes, uint64_t seed) {
  PowerLawOptions o;
  o.nodes = nodes;
  o.features = 4;
  o.classes = 3;
  o.avg_degree = 12;
  o.seed = seed;
  const CsrMatrix s = aug_norm_adj(make_powerlaw(o).adjacency);
  std::vector<Triplet> t;
  for (int64_t i = 0; i < s.rows; ++i)
    if (i % 7 != 3)
      for (int64_t p = s.indptr[i]; p < s.indptr[i + 1]; ++p) t.push_back({int32_t(i), s.indices[p], s.values[p]});
  return csr_from_triplets(s.rows, s.cols, std::move(t), /*combine_max=*/false);
}

TEST(Spmm, BothKernelsMatchTheNaiveProductOnPowerLawGraphs) {
  const CsrMatrix a = power_law_with_empty_rows(3000, 5);
  int64_t max_row = 0;
  for (int64_t i = 0; i < a.rows; ++i) max_row = std::max<int64_t>(max_row, a.indptr[i + 1] - a.indptr[i]);
  ASSERT_GT(max_row, 20 * a.nnz() / a.rows) << "the graph should have hubs";
  // Widths around the 16-column panel, below it, and not a multiple of it.
  for (int64_t d : {1, 7, 15, 16, 17, 33, 64, 100}) {
    const DenseMatrix x = random_dense(a.cols, d, uint64_t(d));
    const DenseMatrixD ref = testing::naive_product(a, x);
    for (SpmmKernel kernel : {SpmmKernel::Rows, SpmmKernel::Panels, SpmmKernel::Auto}) {
      DenseMatrix y;
      spmm(a, x, y, kernel);
      ASSERT_EQ(y.rows(), a.rows);
      ASSERT_EQ(y.cols(), d);
      EXPECT_LT(testing::max_rel_error(y, ref), 1e-5) << "d = " << d << ", kernel " << int(kernel);
      for (int64_t i = 3; i < a.rows; i += 7) EXPECT_EQ(y.row(i).cwiseAbs().maxCoeff(), 0.0f) << "empty row " << i;

    }
  }
}

TEST(Spmm, KernelsAreDeterministicAcrossThreadCounts) {
  const CsrMatrix a = power_law_with_empty_rows(4000, 6);
  const DenseMatrix x = random_dense(a.cols, 70, 9);
  const int saved = omp_get_max_threads();
  for (SpmmKernel kernel : {SpmmKernel::Rows, SpmmKernel::Panels}) {
    DenseMatrix one, two;
    omp_set_num_threads(1);
    spmm(a, x, one, kernel);
    omp_set_num_threads(2);
    spmm(a, x, two, kernel);
    EXPECT_TRUE(one == two) << "kernel " << int(kernel);
  }
  omp_set_num_threads(saved);
}

TEST(Spmm, SelectedRowsEqualTheFullProduct) {
  const CsrMatrix a = power_law_with_empty_rows(2500, 7);
  const DenseMatrix x = random_dense(a.cols, 40, 3);
  std::vector<int32_t> rows;
  for (int32_t i = int32_t(a.rows) - 1; i >= 0; i -= 3) rows.push_back(i);  // descending, with empty rows
  for (SpmmKernel kernel : {SpmmKernel::Rows, SpmmKernel::Panels}) {
    DenseMatrix full, part;
    spmm(a, x, full, kernel);
    spmm_rows(a, x, rows, part, kernel);
    ASSERT_EQ(part.rows(), int64_t(rows.size()));
    for (size_t r = 0; r < rows.size(); ++r)
      ASSERT_TRUE(part.row(int64_t(r)) == full.row(rows[r])) << "row " << rows[r] << ", kernel " << int(kernel);
  }
  DenseMatrix unused;
  EXPECT_THROW(spmm_rows(a, x, {int32_t(a.rows)}, unused, SpmmKernel::Panels), ArgumentError);
  // No rows asked: an empty result, not the whole product written into it.
  for (SpmmKernel kernel : {SpmmKernel::Rows, SpmmKernel::Panels}) {
    DenseMatrix none(3, 3);
    spmm_rows(a, x, std::vector<int32_t>{}, none, kernel);
    EXPECT_EQ(none.rows(), 0);
    EXPECT_EQ(none.cols(), x.cols());
  }
}

}  // namespace
}  // namespace sgc
