// Node orderings: valid permutations, RCM recovers locality, and propagating
// in the new order gives the old result, permuted.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "sgc/error.h"
#include "sgc/graph/reorder.h"
#include "sgc/ops/spmm.h"
#include "sgc/random.h"
#include "test_util.h"

namespace sgc {
namespace {

bool is_permutation_of_n(std::vector<int32_t> order, int64_t n) {
  std::sort(order.begin(), order.end());
  std::vector<int32_t> ids(n);
  std::iota(ids.begin(), ids.end(), 0);
  return order == ids;
}

// Largest |i - j| over the non-zeros.
int64_t bandwidth(const CsrMatrix& a) {
  int64_t b = 0;
  for (int64_t i = 0; i < a.rows; ++i)
    for (int64_t p = a.indptr[i]; p < a.indptr[i + 1]; ++p) b = std::max<int64_t>(b, std::abs(i - a.indices[p]));
  return b;
}

// A 30 x 30 grid graph with its node ids shuffled, plus 5 isolated nodes.
CsrMatrix shuffled_grid() {
  const int side = 30, n = side * side + 5;
  std::vector<int32_t> id(n);
  std::iota(id.begin(), id.end(), 0);
  Rng rng(3);
  for (int i = n - 1; i > 0; --i) std::swap(id[i], id[rng.below(i + 1)]);
  std::vector<Triplet> t;
  for (int r = 0; r < side; ++r)
    for (int c = 0; c < side; ++c) {
      const int u = r * side + c;
      if (c + 1 < side) t.push_back({id[u], id[u + 1], 1.0f}), t.push_back({id[u + 1], id[u], 1.0f});
      if (r + 1 < side) t.push_back({id[u], id[u + side], 1.0f}), t.push_back({id[u + side], id[u], 1.0f});
    }
  return csr_from_triplets(n, n, std::move(t), /*combine_max=*/true);
}

TEST(Reorder, ReverseCuthillMckeeRecoversTheGridsLocality) {
  const CsrMatrix a = shuffled_grid();
  const auto order = reverse_cuthill_mckee(a);
  ASSERT_TRUE(is_permutation_of_n(order, a.rows));
  const CsrMatrix b = permute_symmetric(a, order);
  validate_csr(b, "reordered grid");
  EXPECT_GT(bandwidth(a), 500);
  EXPECT_LE(bandwidth(b), 60) << "RCM on a 30 x 30 grid should give a band of about 30";
}

TEST(Reorder, DegreeOrderPutsHubsFirst) {
  const CsrMatrix a = testing::awkward_graph(80, 300, 6, 4);
  const auto order = degree_order(a);
  ASSERT_TRUE(is_permutation_of_n(order, a.rows));
  for (size_t i = 1; i < order.size(); ++i)
    EXPECT_GE(a.row_end(order[i - 1]) - a.row_begin(order[i - 1]), a.row_end(order[i]) - a.row_begin(order[i]));
}

TEST(Reorder, PropagatingInTheNewOrderIsThePermutedResult) {
  const CsrMatrix a = testing::awkward_graph(120, 500, 9, 8);
  const DenseMatrix x = testing::random_dense(a.rows, 37, 2);
  for (const auto& order : {reverse_cuthill_mckee(a), degree_order(a)}) {
    DenseMatrix y, y_new;
    spmm(a, x, y);
    spmm(permute_symmetric(a, order), gather_rows(x, order), y_new);
    EXPECT_LT(testing::max_rel_error(y_new, gather_rows(y, order)), 1e-6);
  }
}

TEST(Reorder, RejectsWhatIsNotAPermutation) {
  const CsrMatrix a = testing::awkward_graph(10, 20, 1, 1);
  std::vector<int32_t> order(10);
  std::iota(order.begin(), order.end(), 0);
  order[3] = 4;  // 4 twice, 3 missing
  EXPECT_THROW(permute_symmetric(a, order), ArgumentError);
  order[3] = 10;
  EXPECT_THROW(permute_symmetric(a, order), ArgumentError);
  EXPECT_THROW(permute_symmetric(a, {0, 1}), ArgumentError);
}

}  // namespace
}  // namespace sgc
