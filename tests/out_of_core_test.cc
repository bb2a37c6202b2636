// Out-of-core propagation (ops/out_of_core.h) against the whole-width run:
// bitwise equal for every operator, with and without requested rows, from a
// dense view, owned features (output written in place), sparse features and
// a mapped feature store, and on a graph large enough that the whole-width
// product takes the panel kernel while the blocks take the row kernel.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sgc/data/products.h"
#include "sgc/error.h"
#include "sgc/graph/normalize.h"
#include "sgc/io/feature_store.h"
#include "sgc/model/linear_model.h"
#include "sgc/ops/out_of_core.h"
#include "sgc/presets.h"
#include "sgc/util/budget.h"
#include "test_util.h"

namespace sgc {
namespace {

struct BudgetGuard {
  const int64_t old = memory_budget();
  explicit BudgetGuard(int64_t bytes) { set_memory_budget(bytes); }
  ~BudgetGuard() { set_memory_budget(old); }
};

using testing::operator_spec;

// Every fourth node, backwards: requested rows in an order of their own.
std::vector<int32_t> some_rows(int64_t n) {
  std::vector<int32_t> rows;
  for (int64_t i = n - 1; i >= 0; i -= 4) rows.push_back(int32_t(i));
  return rows;
}

class EveryOperator : public ::testing::TestWithParam<const char*> {};

TEST_P(EveryOperator, BlocksEqualTheWholeRunBitwise) {
  const CsrMatrix s = aug_norm_adj(testing::awkward_graph(600, 2400, 7, 3));
  const DenseMatrix x = testing::random_dense(600, 53, 4);  // 53: blocks of 16, 16, 16 and 5
  const OperatorSpec spec = operator_spec(GetParam(), 3);
  const std::vector<int32_t> rows = some_rows(600);
  for (const std::vector<int32_t>* r : {static_cast<const std::vector<int32_t>*>(nullptr), &rows}) {
    const DenseMatrix want = run_operator(s, DenseMatrix(x), spec, r).features;
    BlockedRun info;
    const DenseMatrix from_view = run_operator_blocked(s, ColumnSource(view_of(x)), spec, r, 16, &info).features;
    EXPECT_EQ(info.blocks, 4);
    EXPECT_TRUE(from_view == want) << GetParam() << (r ? " (rows)" : "");
    const DenseMatrix in_place = run_operator_blocked(s, DenseMatrix(x), spec, r, 32).features;
    EXPECT_TRUE(in_place == want) << GetParam() << (r ? " (rows, in place)" : " (in place)");
  }
}

INSTANTIATE_TEST_SUITE_P(OutOfCore, EveryOperator,
                         ::testing::Values("sgc", "dgc", "dgc_naive", "heat", "ssgc", "ppr", "sign", "poly"));

TEST(OutOfCore, SparseFeaturesInBlocks) {
  const CsrMatrix s = aug_norm_adj(testing::awkward_graph(400, 1600, 3, 5));
  const CsrMatrix x = testing::awkward_graph(400, 900, 0, 6);  // a sparse 400 x 400 "feature" matrix
  const std::vector<int32_t> rows = some_rows(400);
  for (const char* op : {"sgc", "sign", "ssgc"}) {
    const OperatorSpec spec = operator_spec(op, 2);
    const DenseMatrix want = run_operator(s, FeatureInput(x), spec, &rows).features;
    const DenseMatrix got = run_operator_blocked(s, ColumnSource(x), spec, &rows, 48).features;
    EXPECT_TRUE(got == want) << op;
  }
  // Blocks dense enough to multiply faster dense (dense_input_pays) are
  // densified; each entry is still summed in S's order.
  CsrMatrix dense_x = testing::awkward_graph(400, 40000, 0, 7);
  for (float& v : dense_x.values) v *= 0.37f;
  ASSERT_FALSE(ColumnSource(x).dense_blocks_pay(s));
  ASSERT_TRUE(ColumnSource(dense_x).dense_blocks_pay(s));
  for (const char* op : {"sgc", "ssgc"}) {
    const OperatorSpec spec = operator_spec(op, 2);
    const DenseMatrix want = run_operator(s, FeatureInput(dense_x), spec, &rows).features;
    const DenseMatrix got = run_operator_blocked(s, ColumnSource(dense_x), spec, &rows, 48).features;
    EXPECT_LE(testing::max_error_vs_scale(got, want), 1e-6) << op;
    EXPECT_TRUE(got == want) << op;
  }
}

TEST(OutOfCore, FromAMappedStore) {
  const CsrMatrix s = aug_norm_adj(testing::awkward_graph(700, 3000, 5, 8));
  const DenseMatrix x = testing::random_dense(700, 40, 9);
  const std::string path = ::testing::TempDir() + "/sgc_ooc_x.sgcf";
  write_feature_store(path, x);
  const MappedFeatures m = MappedFeatures::open(path);
  for (const char* op : {"sgc", "sign"}) {
    const OperatorSpec spec = operator_spec(op, 2);
    EXPECT_TRUE(run_operator_blocked(s, ColumnSource(m), spec, nullptr, 16).features ==
                run_operator(s, DenseMatrix(x), spec).features)
        << op;
  }
}

// Big enough that the whole-width product uses the panel kernel (X over
// 16 MB, 64+ columns, 16+ non-zeros a row) while 16-column blocks use the
// row kernel: the sums are still formed alike.
TEST(OutOfCore, PanelSizedGraphBitwise) {
  const int64_t n = 40000, d = 128;
  const CsrMatrix s = aug_norm_adj(testing::awkward_graph(int(n), int(n) * 10, 0, 12));
  const DenseMatrix x = testing::random_dense(n, d, 13);
  const OperatorSpec spec = operator_spec("sgc", 2);
  const std::vector<int32_t> rows = some_rows(n);
  const DenseMatrix want = run_operator(s, DenseMatrix(x), spec, &rows).features;
  EXPECT_TRUE(run_operator_blocked(s, DenseMatrix(x), spec, &rows, 16).features == want);
}

TEST(OutOfCore, BoundedRunPicksBlocksUnderTheBudget) {
  const CsrMatrix s = aug_norm_adj(testing::awkward_graph(2000, 8000, 0, 21));
  const DenseMatrix x = testing::random_dense(2000, 100, 22);
  const OperatorSpec spec = operator_spec("sgc", 2);
  const DenseMatrix want = run_operator(s, DenseMatrix(x), spec).features;
  BlockedRun info;
  EXPECT_TRUE(run_operator_bounded(s, DenseMatrix(x), spec, nullptr, &info).features == want);
  EXPECT_EQ(info.blocks, 1);
  {
    // x (800 KB, the output in place) + one 32-column block (3 x 2000 x 32 floats = 768 KB).
    BudgetGuard budget(800000 + 800000);
    EXPECT_THROW(run_operator(s, DenseMatrix(x), spec), ResourceError);
    EXPECT_TRUE(run_operator_bounded(s, DenseMatrix(x), spec, nullptr, &info).features == want);
    EXPECT_EQ(info.block_cols, 32);
    EXPECT_EQ(info.blocks, 4);
    EXPECT_TRUE(run_operator_bounded(s, FeatureInput(view_of(x)), spec, nullptr, &info).features == want);
    EXPECT_EQ(info.block_cols % kColumnBlockAlign, 0);
  }
  {
    BudgetGuard budget(900000);  // not even one 16-column block beside x
    try {
      run_operator_bounded(s, DenseMatrix(x), spec);
      FAIL() << "no ResourceError";
    } catch (const ResourceError& e) {
      EXPECT_NE(std::string(e.what()).find("--memory-limit"), std::string::npos) << e.what();
    }
  }
}

TEST(OutOfCore, ScratchMatrixHoldsWhatIsWritten) {
  MappedFeatures m = MappedFeatures::scratch(3000, 20, "test");
  for (int64_t i = 0; i < 3000 * 20; ++i) m.mutable_data()[i] = float(i) * 0.5f;
  m.release_rows(0, 3000);  // dropped from the resident set, kept by the file
  DenseMatrix cols;
  m.read_columns(5, 3, cols);
  EXPECT_EQ(cols(2999, 2), float(2999 * 20 + 7) * 0.5f);
  EXPECT_EQ(m.view()(17, 0), float(17 * 20) * 0.5f);
}

// precompute under a budget below S + features + output: the features go to
// a scratch file and the output to another, in column blocks; the rows, the
// trained loss and the accuracies are the same bit for bit.
TEST(OutOfCore, PrecomputeOutOfCoreIsBitwiseTheSame) {
  const Dataset d = make_products(products_sized(4000));
  const Config c = preset_for(d, default_operator(), default_model()).config;
  StageTimes in_memory, limited;
  const Precomputed want = precompute(d, c, &in_memory);
  ASSERT_FALSE(want.spilled);
  EXPECT_EQ(in_memory.column_blocks, 1);
  Precomputed got;
  {
    // S is about 1.7 MB, x 1.6 MB, the in-memory operator 4.8 MB.
    BudgetGuard budget(4 << 20);
    got = precompute(d, c, &limited);
  }
  ASSERT_TRUE(got.spilled);
  EXPECT_EQ(got.x.size(), 0);
  EXPECT_GT(limited.column_blocks, 1);
  ASSERT_EQ(got.all().rows(), want.x.rows());
  EXPECT_TRUE(got.all() == want.x) << "out-of-core rows differ";
  const Evaluation a = fit_evaluate(want, c.train), b = fit_evaluate(got, c.train);
  EXPECT_EQ(a.final_loss, b.final_loss);
  EXPECT_EQ(a.test_acc, b.test_acc);
  {
    BudgetGuard budget(1 << 20);  // not even S
    EXPECT_THROW(precompute(d, c), ResourceError);
  }
}

TEST(OutOfCore, BlockWidthIsAMultipleOfThePanel) {
  const OperatorSpec spec = operator_spec("sgc", 2);
  // 3 n floats a column (two hops and the output) with n = out_rows = 1000.
  EXPECT_EQ(column_block_width(spec, 1000, 100, 1000, 12000 * 40, "x"), 32);
  EXPECT_EQ(column_block_width(spec, 1000, 100, 1000, 12000 * 100, "x"), 100);
  EXPECT_EQ(column_block_width(spec, 1000, 10, 1000, 12000 * 10, "x"), 10);
  EXPECT_THROW(column_block_width(spec, 1000, 100, 1000, 12000 * 15, "x"), ResourceError);
  const OperatorSpec sign = operator_spec("sign", 2);  // output 3 d columns: 5 n floats a column
  EXPECT_EQ(column_block_width(sign, 1000, 100, 1000, 20000 * 33, "x"), 32);
  // A dense copy of each input block (2,000 rows) adds 8,000 bytes a column.
  EXPECT_EQ(column_block_width(spec, 1000, 100, 1000, 20000 * 40, "x", 2000), 32);
  EXPECT_EQ(column_block_width(spec, 1000, 100, 1000, 20000 * 100, "x", 2000), 100);
  EXPECT_THROW(column_block_width(spec, 1000, 100, 1000, 12000 * 40, "x", 2000 * 40), ResourceError);
}

}  // namespace
}  // namespace sgc
