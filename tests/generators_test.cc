// The generator registry (sgc/data/generators.h): every entry checked the
// same way, so a new generator is tested without a test of its own; and the
// command line reads it (a flag no generator reads is refused, not ignored).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sgc/data/generators.h"
#include "readers_util.h"
#include "sgc/error.h"
#include "sgc/io/load.h"
#include "test_util.h"

namespace sgc {
namespace {

using nlohmann::json;

// Small sizes every generator accepts.
json small_params(const GeneratorDef& g) {
  json p = json::object();
  if (g.reads("nodes")) p["nodes"] = 2000;
  if (g.reads("features")) p["features"] = 8;
  if (g.reads("classes")) p["classes"] = 3;
  if (g.reads("avg_degree")) p["avg_degree"] = 6.0;
  return p;
}

std::string error_of(const GeneratorDef& g, const json& params) {
  try {
    generate(g, params, 0);
  } catch (const ArgumentError& e) {
    return e.what();
  }
  return "";
}

TEST(GeneratorRegistry, EveryGeneratorHonoursItsParametersAndSeed) {
  ASSERT_FALSE(generators().empty());
  EXPECT_EQ(generators().front()->name, "csbm");  // the demo graph a bare `sgc train` draws
  for (const GeneratorDef* g : generators()) {
    SCOPED_TRACE(std::string(g->name));
    // defaults() names what the generator reads, each a known parameter.
    const json defaults = g->defaults();
    ASSERT_FALSE(defaults.empty());
    for (const auto& [r, value] : defaults.items()) {
      ASSERT_NE(find_generator_param(r), nullptr) << r;
      EXPECT_TRUE(g->reads(r)) << r;
    }
    const json p = small_params(*g);
    const Dataset a = generate(*g, p, 7), same = generate(*g, p, 7), other = generate(*g, p, 8);
    validate_dataset(a, std::string(g->name));
    EXPECT_EQ(a.family, "synthetic");
    EXPECT_EQ(a.num_nodes(), 2000);
    EXPECT_EQ(a.num_features(), 8);
    EXPECT_EQ(a.num_classes, 3);
    EXPECT_EQ(a.adjacency.indices, same.adjacency.indices);
    EXPECT_EQ(a.labels, same.labels);
    EXPECT_NE(a.adjacency.indices, other.adjacency.indices);
    // The mean degree follows avg_degree (within the collapse of repeated edges).
    EXPECT_NEAR(double(a.adjacency.nnz()) / a.num_nodes(), 6.0, 1.5);
  }
}

TEST(GeneratorRegistry, ParametersAGeneratorDoesNotReadAreRefusedByName) {
  for (const GeneratorDef* g : generators()) {
    SCOPED_TRACE(std::string(g->name));
    for (const GeneratorParamDef& p : generator_params()) {
      if (g->reads(p.name)) continue;
      json params = small_params(*g);
      params[std::string(p.name)] = p.integer ? json(3) : json(0.5);
      const std::string what = error_of(*g, params);
      EXPECT_NE(what.find(ParameterError::flag_of(std::string(p.name)) + ": generator " + std::string(g->name) +
                          " does not read it (read by: "),
                std::string::npos)
          << what;
    }
  }
  const GeneratorDef& csbm = find_generator("csbm");
  EXPECT_NE(error_of(csbm, {{"no_such", 1}}).find("unknown generator parameter 'no_such'"), std::string::npos);
  EXPECT_NE(error_of(csbm, {{"nodes", 1500.5}}).find("--nodes: expected an integer"), std::string::npos);
  EXPECT_NE(error_of(csbm, {{"nodes", true}}).find("--nodes: expected an integer"), std::string::npos);
  EXPECT_NE(error_of(csbm, {{"signal", "big"}}).find("--signal: expected a number"), std::string::npos);
  EXPECT_NE(error_of(csbm, {{"classes", int64_t(1) << 40}}).find("--classes: out of range"), std::string::npos);
  EXPECT_NE(error_of(csbm, {{"test_nodes", 0}}).find("--test-nodes"), std::string::npos);
  EXPECT_NE(error_of(find_generator("products"), {{"nodes", 1000}, {"avg_degree", 0.0}}).find("--avg-degree"),
            std::string::npos);
  // Features are float32: a scale that overflows them (signal 1e300 generated infinities) is refused, by name.
  for (const GeneratorDef* g : generators())
    for (const char* scale : {"signal", "noise"}) {
      json params = small_params(*g);
      params[scale] = 1e300;
      EXPECT_NE(error_of(*g, params).find(std::string("--") + scale + ": at most 1e+15 (the features are float32)"),
                std::string::npos)
          << g->name << " " << scale;
    }
  EXPECT_THROW(find_generator("lattice"), ArgumentError);
  EXPECT_THROW(powerlaw_options({{"train_per_class", 3}}, 0), ParameterError);
}

TEST(GeneratorRegistry, CommandLineFlagsComeFromTheTable) {
  testing::TempDir tmp;
  // `sgc generate --generator products` took the powerlaw-only flags and ignored them.
  testing::expect_cli_error("generate --generator products --nodes 2000 --out " + tmp.file("p") + " --train-fraction 0.5",
               "--train-fraction: generator products does not read it (read by: powerlaw)");
  testing::expect_cli_error("train --generator csbm --gamma 3", "--gamma: generator csbm does not read it");
  testing::expect_cli_error("train --generator powerlaw --nodes 3000 --train-per-class 3", "(read by: csbm)");
  testing::write_bytes(tmp.file("a_file"), "x");
  testing::expect_cli_error("generate --nodes 1000 --out " + tmp.file("a_file"), "exists and is not a folder");
  // Every generator can be written, and the files read back as the graph drawn.
  const testing::CliRun w = testing::run_cli("generate --generator csbm --nodes 800 --val-nodes 100 --test-nodes 200 "
                                             "--format edgelist --seed 3 --out " + tmp.file("c"));
  ASSERT_EQ(w.exit_code, 0) << w.output;
  const Dataset want = generate(find_generator("csbm"), {{"nodes", 800}, {"val_nodes", 100}, {"test_nodes", 200}}, 3);
  const Dataset back = load_dataset(tmp.file("c") + "/edges.txt", LoadOptions{});
  EXPECT_EQ(back.adjacency.indptr, want.adjacency.indptr);
  EXPECT_EQ(back.adjacency.indices, want.adjacency.indices);
  // Help lists each generator with its default.
  const testing::CliRun help = testing::run_cli("train --help");
  EXPECT_NE(help.output.find("--gamma FLOAT"), std::string::npos);
  EXPECT_NE(help.output.find("(default: powerlaw 2.5, products 2.3)"), std::string::npos) << help.output;
}

}  // namespace
}  // namespace sgc
