// What the `sgc` subcommands share: the flags (operator, model and optimizer
// flags are generated from the library's registries), turning them into a
// data set and a Config (the preset for the loaded data set first, then the
// flags), and printing. The subcommands live in tools/cmd_*.cc; all policy is
// in src/sgc (presets.h, model/config.h).
#pragma once

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "sgc/data/generators.h"
#include "sgc/model/config.h"
#include "sgc/model/model.h"
#include "sgc/presets.h"

namespace sgc_cli {

using nlohmann::json;

// A CLI11 check for a seed: not negative (-1 would wrap to 2^64 - 1) and
// within 64 bits (CLI11 would clamp a larger one to 2^64 - 1 silently).
inline const CLI::Validator kNonNegative(
    [](const std::string& v) {
      if (!v.empty() && v[0] == '-') return std::string("must be >= 0, got " + v);
      errno = 0;
      char* end = nullptr;
      std::strtoull(v.c_str(), &end, 10);
      if (errno == ERANGE) return std::string("must be at most 18446744073709551615, got " + v);
      return std::string();
    },
    "", "non-negative");

// A CLI11 check for a path flag: an empty value is refused (else `--save ""`
// would read as "not given" and write nothing, silently).
inline const CLI::Validator kNonEmptyPath(
    [](const std::string& v) { return v.empty() ? std::string("empty path") : std::string(); }, "PATH", "non-empty");

// The built-in graphs (sgc/data/generators.h); unset flags keep the
// generator's defaults.
struct SyntheticFlags {
  std::string generator = "csbm";
  nlohmann::json params = nlohmann::json::object();  // the generator parameters given, {name: value}
  std::vector<std::string> given;                     // the flags of the group that were given ("--nodes", ...)
};

// Registers --generator and one flag per generator parameter (--nodes,
// --classes, ...) in a "synthetic graph" group described by `use`.
void add_synthetic_flags(CLI::App& app, SyntheticFlags& f, const char* use = "used when --dataset is not given");

// The synthetic data set the flags describe (seeded with `seed`).
sgc::Dataset make_synthetic(const SyntheticFlags& f, uint64_t seed);

// The flags every subcommand that loads a data set shares.
struct DataFlags {
  std::string dataset;  // empty -> synthetic
  std::string data_dir;
  int split = 0;  // --split: which stored / seeded split (sgc/io/load.h LoadOptions)
  uint64_t seed = 42;
  bool split_given = false, seed_given = false;  // whether --split / --seed were given
  int threads = 0;
  std::string device = "cpu";  // --device: applied when parsed (sgc/gpu/device.h)
  std::string memory_limit;  // --memory-limit: empty -> default budget (sgc/util/budget.h)
  std::string max_products;  // --max-products: empty -> default cap (sgc/util/budget.h)
  std::string feature_store;  // --feature-store: node features from this .sgcf instead (sgc/io/load.h)
  std::string ogb_split;      // --ogb-split: an OGB folder's split/<name> (sgc/io/load.h)
  bool json = false;
  bool quiet = false;  // --quiet: no progress line (util/progress.h; never with --json or off a terminal)
  SyntheticFlags synthetic;
};
// --memory-limit and --max-products take effect as they are parsed (before a
// model file is read); a bad value is a flag-syntax error (status 105).
void add_data_flags(CLI::App& app, DataFlags& f);
// Sets the device (sgc::set_device: an error without a GPU for cuda), the
// thread count (sgc::set_num_threads) and the progress line
// (sgc::install_terminal_progress), then loads or generates the data set (the
// memory budget and the products cap were set when their flags were parsed).
sgc::Dataset load_data(const DataFlags& f);
// The files the data flags name ({flag, path}: --dataset, --feature-store),
// which an output may not replace (sgc::check_output_path's inputs).
std::vector<std::pair<std::string, std::string>> data_inputs(const DataFlags& f);

struct CommonFlags : DataFlags {
  std::optional<std::string> model, op, optimizer, feature_norm, protocol;
  std::map<std::string, nlohmann::json> op_params;  // flags of the registry's operator parameters that were given
  std::map<std::string, nlohmann::json> model_params;  // flags of the models' parameters (model_params.h) given
  std::map<std::string, nlohmann::json> optimizer_params;  // flags of the optimizers' parameters (optimizer.h) given
  std::optional<double> lr, weight_decay;
  std::optional<int> epochs;
  bool inductive = false;
};

// choose_operator: whether the command takes --op and --k (sweep has lists instead).
void add_common_flags(CLI::App& app, CommonFlags& f, bool choose_operator = true);

// Flags override the preset (every field but the operator).
void apply_flags(const CommonFlags& f, sgc::Config& config);

struct Job {
  sgc::Dataset data;  // may be moved into a model; the summary below stays
  std::string family, name;
  int64_t nodes = 0, features = 0;
  int32_t classes = 0;
  sgc::Preset preset;  // preset.config: the configuration after the flags
  sgc::StageTimes times;
};

// ArgumentError for an operator flag (--t, --alpha, ...) that none of `ops` reads.
void check_params_read(const CommonFlags& f, const std::vector<const sgc::OperatorDef*>& ops);
// ArgumentError for a model flag (--tau, --hidden, ...) that none of `models` reads.
void check_model_params_read(const CommonFlags& f, const std::vector<const sgc::ModelDef*>& models);

// Sets the thread count, loads the data set and resolves the configuration
// for --op (else the default operator); check_params: check_params_read for it.
Job prepare_job(const CommonFlags& f, bool check_params = true);
sgc::Preset configured(const CommonFlags& f, const sgc::Dataset& data, const sgc::OperatorDef& op);

// Data set, operator and training configuration of a job.
json config_json(const Job& job, const CommonFlags& f);

// The data set `sgc predict` scores (load_data), as the model was trained on
// it when it is that data set: the model's split unless --split names another
// (noted on stderr if print_notes: that split's test nodes may be the model's training nodes), and the
// feature store the model was trained on must be given again. --seed with
// --dataset is refused (it would draw nothing). `split`: the split scored.
// A split the model file records that the data set does not have is an
// error naming `model_path` and the field.
struct AsTrained {
  sgc::Dataset data;
  int split = -1;  // -1: the synthetic graph
};
AsTrained load_as_trained(const DataFlags& f, const std::string& model_path, const json& training,
                          bool print_notes = true);
// On stderr, when `scored` is another split of the data set the model was trained on.
void note_other_split(const json& training, const std::string& name, const std::string& family, int scored);

// predict --out: "node,class" for every node, the class as the data set's own
// label value (label_values[c]; c itself when the loader renumbered nothing).
void write_predictions(const std::string& out, const std::string& model_path, const std::vector<int32_t>& classes,
                       const std::vector<int64_t>& label_values);

// What a saved model records of its training ("training" in the model file):
// the data set, its split (a real data set's), the feature store's absolute
// path if one replaced the features, and the accuracies; `sgc predict` reads
// the split and the store back (training_split, training_feature_store).
json training_record(const Job& job, const DataFlags& f, const sgc::Evaluation& ev);
// The job's stage times and the whole run's, as "seconds" in --json output.
json seconds_json(const Job& job, double total);
// "[model M, ]adam, transductive protocol, lr=0.2 epochs=100 weight_decay=0"
// (lr only for an optimizer that has one): the training part of a header.
std::string training_summary(const sgc::Config& c);
// The text output's first two lines: the data set and training, the operator.
void print_job_header(const Job& job, int64_t products);
// The items of a comma-separated flag value ("2,4,8"; none for ""); ArgumentError naming
// `flag` for an empty item ("2,,4", "2,4,", ",2"), which is a typo, not a
// list with fewer items.
std::vector<std::string> split_list(const std::string& list, const std::string& flag);

// The training flags that were given (--op, --k and the other operator,
// model and optimizer parameters, --model, --lr, --epochs, ...), by name:
// for the commands where a model is not trained from them (a loaded model,
// the robustness report's own victims), which refuse them.
std::vector<std::string> training_flags_given(const CommonFlags& f);

// The products cap for the job's operator, before any work; its message
// starts with the operator flags given ("--k 100000: operator sgc K=100000
// ... needs ..."), where any were.
void require_operator_products(const CommonFlags& f, const sgc::OperatorSpec& op);

// An accuracy for the text output: "0.8110", or "n/a" for a split without
// rows (NaN; --json writes null).
std::string accuracy_text(double accuracy);

}  // namespace sgc_cli
