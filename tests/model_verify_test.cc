// --verify for every model of the registry: what each computed is
// recomputed in double from its definitions (linear: the operator's
// reference; tsc: H_L and the scores; acm: Z_K), and the comparison fails
// on a difference, a NaN or a shape that does not fit.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include "sgc/error.h"
#include "sgc/model/model.h"
#include "test_util.h"

namespace sgc {
namespace {

TEST(ModelVerifier, EveryRegistryModelVerifiesWhatItComputed) {
  for (const ModelDef* m : models()) {
    SCOPED_TRACE(std::string(m->name));
    ASSERT_TRUE(m->has_verifier);  // a new model without one: refused by --verify before training (require_verifier)
    const testing::CliRun run = testing::run_cli("train --json --verify --nodes 2000 --epochs 3 --threads 1 --model " +
                                                 std::string(m->name));
    ASSERT_EQ(run.exit_code, 0) << run.output;
    const nlohmann::json v = nlohmann::json::parse(run.output)["verify"];
    EXPECT_TRUE(v["passed"].get<bool>()) << v.dump();
    EXPECT_GE(v["rows"].get<int64_t>(), 1600);  // the split's rows (linear) or every node
    EXPECT_LE(v["rows"].get<int64_t>(), 2000);
    EXPECT_GT(v["columns"].get<int64_t>(), 0);
    EXPECT_LE(v["max_relative_error"].get<double>(), 1e-5) << v.dump();
  }
}

TEST(ModelVerifier, ComparisonFailsOnADifferenceANanOrAShape) {
  Eigen::MatrixXd ref(3, 2);
  ref << 1, -4, 2, 0.5, -3, 2;
  const DenseMatrix same = ref.cast<float>();
  EXPECT_TRUE(compare_to_reference(same, ref, 1e-4).passed());
  DenseMatrix off = same;
  off(1, 1) += 0.04f;  // 1% of column 1's largest |value|
  const VerifyReport r = compare_to_reference(off, ref, 1e-4);
  EXPECT_FALSE(r.passed());
  EXPECT_NEAR(r.max_relative_error, 0.01, 1e-6);
  EXPECT_EQ(r.rows, 3);
  EXPECT_EQ(r.columns, 2);
  for (Eigen::Index i = 0; i < ref.rows(); ++i)  // a NaN anywhere, computed or in the reference
    for (Eigen::Index j = 0; j < ref.cols(); ++j) {
      DenseMatrix nan = same;
      nan(i, j) = std::numeric_limits<float>::quiet_NaN();
      EXPECT_FALSE(compare_to_reference(nan, ref, 1e-4).passed()) << i << "," << j;
      Eigen::MatrixXd bad_ref = ref;
      bad_ref(i, j) = std::numeric_limits<double>::infinity();
      EXPECT_FALSE(compare_to_reference(same, bad_ref, 1e-4).passed()) << i << "," << j;
    }
  EXPECT_THROW(compare_to_reference(DenseMatrix(2, 2), ref, 1e-4), Error);
}

}  // namespace
}  // namespace sgc
