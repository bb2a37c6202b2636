// The hop kernel's two row orders (gpu/row_split.h): heavy rows first, long
// rows listed and summed on a second stream, gives the bits S's order gives,
// for every operator, in fp32 and 16 bits, on every row and a subset, with S
// resident, streamed and built from A; on a machine with a CUDA GPU, skipped
// elsewhere, saying why.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sgc/error.h"
#include "sgc/gpu/gpu_operator.h"
#include "sgc/graph/normalize.h"
#include "sgc/ops/operator.h"
#include "gpu_test_util.h"
#include "test_util.h"

namespace sgc {
namespace {

using gpu_testing::every_operator;
using gpu_testing::OnGpu;
using gpu_testing::RowOrderScope;
using gpu_testing::spec_of;
using gpu_testing::StreamS;

// Three long rows (about 6,000, 4,000 and 3,000 entries: over the 1,024 a
// row may hold before it is long on any device), 40 heavy ones (150 to 1,000
// entries: over 128, and over four mean rows), the rest a chain.
CsrMatrix tailed_graph() {
  std::vector<Triplet> t;
  const int n = 12000;
  for (int hub = 0; hub < 3; ++hub)
    for (int j = hub + 3; j < n; j += hub + 2) {
      t.push_back({hub, j, 1.0f});
      t.push_back({j, hub, 1.0f});
    }
  for (int h = 3; h < 43; ++h)
    for (int e = 0; e < 150 + (h - 3) * 22; ++e) {
      const int32_t j = int32_t(43 + (uint64_t(h) * 7919u + uint64_t(e) * 104729u) % uint64_t(n - 43));
      t.push_back({h, j, 0.25f + float(e % 3) * 0.25f});
      t.push_back({j, h, 0.25f + float(e % 3) * 0.25f});
    }
  for (int i = 43; i + 1 < n; ++i) {
    t.push_back({i, i + 1, 0.5f});
    t.push_back({i + 1, i, 0.5f});
  }
  return csr_from_triplets(n, n, std::move(t), /*combine_max=*/true);
}

TEST(Gpu, HeavyFirstGivesTheSameBits) {
  SKIP_WITHOUT_GPU();
  const CsrMatrix a = tailed_graph();
  const CsrMatrix s = aug_norm_adj(a);
  int long_rows = 0, heavy_rows = 0;
  for (int64_t i = 0; i < s.rows; ++i) {
    const int64_t len = s.indptr[size_t(i) + 1] - s.indptr[size_t(i)];
    long_rows += len > 1024;
    heavy_rows += len > 128 && len <= 1024;
  }
  ASSERT_EQ(long_rows, 3);
  ASSERT_GE(heavy_rows, 35);
  const DenseMatrix x = testing::random_dense(a.rows, 130, 23);  // a pass of 128 columns and one of 2
  const std::vector<int32_t> rows{0, 5, 1, 2, 11999, 40, 3};
  const OnGpu on;
  for (Precision precision : {Precision::Fp32, Precision::Bf16}) {
    for (const OperatorSpec& base : {spec_of("sgc", 2), spec_of("dgc", 3, 5.0), spec_of("ssgc", 3, 5, 0.2)}) {
      OperatorSpec spec = base;
      spec.precision = precision;
      const std::string what = operator_summary(spec) + " " + to_string(precision);
      const DenseMatrix stored = apply_operator(s, FeatureInput(x), spec);
      const DenseMatrix stored_rows = apply_operator(s, FeatureInput(x), spec, &rows);
      const DenseMatrix stored_from_a = run_operator_on_adjacency(a, FeatureInput(x), spec, &rows).features;
      DenseMatrix stored_streamed;
      {
        const StreamS streamed("300000");  // S (about 100,000 entries) in several blocks
        stored_streamed = apply_operator(s, FeatureInput(x), spec, &rows);
      }
      const RowOrderScope heavy_first("heavy-first");
      EXPECT_TRUE(apply_operator(s, FeatureInput(x), spec) == stored) << what;
      EXPECT_TRUE(apply_operator(s, FeatureInput(x), spec, &rows) == stored_rows) << what << " (rows)";
      EXPECT_TRUE(run_operator_on_adjacency(a, FeatureInput(x), spec, &rows).features == stored_from_a)
          << what << " (from A)";
      const StreamS streamed("300000");
      EXPECT_TRUE(apply_operator(s, FeatureInput(x), spec, &rows) == stored_streamed) << what << " (streamed)";
    }
  }
  // Every operator, fp32, against S's order.
  const DenseMatrix narrow = testing::random_dense(a.rows, 6, 24);
  for (const OperatorSpec& spec : every_operator()) {
    const DenseMatrix stored = apply_operator(s, FeatureInput(narrow), spec);
    const RowOrderScope heavy_first("heavy-first");
    EXPECT_TRUE(apply_operator(s, FeatureInput(narrow), spec) == stored) << operator_summary(spec);
  }
  const RowOrderScope bad("longest");
  EXPECT_THROW(apply_operator(s, FeatureInput(narrow), spec_of("sgc", 2)), ArgumentError);
}

}  // namespace
}  // namespace sgc
