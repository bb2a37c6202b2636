// The command line's messages start with what they concern: the file (and
// its field) or the flag, never a flag that was not given.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "readers_util.h"
#include "sgc/model/model_file.h"
#include "test_util.h"

namespace sgc {
namespace {

using testing::expect_cli_error;
using testing::run_cli;

// A split the model file records that the data set does not have is the
// file's field, not a flag (it was "--split: cora has one fixed split").
TEST(CliMessages, ASplitTheModelFileRecordsIsNamedAsItsField) {
  testing::TempDir tmp;
  const std::string cora = " --threads 1 --dataset cora --data-dir " + testing::planetoid_dir();
  const std::string model = tmp.file("cora.sgcm"), edited = tmp.file("edited.sgcm");
  const testing::CliRun trained = run_cli("train --quiet --epochs 5 --save " + model + cora);
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  const SavedModel saved = load_model(model);
  auto save_with_training = [&](const nlohmann::json& training) {
    save_model(edited, saved.config, *saved.model, training);
  };
  save_with_training({{"dataset", "cora"}, {"family", "planetoid"}, {"split", -3}});
  expect_cli_error("predict --model " + edited + cora,
                   "--model " + edited + ": field training.split (-3): cora has one fixed split");
  // The split of another data set: cora is scored on its own.
  save_with_training({{"dataset", "texas"}, {"family", "heterophilous"}, {"split", 3}});
  const testing::CliRun other = run_cli("predict --model " + edited + cora);
  EXPECT_EQ(other.exit_code, 0) << other.output;
  EXPECT_NE(other.output.find("on the test split (split 0)"), std::string::npos) << other.output;
}

// A folder given as --targets is named as one (it was "read error").
TEST(CliMessages, AFolderGivenAsTargetsIsNamedAsOne) {
  testing::TempDir tmp;
  expect_cli_error("attack --nodes 2000 --threads 1 --budgets 1 --targets " + tmp.path(),
                   tmp.path() + ": is a directory");
}

// An empty path was taken as "not given": the default data folder, random
// targets, a victim trained instead of the model loaded, one process.
TEST(CliMessages, EmptyPathsAreRefusedByFlag) {
  const std::string cora = " --threads 1 --dataset cora";
  const std::pair<std::string, std::string> cases[] = {
      {"train --data-dir ''" + cora, "--data-dir: empty path"},
      {"convert --out x.sgcf --data-dir ''" + cora, "--data-dir: empty path"},
      {"attack --nodes 2000 --targets ''", "--targets: empty path"},
      {"attack --nodes 2000 --load ''", "--load: empty path"},
      {"train --partitioned ''", "--partitioned: empty path"},
  };
  for (const auto& [args, message] : cases) {
    const testing::CliRun r = run_cli(args);
    EXPECT_EQ(r.exit_code, 105) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(message), std::string::npos) << args << "\n" << r.output;
  }
}

// Iteration counts have an upper bound, in the configuration's checks (so
// Python's arguments meet it too).
TEST(CliMessages, IterationCountsAboveTheCapAreRefusedByFlag) {
  const std::string small = " --nodes 2000 --threads 1";
  expect_cli_error("train --epochs 10000001" + small, "--epochs: must be at most 10000000, got 10000001");
  expect_cli_error("train --optimizer scrn --cubic-iters 2000000000" + small,
                   "--cubic-iters: must be at most 10000000, got 2000000000");
  expect_cli_error("tune --trials 10000001" + small, "--trials: must be at most 10000000, got 10000001");
}

// Messages start with what they concern: the data set that training diverged
// on, the operator flags whose cost is above the cap.
TEST(CliMessages, DivergenceAndTheProductsCapNameTheirSubject) {
  const std::string cora = " --threads 1 --dataset cora --data-dir " + testing::planetoid_dir();
  expect_cli_error("train --lr 1e30" + cora, "sgc: error: cora: training diverged: ");
  expect_cli_error("train --model acm --lr 1e30 --epochs 5" + cora, "sgc: error: cora: acm training diverged");
  expect_cli_error("train --k 100000 --nodes 2000", "sgc: error: --k 100000: operator sgc K=100000");
  expect_cli_error("train --op heat --t 1e6 --nodes 2000", "sgc: error: --op heat --t 1e+06: operator heat");
  // A list as it was typed, not as JSON.
  expect_cli_error("train --max-products 2 --op poly --coeffs 0.25,0.25,0.25,0.25 --nodes 2000",
                   "sgc: error: --op poly --coeffs 0.25,0.25,0.25,0.25: operator poly");
}

}  // namespace
}  // namespace sgc
