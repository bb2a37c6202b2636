// Rows read through the head (ops/linear_rows.h): op(S, X W)[R] equals the
// materialised rows op(S, X)[R] times W for every operator that acts on each
// column alone, sign is refused, the block width keeps its two bounds, and
// the linear model's accuracy and verifier do not move when its test rows are
// kept as S and X. Also release_pages (util/memory.h), which the .npz reader
// uses to hand a copied member back.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <limits>
#include <optional>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "sgc/data/feature_norm.h"
#include "sgc/error.h"
#include "sgc/graph/normalize.h"
#include "sgc/io/planetoid.h"
#include "sgc/model/linear_model.h"
#include "sgc/ops/linear_rows.h"
#include "sgc/ops/operator.h"
#include "sgc/ops/out_of_core.h"
#include "sgc/presets.h"
#include "sgc/util/memory.h"
#include "test_util.h"

namespace sgc {
namespace {

// Keeping rows as S and X is a size policy (32 MiB of features): the tests
// set it (0: always; the largest value: never) and put it back.
struct LinearRowsThreshold {
  int64_t saved = linear_rows_min_bytes();
  explicit LinearRowsThreshold(int64_t bytes) { set_linear_rows_min_bytes(bytes); }
  ~LinearRowsThreshold() { set_linear_rows_min_bytes(saved); }
};

using testing::operator_spec;

class EveryColumnwiseOperator : public ::testing::TestWithParam<const char*> {};

TEST_P(EveryColumnwiseOperator, OperatorOnXWEqualsTheRowsTimesW) {
  const auto s = std::make_shared<const CsrMatrix>(aug_norm_adj(testing::awkward_graph(500, 2000, 7, 3)));
  const CsrMatrix x = testing::awkward_graph(500, 1500, 0, 4);  // a sparse 500 x 500 "feature" matrix
  std::vector<int32_t> rows;
  for (int32_t i = 499; i >= 0; i -= 3) rows.push_back(i);  // an order of their own, as a split lists them
  const DenseMatrix w = testing::random_dense(500, 7, 11);
  for (const int k : {1, 3}) {
    const OperatorSpec spec = operator_spec(GetParam(), k);
    const DenseMatrix features = run_operator(*s, FeatureInput(x), spec, &rows).features;
    const DenseMatrix want = features * w;
    const LinearRows lazy(s, x, spec, rows);
    ASSERT_EQ(lazy.rows(), int64_t(rows.size()));
    ASSERT_EQ(lazy.cols(), 500);
    const DenseMatrix got = lazy.times(view_of(w));
    ASSERT_EQ(got.rows(), want.rows());
    ASSERT_EQ(got.cols(), want.cols());
    EXPECT_LT(testing::max_rel_error(got, want), 1e-4) << GetParam() << " K = " << k;
    // A column of X picked by W = e_j is that column of the features, which is how the verifier reads them.
    DenseMatrix e = DenseMatrix::Zero(500, 1);
    e(123, 0) = 1.0f;
    EXPECT_LT(testing::max_rel_error(lazy.times(view_of(e)), DenseMatrix(features.col(123))), 1e-5) << GetParam();
  }
}

INSTANTIATE_TEST_SUITE_P(LinearRows, EveryColumnwiseOperator,
                         ::testing::Values("sgc", "dgc", "dgc_naive", "heat", "ssgc", "ppr", "poly"));

TEST(LinearRows, RefusesSignAndWrongShapes) {
  const auto s = std::make_shared<const CsrMatrix>(aug_norm_adj(testing::awkward_graph(50, 200, 2, 3)));
  const CsrMatrix x = testing::awkward_graph(50, 100, 0, 4);
  EXPECT_FALSE(linear_rows_supported(operator_spec("sign", 2))) << "sign's hops sit side by side";
  EXPECT_TRUE(linear_rows_supported(operator_spec("sgc", 2)));
  EXPECT_THROW(LinearRows(s, x, operator_spec("sign", 2), {0, 1}), ArgumentError);
  EXPECT_THROW(LinearRows(s, x, operator_spec("sgc", 2), {0, 50}), ArgumentError);
  EXPECT_THROW(LinearRows(s, testing::awkward_graph(49, 100, 0, 4), operator_spec("sgc", 2), {0}), ArgumentError);
  const LinearRows ok(s, x, operator_spec("sgc", 2), {3, 4});
  EXPECT_THROW(ok.times(view_of(DenseMatrix(DenseMatrix::Zero(49, 2)))), ArgumentError);
}

TEST(LinearRows, BlockWidthKeepsMemoryAndBlockCountBounds) {
  const OperatorSpec spec = operator_spec("sgc", 2);
  for (const int64_t d : {5, 16, 100, 767, 6805, 100000}) {
    for (const int64_t state : {int64_t(1) << 10, int64_t(8) << 20, int64_t(1) << 34}) {
      // Hop buffers on a receptive field of 4,000 of the 13,752 nodes; a dense
      // block of X has all of them.
      const int64_t n = 13752, hop_rows = 4000, rows = 950;
      const auto memory = [&](int64_t width) { return operator_memory_bytes(spec, hop_rows, width, rows) + 4 * n * width; };
      const int64_t w = lean_block_width(spec, hop_rows, n, d, rows, state);
      ASSERT_GE(w, 1);
      ASSERT_LE(w, d);
      if (w < d) {
        EXPECT_EQ(w % kColumnBlockAlign, 0) << d << " " << state;
        EXPECT_LE((d + w - 1) / w, kMaxLeanBlocks) << d << " " << state;
        // Wider than the memory rule allows only when the count bound needs it:
        // one panel less would make too many blocks.
        if (w > kColumnBlockAlign && memory(w) > state / 4)
          EXPECT_GT((d + w - kColumnBlockAlign - 1) / (w - kColumnBlockAlign), kMaxLeanBlocks) << d << " " << state;
      }
    }
  }
  // A state as large as the dense features: one block.
  EXPECT_EQ(lean_block_width(spec, 1000, 1000, 300, 10, int64_t(1) << 40), 300);
}

TEST(LinearRows, LinearModelAccuracyIsTheSameWithTestRowsReadThroughTheHead) {
  // Citeseer: 3,327 x 3,703 sparse features (49 MB dense: kept as S and X by
  // default), 1000 test rows.
  const Dataset citeseer = load_planetoid(testing::planetoid_dir(), "citeseer");
  const Config c = preset_for("planetoid", "citeseer", default_operator()).config;
  const Precomputed lean = precompute(citeseer, c);
  std::optional<LinearRowsThreshold> never(std::in_place, std::numeric_limits<int64_t>::max());
  const Precomputed whole = precompute(citeseer, c);
  never.reset();
  ASSERT_FALSE(whole.lazy_test);
  ASSERT_TRUE(lean.lazy_test);
  EXPECT_EQ(lean.x.rows(), Eigen::Index(citeseer.train.size() + citeseer.val.size()));
  EXPECT_THROW(lean.test_x(), std::logic_error);
  EXPECT_LT(testing::max_rel_error(DenseMatrix(lean.x), DenseMatrix(whole.x.topRows(lean.x.rows()))), 1e-5);
  for (uint64_t seed : {0, 1}) {
    TrainOptions opt = c.train;
    opt.seed = seed;
    SoftmaxModel m0, m1;
    const Evaluation e0 = fit_evaluate(whole, opt, nullptr, &m0), e1 = fit_evaluate(lean, opt, nullptr, &m1);
    // The lean train rows come from their receptive field, where a sparse
    // first hop takes another kernel than the whole run's sparse hop: the
    // rows agree to 1e-5 (above), the trained logits to 1e-3.
    EXPECT_LT(testing::max_rel_error(lean.test_logits(m1), whole.test_logits(m0)), 1e-3) << "seed " << seed;
    // The same logits up to rounding: at most a near-tie may flip.
    EXPECT_NEAR(e0.test_acc, e1.test_acc, 0.0011) << "seed " << seed;
    EXPECT_NEAR(e0.val_acc, e1.val_acc, 1e-12) << "seed " << seed;
  }
  const VerifyReport v = verify_precomputed(citeseer, c, lean);
  EXPECT_LE(v.max_relative_error, 1e-4);
  EXPECT_EQ(v.rows, int64_t(citeseer.train.size() + citeseer.val.size() + citeseer.test.size()));
  // A corrupted S inside the kept rows shows in the verifier: it is not blind to the test rows.
  Precomputed broken = lean;
  auto s_bad = std::make_shared<CsrMatrix>(normalized_operator(citeseer.adjacency, c.op));
  for (float& value : s_bad->values) value *= 1.1f;
  Dataset normalised = citeseer;
  normalize_features(normalised, c.feature_norm);
  broken.lazy_test = std::make_shared<const LinearRows>(s_bad, std::move(normalised.features), c.op, citeseer.test);
  EXPECT_GT(verify_precomputed(citeseer, c, broken).max_relative_error, 0.05);
}

TEST(ReleasePages, WholePagesInsideTheRangeReadBackAsZeros) {
  const size_t page = size_t(::sysconf(_SC_PAGESIZE));
  void* p = ::mmap(nullptr, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(p, MAP_FAILED);
  auto* bytes = static_cast<unsigned char*>(p);
  std::memset(bytes, 0xab, 4 * page);
  release_pages(bytes + 100, 3 * page);  // covers pages 1 and 2 whole, 0 and 3 in part
  EXPECT_EQ(bytes[0], 0xab);
  EXPECT_EQ(bytes[page - 1], 0xab) << "a partly covered page stays";
  EXPECT_EQ(bytes[page], 0);
  EXPECT_EQ(bytes[3 * page - 1], 0);
  EXPECT_EQ(bytes[3 * page], 0xab) << "a partly covered page stays";
  release_pages(bytes + 10, 20);  // less than a page: nothing
  EXPECT_EQ(bytes[10], 0xab);
  ::munmap(p, 4 * page);
}

}  // namespace
}  // namespace sgc
