// What the `sgc` subcommands share: the flags, turning them into a data set
// and a configuration (paper settings first, then flags), and printing an
// operator. The subcommands live in tools/cmd_*.cc; all logic is in src/sgc.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "sgc/data/synthetic.h"
#include "sgc/pipeline.h"

namespace sgc_cli {

using nlohmann::json;

// Operator flags; unset ones keep the setting's value.
struct OperatorFlags {
  std::optional<std::string> op, norm;
  std::optional<int> k;
  std::optional<double> t, alpha, tol, self_loop;
};

// The built-in graphs; unset flags keep the generator's defaults.
struct SyntheticFlags {
  std::string generator = "csbm";  // csbm | powerlaw
  std::optional<int64_t> nodes, features;
  std::optional<int32_t> classes, train_per_class;
  std::optional<double> avg_degree, homophily, signal, noise;
};

// Registers --generator, --nodes, --classes, ... in a "synthetic graph" group.
void add_synthetic_flags(CLI::App& app, SyntheticFlags& f);

// The synthetic data set the flags describe (seeded with `seed`).
sgc::Dataset make_synthetic(const SyntheticFlags& f, uint64_t seed);

struct CommonFlags {
  std::string dataset;  // empty -> synthetic
  std::string data_dir;
  int split = 0;  // --split: which stored / seeded split (sgc/io/load.h LoadOptions)
  OperatorFlags op;
  std::optional<double> lr, weight_decay;
  std::optional<int> epochs;
  std::optional<std::string> feature_norm;
  std::optional<std::string> optimizer;
  bool inductive = false;
  uint64_t seed = 42;
  int threads = 0;
  bool json = false;
  SyntheticFlags synthetic;
};

// choose_operator: whether the command takes --op and --k (sweep has lists instead).
void add_common_flags(CLI::App& app, CommonFlags& f, bool choose_operator = true);

// A configuration and where its numbers come from.
struct Settings {
  sgc::SgcConfig config;
  std::string source;               // "SGC, Wu et al., ICML 2019", "defaults", ...
  double published_accuracy = 0;    // percent; 0 when none was published
};

// The published settings of `op` on `dataset` (sgc/ops/published.h), else
// SGC's paper settings (sgc/pipeline.h) with op's own defaults; for the
// synthetic graph (dataset "csbm") no feature normalisation.
Settings default_settings(const std::string& op, const std::string& dataset);

// Flags override the settings (every field but the operator name).
void apply_flags(const CommonFlags& f, sgc::SgcConfig& config);

struct Job {
  sgc::Dataset data;  // may be moved into the pipeline; the summary below stays
  std::string name;
  int64_t nodes = 0, features = 0;
  int32_t classes = 0;
  Settings settings;
  sgc::StageTimes times;
};

// Sets the thread count, loads the data set and resolves the configuration.
Job prepare_job(const CommonFlags& f);

// The operator with the parameters it uses: {"op": "dgc", "k": 250, "t": 5.27, ...}.
json operator_json(const sgc::OperatorSpec& spec);
// The same on one line: "dgc K=250 T=5.27 tol=1e-06 norm=aug_norm_adj".
std::string operator_summary(const sgc::OperatorSpec& spec);

// Data set, operator and training configuration of a job.
json config_json(const Job& job, const CommonFlags& f);

}  // namespace sgc_cli
