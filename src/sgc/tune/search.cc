#include "sgc/tune/search.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

#include "sgc/error.h"
#include "sgc/ops/operator.h"
#include "sgc/presets.h"
#include "sgc/util/printable.h"

namespace sgc::tune {

namespace {

ParamSpec spec_of(const SearchRange& r) {
  return {r.name, r.low, r.high, r.log ? Scale::Log : Scale::Linear, r.integer};
}

}  // namespace

std::vector<SearchedParam> default_space(const std::optional<std::vector<std::string>>& names, const OperatorDef& op,
                                         const OptimizerDef& optimizer, const ModelDef& model) {
  std::vector<SearchedParam> space;
  auto add = [&](const SearchRange& r) { space.push_back({spec_of(r), "the default range of " + r.name}); };
  if (!names) {
    for (const SearchRange& r : default_search(op, optimizer)) add(r);
  } else {
    for (const std::string& name : *names) {
      for (const SearchedParam& s : space)
        if (s.spec.name == name) throw ArgumentError("--search: " + name + " is named twice");
      add(search_range(name, op, optimizer, model));
    }
  }
  if (space.empty()) throw ArgumentError("--search: no parameter named");
  return space;
}

void set_range(std::vector<SearchedParam>& space, const std::string& name, double low, double high,
               std::string source, const std::string& flag, const std::string& search_flag) {
  auto it = std::find_if(space.begin(), space.end(), [&](const SearchedParam& p) { return p.spec.name == name; });
  if (it == space.end())
    throw ArgumentError(flag + ": '" + name + "' is not searched (see " + search_flag + ")");
  if (it->spec.integer && (low != std::floor(low) || high != std::floor(high)))
    throw ArgumentError(flag + ": " + name + " takes integers; its bounds must be integers, got " +
                        format_number(low) + ":" + format_number(high));
  it->spec.low = low;
  it->spec.high = high;
  it->source = std::move(source);
}

void check_trials(int trials) {
  if (trials < 1) throw ArgumentError("--trials: must be >= 1, got " + std::to_string(trials));
  if (trials > kMaxIterations)
    throw ArgumentError("--trials: must be at most " + std::to_string(kMaxIterations) + ", got " +
                        std::to_string(trials));
}

void check_ranges(const std::vector<SearchedParam>& space) {
  for (const SearchedParam& s : space) {
    const ParamSpec& p = s.spec;
    if (!std::isfinite(p.low) || !std::isfinite(p.high))
      throw ArgumentError(s.source + ": the bounds of " + p.name + " must be finite numbers");
    if (!(p.low < p.high))
      throw ArgumentError(s.source + ": the low end of " + p.name + " (" + format_number(p.low) +
                          ") must be below the high end (" + format_number(p.high) + ")");
    if (p.scale == Scale::Log && !(p.low > 0))
      throw ArgumentError(s.source + ": the low end of " + p.name + " (" + format_number(p.low) +
                          ") must be > 0 (searched on a log scale)");
    if (p.integer && std::ceil(p.low) > std::floor(p.high))
      throw ArgumentError(s.source + ": the range of " + p.name + " contains no integer");
  }
}

void check_costs(const std::vector<SearchedParam>& space, const Config& base) {
  for (const SearchedParam& s : space) {
    for (const double v : {s.spec.low, s.spec.high}) {
      Config c = base;
      try {
        set_config_param(c, s.spec.name, v);
        validate_config(c);
      } catch (const ArgumentError& e) {
        // An end outside the parameter's domain (the operator's, the
        // training's or the model's): refused before the first trial, not by a trial midway.
        throw ArgumentError(s.source + ": at " + s.spec.name + " = " + format_number(v) + ": " + e.what());
      }
      if (!base.op.def->reads(s.spec.name)) continue;
      try {
        require_operator_products(c.op, s.source + ": " + s.spec.name + " = " + format_number(v) + " (" +
                                            operator_summary(c.op) + ")");
      } catch (const ParameterError& e) {
        throw ArgumentError(s.source + ": at " + s.spec.name + " = " + format_number(v) + ": " + e.problem());
      }
    }
  }
}

SearchResult search(const Dataset& d, const Config& base, const std::vector<SearchedParam>& searched,
                    const TpeOptions& opts) {
  if (d.val.empty())
    throw ArgumentError(d.name + ": the validation split is empty; tune selects on validation accuracy");
  check_trials(opts.trials);
  check_ranges(searched);
  check_costs(searched, base);
  SearchResult r;
  for (const SearchedParam& s : searched) r.space.push_back(s.spec);
  r.trials = opts.trials;
  const std::vector<ParamSpec>& space = r.space;

  // Prepared models by what preparing depends on: trials that only change
  // training parameters reuse them.
  std::map<std::string, std::unique_ptr<Model>> cache;
  auto prepared = [&](const Config& c) -> Model& {
    std::unique_ptr<Model> m = make_model(c);
    const std::string key = m->prepare_key(c);
    if (auto it = cache.find(key); it != cache.end()) return *it->second;
    if (cache.size() >= 8) cache.clear();
    m->prepare(d, c);
    return *cache.emplace(key, std::move(m)).first->second;
  };
  auto configured_by = [&](const std::vector<double>& x) {
    Config c = base;
    for (size_t i = 0; i < space.size(); ++i) set_config_param(c, space[i].name, x[i]);
    validate_config(c);
    return c;
  };
  Trial best = tpe_maximize(space, opts, [&](const std::vector<double>& x) {
    const Config c = configured_by(x);
    return prepared(c).fit(c).val_acc;
  });
  const Evaluation start = prepared(base).fit(base);
  r.kept_start = !(best.score >= start.val_acc);
  if (r.kept_start)
    for (size_t i = 0; i < space.size(); ++i) best.params[i] = config_param(base, space[i].name);
  r.best = best.params;
  r.chosen = r.kept_start ? base : configured_by(best.params);
  r.evaluation = r.kept_start ? start : prepared(r.chosen).fit(r.chosen);  // the start's run, not a second one
  return r;
}

nlohmann::json search_to_json(const SearchResult& r) {
  using nlohmann::json;
  json searched = json::object(), best = json::object();
  for (size_t i = 0; i < r.space.size(); ++i) {
    const ParamSpec& p = r.space[i];
    // An integer range's ends as the integers searched ([ceil(low), floor(high)], tpe.h).
    const json low = p.integer ? json(std::llround(std::ceil(p.low))) : json(p.low);
    const json high = p.integer ? json(std::llround(std::floor(p.high))) : json(p.high);
    searched[p.name] = {{"low", low}, {"high", high}, {"scale", p.scale == Scale::Log ? "log" : "linear"},
                        {"integer", p.integer}};
    best[p.name] = p.integer ? json(std::lround(r.best[i])) : json(r.best[i]);
  }
  best["val"] = r.evaluation.val_acc;
  best["test"] = r.evaluation.test_acc;
  best["operator"] = operator_to_json(r.chosen.op);
  return {{"searched", searched}, {"trials", r.trials}, {"kept_start", r.kept_start}, {"best", best},
          {"config", config_to_json(r.chosen)}};
}

}  // namespace sgc::tune
