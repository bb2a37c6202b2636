// Hyper-parameter search of a configuration on validation accuracy: TPE
// (tpe.h) over named parameters of the Config (the operator's, the
// training's, the optimizer's, the model's: set_config_param), the test
// accuracy measured once, for the configuration chosen. `sgc tune` and
// Python's sgc.tune run this.
//
// The default search space is the operator's registry entry (what its
// authors tuned); other parameters' ranges come from presets.h's
// search_range. The starting configuration competes with the trials (its
// values may lie outside the ranges searched), so a search never reports a
// configuration worse on validation than where it began. Trials that change
// only training parameters reuse the prepared model (its features).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sgc/data/dataset.h"
#include "sgc/model/config.h"
#include "sgc/model/model.h"
#include "sgc/tune/tpe.h"

namespace sgc::tune {

struct SearchedParam {
  ParamSpec spec;
  std::string source;  // where the range came from, named in messages ("the default range of k", "--range k=1:9")
};

// The default ranges of `names` (none given: the operator's default search)
// for the operator, optimizer and model. ArgumentError for an unknown or
// repeated name, or an empty list given.
std::vector<SearchedParam> default_space(const std::optional<std::vector<std::string>>& names, const OperatorDef& op,
                                         const OptimizerDef& optimizer, const ModelDef& model);

// Sets the range of the searched parameter `name` to [low, high]; `source`
// names how it was given in later messages. ArgumentError "<flag>: ..." when
// `name` is not in the space (named by `search_flag`) or an integer
// parameter gets fractional bounds.
void set_range(std::vector<SearchedParam>& space, const std::string& name, double low, double high,
               std::string source, const std::string& flag, const std::string& search_flag);

// The number of trials: 1..kMaxIterations (ArgumentError naming --trials).
void check_trials(int trials);

// Every range, before the data set is read: finite bounds, low < high,
// low > 0 on a log scale, an integer in an integer range. ArgumentError
// naming the range's source.
void check_ranges(const std::vector<SearchedParam>& space);
// At both ends of an operator parameter's range: the operator valid and
// within the products cap (before any trial, not midway).
void check_costs(const std::vector<SearchedParam>& space, const Config& base);

struct SearchResult {
  std::vector<ParamSpec> space;
  std::vector<double> best;  // per parameter of space
  bool kept_start = false;   // no trial beat the starting configuration's validation accuracy
  Config chosen;
  Evaluation evaluation;     // of `chosen` (val and test)
  int trials = 0;
};

// check_ranges and check_costs, then `opts.trials` TPE trials seeded with opts.seed.
// ArgumentError when d has no validation nodes.
SearchResult search(const Dataset& d, const Config& base, const std::vector<SearchedParam>& space,
                    const TpeOptions& opts);

// {"searched": {name: {low, high, scale, integer}}, "trials", "kept_start",
//  "best": {name: value, "val", "test", "operator"}, "config": the chosen
//  configuration (config_to_json)}: --json and Python.
nlohmann::json search_to_json(const SearchResult& r);

}  // namespace sgc::tune
