// The SGC family on the real Planetoid files: published accuracy with the
// published settings (OperatorDef::published, applied by sgc/presets.h), DGC's truncated series against
// its K naive Euler steps, and the `sgc` subcommands around the operators.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>

#include "sgc/graph/normalize.h"
#include "sgc/io/planetoid.h"
#include "sgc/model/linear_model.h"
#include "sgc/ops/operator.h"
#include "sgc/presets.h"
#include "sgc/util/threads.h"
#include "test_util.h"

namespace sgc {
namespace {

const Dataset& planetoid(const std::string& name) {
  static std::map<std::string, Dataset> cache;
  auto it = cache.find(name);
  if (it == cache.end()) it = cache.emplace(name, load_planetoid(testing::planetoid_dir(), name)).first;
  return it->second;
}

struct Target {
  const char* op;
  const char* dataset;
  double floor;  // test accuracy (%) of the default seed and of the mean of 10 seeds
};

class PublishedSettings : public ::testing::TestWithParam<Target> {};

TEST_P(PublishedSettings, ReachTheirAccuracy) {
  const Target want = GetParam();
  // load_planetoid reads the files only; the family is what load_dataset sets.
  const Preset setting = preset_for("planetoid", want.dataset, find_operator(want.op));
  ASSERT_GT(setting.published_accuracy, 0) << "no published setting for " << want.op << " on " << want.dataset;
  ASSERT_EQ(setting.config.op.def, &find_operator(want.op));
  ASSERT_EQ(setting.config.feature_norm, FeatureNorm::Row);
  const Precomputed pre = precompute(planetoid(want.dataset), setting.config);
  const double first = fit_evaluate(pre, setting.config.train).test_acc * 100;
  std::vector<double> runs;
  for (uint64_t seed = 0; seed < 10; ++seed) {
    TrainOptions opt = setting.config.train;
    opt.seed = seed;
    runs.push_back(fit_evaluate(pre, opt).test_acc * 100);
  }
  const double mean = std::accumulate(runs.begin(), runs.end(), 0.0) / double(runs.size());
  EXPECT_GE(first, want.floor) << want.op << " on " << want.dataset;
  EXPECT_GE(mean, want.floor) << want.op << " on " << want.dataset << ", mean of 10 seeds";
  std::printf("%s %s: default seed %.1f, mean of 10 seeds %.2f (published %.1f)\n", want.op, want.dataset, first,
              mean, setting.published_accuracy);
}

// DGC: the published 83.3 / 73.3 / 80.3 less 0.5.
// SSGC: the published 83.0 / 73.6 / 80.6 are not reached by the authors' own
// code with these settings, which gives 82.4 / 73.0 / 80.0 (allenhaozhu/SSGC
// issue #16); this engine gives 82.5 / 73.0 / 80.0 (means 82.56 / 73.00 /
// 79.95), so the floors are the authors' code's figures less 0.2-0.3.
INSTANTIATE_TEST_SUITE_P(Planetoid, PublishedSettings,
                         ::testing::Values(Target{"dgc", "cora", 82.8}, Target{"dgc", "citeseer", 72.8},
                                           Target{"dgc", "pubmed", 79.8}, Target{"ssgc", "cora", 82.2},
                                           Target{"ssgc", "citeseer", 72.7}, Target{"ssgc", "pubmed", 79.7}),
                         [](const auto& info) { return std::string(info.param.op) + "_" + info.param.dataset; });

// ||a - b||_F / ||b||_F in double.
double frobenius_rel(const DenseMatrix& a, const DenseMatrix& b) {
  return (a.cast<double>() - b.cast<double>()).norm() / b.cast<double>().norm();
}

class DgcSeries : public ::testing::TestWithParam<const char*> {};

// The published T and K; 32 of the feature columns, spread over all of them,
// keep the K naive steps cheap (columns do not interact in S X), and so does
// one thread: K small products would mostly wait for the thread team on a
// busy machine (the result does not depend on the thread count).
TEST_P(DgcSeries, EqualsTheNaiveStepsWithATenthOfTheProducts) {
  const std::string name = GetParam();
  const int threads_before = num_threads();
  set_num_threads(1);
  Dataset d = planetoid(name);
  normalize_features(d, FeatureNorm::Row);
  const DenseMatrix all = to_dense(d.features);
  DenseMatrix x(all.rows(), 32);
  for (int c = 0; c < 32; ++c) x.col(c) = all.col(Eigen::Index(c) * all.cols() / 32);

  OperatorSpec spec = preset_for("planetoid", name, find_operator("dgc")).config.op;
  EXPECT_GE(spec.k, 250) << "DGC's published K";
  const CsrMatrix s = normalized_operator(d.adjacency, spec);
  const OperatorResult series = run_operator(s, x, spec);
  spec.def = &find_operator("dgc_naive");
  const OperatorResult naive = run_operator(s, x, spec);

  EXPECT_EQ(naive.sparse_products, spec.k);
  EXPECT_LE(series.sparse_products * 10, spec.k) << "series products " << series.sparse_products;
  EXPECT_LT(frobenius_rel(series.features, naive.features), 1e-5);
  EXPECT_LT(testing::max_rel_error(series.features, naive.features), 1e-4);
  std::printf("%s: K=%d naive products, %lld series products, relative difference %.2e\n", name.c_str(), spec.k,
              (long long)series.sparse_products, frobenius_rel(series.features, naive.features));
  set_num_threads(threads_before);
}

INSTANTIATE_TEST_SUITE_P(Planetoid, DgcSeries, ::testing::Values("cora", "citeseer", "pubmed"));

// ---- the command line -------------------------------------------------------


nlohmann::json run_json(const std::string& args) {
  const testing::CliRun r = testing::run_cli(args + " --json");
  EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.output;
  try {
    return nlohmann::json::parse(r.output);
  } catch (const std::exception& e) {
    ADD_FAILURE() << args << ": not JSON: " << r.output;
    return {};
  }
}

TEST(FamilyCli, TrainUsesThePublishedSettingsOfTheOperator) {
  const std::string dir = " --data-dir " + testing::planetoid_dir();
  const auto j = run_json("train --dataset cora --op dgc" + dir);
  EXPECT_EQ(j["operator"]["op"], "dgc");
  EXPECT_DOUBLE_EQ(j["operator"]["t"].get<double>(), 5.27);
  EXPECT_EQ(j["k"], 250);
  EXPECT_DOUBLE_EQ(j["lr"].get<double>(), 0.156);
  EXPECT_LE(j["sparse_products"].get<int>(), 25);
  EXPECT_GE(j["accuracy"]["test"].get<double>(), 0.828);
  // Flags override the published values.
  const auto k = run_json("train --dataset cora --op ssgc --k 4 --alpha 0.2 --norm low_pass" + dir);
  EXPECT_EQ(k["operator"]["k"], 4);
  EXPECT_DOUBLE_EQ(k["operator"]["alpha"].get<double>(), 0.2);
  EXPECT_EQ(k["operator"]["norm"], "low_pass");
  EXPECT_EQ(k["sparse_products"], 4);
}

// The synthetic runs use one thread: small products on a busy machine mostly
// wait for the thread team (results do not depend on the thread count).
TEST(FamilyCli, SweepPrintsEveryDepthAndDrawsThePlot) {
  const std::string svg = ::testing::TempDir() + "sgc_family_sweep.svg";
  std::remove(svg.c_str());
  const auto j = run_json("sweep --nodes 2000 --threads 1 --ops sgc,dgc,ppr --ks 1,4,16 --plot " + svg);
  ASSERT_EQ(j["curves"].size(), 3u);
  EXPECT_EQ(j["curves"][0]["points"].size(), 3u);
  EXPECT_EQ(j["curves"][0]["points"][2]["k"], 16);
  EXPECT_EQ(j["curves"][0]["points"][2]["sparse_products"], 16);
  EXPECT_FALSE(j["curves"][2]["depends_on_k"].get<bool>());
  EXPECT_EQ(j["curves"][2]["points"].size(), 1u);
  for (size_t i = 0; i < 3; ++i) EXPECT_GT(j["curves"][0]["points"][i]["test"].get<double>(), 0.5) << "sgc";
  EXPECT_GT(j["curves"][2]["points"][0]["test"].get<double>(), 0.5) << "ppr";
  // DGC at T = 5: forward Euler with step T/K > 1 is unstable (K = 1, 4), fine at K = 16.
  const auto& dgc = j["curves"][1]["points"];
  EXPECT_GT(dgc[2]["test"].get<double>(), 0.5);
  EXPECT_LT(dgc[0]["test"].get<double>(), dgc[2]["test"].get<double>());
  std::ifstream in(svg);
  ASSERT_TRUE(in) << svg;
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("<svg"), std::string::npos);
  EXPECT_NE(text.str().find("sgc test"), std::string::npos);
  EXPECT_NE(text.str().find("ppr test"), std::string::npos);
  EXPECT_NE(text.str().find("</svg>"), std::string::npos);
  // Text output: one row per depth.
  const testing::CliRun r = testing::run_cli("sweep --nodes 2000 --threads 1 --ops sgc,ssgc --ks 2,8");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\n     8 "), std::string::npos) << r.output;
}

TEST(FamilyCli, TuneSearchesTheOperatorsParameters) {
  const auto j = run_json("tune --nodes 2000 --threads 1 --op dgc --k 100 --trials 6");
  for (const char* p : {"t", "lr", "weight_decay"}) EXPECT_TRUE(j["searched"].contains(p)) << p;
  EXPECT_FALSE(j["searched"].contains("k"));
  const double t = j["best"]["t"].get<double>();
  EXPECT_GE(t, 1.0);
  EXPECT_LE(t, 10.0);
  EXPECT_DOUBLE_EQ(j["best"]["operator"]["t"].get<double>(), t);
  EXPECT_GT(j["best"]["val"].get<double>(), 0.5);
  // Explicit choice and range; integers stay integers.
  const auto k = run_json("tune --nodes 2000 --threads 1 --op ssgc --trials 5 --search k,alpha --range k=2:6");
  EXPECT_EQ(k["searched"].size(), 2u);
  const int best_k = k["best"]["k"].get<int>();
  EXPECT_GE(best_k, 2);
  EXPECT_LE(best_k, 6);
  // The same seed gives the same search.
  EXPECT_EQ(run_json("tune --nodes 2000 --threads 1 --op heat --trials 4 --seed 3")["best"],
            run_json("tune --nodes 2000 --threads 1 --op heat --trials 4 --seed 3")["best"]);
}

TEST(FamilyCli, BadParametersAreOneLineErrorsNamingTheFlag) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"train --nodes 2000 --op dgc --t 0", "--t"},
      {"train --nodes 2000 --op heat --t -2", "--t"},
      {"train --nodes 2000 --op ssgc --alpha 0", "--alpha"},
      {"train --nodes 2000 --op ppr --alpha 1.5", "--alpha"},
      {"train --nodes 2000 --op dgc --k 0", "--k"},
      {"train --nodes 2000 --op sign --k -1", "--k"},
      {"train --nodes 2000 --op heat_kernel", "--op"},
      {"train --nodes 2000 --norm symmetric", "--norm"},
      {"train --nodes 2000 --self-loop -1", "--self-loop"},
      {"train --nodes 2000 --op ppr --tol 0", "--tol"},
      {"sweep --nodes 2000 --ks 1,x", "--ks"},
      {"sweep --nodes 2000 --ops sgc,bogus", "--ops"},
      {"sweep --nodes 2000 --ks 2 --plot /nonexistent/dir/p.svg", "--plot"},
      {"tune --nodes 2000 --threads 1 --op dgc --search alpha", "--search"},
      {"tune --nodes 2000 --threads 1 --op dgc --search t --range t=a:b", "--range"},
      {"tune --nodes 2000 --threads 1 --op dgc --search t --range lr=0.1:1", "--range"},
  };
  for (const auto& [args, flag] : cases) {
    const testing::CliRun r = testing::run_cli(args);
    EXPECT_EQ(r.exit_code, 1) << args << "\n" << r.output;
    EXPECT_EQ(r.output.rfind("sgc: error: " + flag + ":", 0), 0u) << args << "\n" << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << args << "\n" << r.output;
  }
}

}  // namespace
}  // namespace sgc
