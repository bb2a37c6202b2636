// The command line's settings come from the loaded data set, not from the
// text of --dataset; every subcommand honours the shared flags (the protocol
// among them); --verify and poly work end to end.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "sgc/model/config.h"
#include "test_util.h"

namespace sgc {
namespace {

using nlohmann::json;
using testing::run_cli;

json run_json(const std::string& args) {
  const testing::CliRun r = run_cli(args + " --json --threads 2");
  EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.output;
  // The JSON object is the last thing printed (warnings may come first).
  const size_t at = r.output.find('{');
  if (r.exit_code != 0 || at == std::string::npos) return json::object();
  return json::parse(r.output.substr(at));
}

bool have_planetoid() { return std::filesystem::exists(testing::planetoid_dir() + "/ind.cora.graph"); }

// `--dataset planetoid/cora` and a path to the files train with Cora's
// published settings, exactly as `--dataset cora` does.
TEST(CliPresets, PathAndQualifiedNameGiveTheNamesResult) {
  if (!have_planetoid()) GTEST_SKIP() << "no Planetoid files under " << testing::planetoid_dir();
  const std::string dir = " --data-dir " + testing::planetoid_dir();
  for (const char* op : {"sgc", "dgc"}) {
    const std::string o = std::string(" --op ") + op;
    const json by_name = run_json("train --dataset cora" + dir + o);
    const json qualified = run_json("train --dataset planetoid/cora" + dir + o);
    const json by_path = run_json("train --dataset " + testing::planetoid_dir() + "/ind.cora.x" + o);
    ASSERT_TRUE(by_name.contains("accuracy"));
    EXPECT_EQ(by_name["settings"], op == std::string("sgc") ? "SGC, Wu et al., ICML 2019" : "DGC, Wang et al., NeurIPS 2021");
    for (const json* j : {&qualified, &by_path}) {
      ASSERT_TRUE(j->contains("accuracy")) << op;
      EXPECT_EQ((*j)["family"], "planetoid");
      EXPECT_EQ((*j)["operator"], by_name["operator"]) << op;
      EXPECT_EQ((*j)["weight_decay"], by_name["weight_decay"]) << op;
      EXPECT_EQ((*j)["accuracy"], by_name["accuracy"]) << op;  // bitwise: same settings, same seed
    }
  }
}

// A small Reddit-shaped graph: its preset is the inductive protocol.
const std::string kGraphShape = " --generator powerlaw --nodes 3000 --features 24 --classes 5";
// ... and a short training on it (`sgc predict` takes no training flags).
const std::string kGraph = kGraphShape + " --epochs 15";

TEST(CliPresets, EverySubcommandHonoursTheProtocol) {
  for (const char* protocol : {"inductive", "transductive"}) {
    const std::string p = std::string(" --protocol ") + protocol;
    const json train = run_json("train --k 2" + kGraph + p);
    ASSERT_TRUE(train.contains("accuracy"));
    EXPECT_EQ(train["protocol"], protocol);
    const json sweep = run_json("sweep --ops sgc --ks 2" + kGraph + p);
    ASSERT_TRUE(sweep.contains("curves"));
    EXPECT_EQ(sweep["curves"][0]["protocol"], protocol);
    // The same configuration gives the same accuracy whichever command runs it.
    EXPECT_EQ(sweep["curves"][0]["points"][0]["test"], train["accuracy"]["test"]) << protocol;
    const json tune = run_json("tune --trials 2 --search lr --range lr=0.5:0.5000001" + kGraph + p);
    ASSERT_TRUE(tune.contains("best"));
    EXPECT_EQ(tune["protocol"], protocol);
  }
  // The protocols differ on this graph, so the equalities above can fail.
  const json ind = run_json("train --k 2" + kGraph + " --inductive");
  const json tra = run_json("train --k 2" + kGraph + " --protocol transductive");
  EXPECT_NE(ind["accuracy"], tra["accuracy"]);
  EXPECT_NE(run_cli("train --inductive --protocol transductive" + kGraph).exit_code, 0);
  EXPECT_NE(run_cli("train --protocol sideways" + kGraph).exit_code, 0);
}

TEST(CliPresets, VerifyPassesAndPolyRuns) {
  const json j = run_json("train --nodes 3000 --op poly --coeffs 0.2,0.5,0.3 --verify");
  ASSERT_TRUE(j.contains("verify"));
  EXPECT_TRUE(j["verify"]["passed"].get<bool>());
  EXPECT_LT(j["verify"]["max_relative_error"].get<double>(), 1e-4);
  EXPECT_EQ(j["operator"]["coeffs"], json({0.2, 0.5, 0.3}));
  EXPECT_EQ(j["sparse_products"], 2);
  const json ind = run_json("train --op ssgc --k 4 --verify" + kGraph);
  EXPECT_TRUE(ind["verify"]["passed"].get<bool>());
  EXPECT_EQ(ind["protocol"], "inductive");
  EXPECT_NE(run_cli("train --op poly --nodes 3000").exit_code, 0);  // no coefficients
  EXPECT_NE(run_cli("train --threads 100000 --nodes 3000").exit_code, 0);
  // A flag the chosen operator does not read is an error, not silently ignored.
  const testing::CliRun unread = run_cli("train --op sgc --t 3 --nodes 3000");
  EXPECT_NE(unread.exit_code, 0);
  EXPECT_NE(unread.output.find("--t: not a parameter of sgc"), std::string::npos) << unread.output;
  EXPECT_EQ(run_cli("sweep --ops sgc,dgc --t 3 --ks 2 --nodes 3000 --epochs 5").exit_code, 0);
}

TEST(CliPresets, SavedModelCarriesItsConfiguration) {
  const std::string path = ::testing::TempDir() + "/sgc_registry_model.sgcm";
  const json trained = run_json("train --op poly --coeffs 0.5,0.5 --save " + path + kGraph);
  const json predicted = run_json("predict --model " + path + kGraphShape);
  EXPECT_EQ(predicted["operator"], trained["operator"]);
  EXPECT_GT(predicted["test_accuracy"].get<double>(), 0.3);
  std::remove(path.c_str());
}

// --json carries the whole configuration in the form model files store, which
// the core reads back to the same configuration.
TEST(CliPresets, JsonCarriesTheWholeConfiguration) {
  const json j = run_json("train --op ssgc --k 5 --optimizer lbfgs --epochs 7 --weight-decay 1e-4 --nodes 2000");
  const json& c = j.at("config");
  EXPECT_EQ(c.at("operator").at("op"), "ssgc");
  EXPECT_EQ(c.at("operator").at("k"), 5);
  EXPECT_EQ(c.at("optimizer"), "lbfgs");
  EXPECT_EQ(c.at("epochs"), 7);
  EXPECT_DOUBLE_EQ(c.at("weight_decay").get<double>(), 1e-4);
  EXPECT_EQ(config_to_json(config_from_json(c)), c);
}

}  // namespace
}  // namespace sgc
