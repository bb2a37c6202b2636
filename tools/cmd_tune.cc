// `sgc tune`: TPE search (sgc/tune/tpe.h) of the operator's parameters
// together with the training's, on validation accuracy only; the test
// accuracy is measured once, for the best trial. The default search space is
// the operator's (its registry entry: what its authors tuned); the ranges of
// other parameters (the training's, the optimizer's, the model's) come from
// sgc/presets.h's search_range, which reads each parameter's description.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "cli_common.h"
#include "commands.h"
#include "sgc/error.h"
#include "sgc/tune/tpe.h"
#include "sgc/util/printable.h"

namespace sgc_cli {

namespace {

using sgc::tune::ParamSpec;
using sgc::tune::Scale;
using sgc::format_number;

struct TuneFlags {
  int trials = 60;
  std::optional<std::string> search;       // comma-separated names
  std::vector<std::string> ranges;         // NAME=LOW:HIGH
  std::optional<double> wd_low, wd_high;   // the same as --range weight_decay=LOW:HIGH
};

ParamSpec spec_of(const sgc::SearchRange& r) {
  return {r.name, r.low, r.high, r.log ? Scale::Log : Scale::Linear, r.integer};
}

// A searched parameter and the flags its range came from (for messages).
struct Searched {
  ParamSpec spec;
  std::string source;
};

// The optimizer and model named by the flags (their parameters' ranges are searchable too).
std::vector<Searched> search_space(const TuneFlags& t, const sgc::OperatorDef& op, const sgc::OptimizerDef& optimizer,
                                   const sgc::ModelDef& model) {
  std::vector<Searched> space;
  auto add = [&](const sgc::SearchRange& r) {
    space.push_back({spec_of(r), "the default range of " + r.name + " (set it with --range " + r.name +
                                     "=LOW:HIGH)"});
  };
  if (t.search) {
    for (const std::string& name : split_list(*t.search, "--search")) {
      for (const Searched& s : space)
        if (s.spec.name == name) throw sgc::ArgumentError("--search: " + name + " is named twice");
      add(sgc::search_range(name, op, optimizer, model));
    }
  } else {
    for (const sgc::SearchRange& r : sgc::default_search(op, optimizer)) add(r);
  }
  if (space.empty()) throw sgc::ArgumentError("--search: no parameter named");
  for (const std::string& r : t.ranges) {
    const size_t eq = r.find('='), colon = r.find(':', eq == std::string::npos ? 0 : eq);
    if (eq == std::string::npos || colon == std::string::npos)
      throw sgc::ArgumentError("--range: expected NAME=LOW:HIGH, got '" + r + "'");
    const std::string name = r.substr(0, eq);
    auto it = std::find_if(space.begin(), space.end(), [&](const Searched& p) { return p.spec.name == name; });
    if (it == space.end()) throw sgc::ArgumentError("--range: '" + name + "' is not searched (see --search)");
    try {
      size_t used_low = 0, used_high = 0;
      const std::string low = r.substr(eq + 1, colon - eq - 1), high = r.substr(colon + 1);
      it->spec.low = std::stod(low, &used_low);
      it->spec.high = std::stod(high, &used_high);
      if (used_low != low.size() || used_high != high.size()) throw std::invalid_argument(r);
    } catch (const std::exception&) {
      throw sgc::ArgumentError("--range: expected NAME=LOW:HIGH with numbers, got '" + r + "'");
    }
    if (it->spec.integer && (it->spec.low != std::floor(it->spec.low) || it->spec.high != std::floor(it->spec.high)))
      throw sgc::ArgumentError("--range: " + name + " takes integers; its bounds must be integers, got '" + r + "'");
    it->source = "--range " + name + "=" + r.substr(eq + 1);
  }
  for (Searched& p : space)
    if (p.spec.name == "weight_decay" && (t.wd_low || t.wd_high)) {
      if (t.wd_low) p.spec.low = *t.wd_low;
      if (t.wd_high) p.spec.high = *t.wd_high;
      p.source = t.wd_low && t.wd_high
                     ? "--wd-low " + format_number(p.spec.low) + " / --wd-high " + format_number(p.spec.high)
                 : t.wd_low ? "--wd-low " + format_number(p.spec.low) + " (with the default high end " +
                                  format_number(p.spec.high) + ")"
                            : "--wd-high " + format_number(p.spec.high) + " (with the default low end " +
                                  format_number(p.spec.low) + ")";
    }
  // The ranges, named by the flags they came from, before any work.
  for (const Searched& s : space) {
    const ParamSpec& p = s.spec;
    if (!std::isfinite(p.low) || !std::isfinite(p.high))
      throw sgc::ArgumentError(s.source + ": the bounds of " + p.name + " must be finite numbers");
    if (!(p.low < p.high))
      throw sgc::ArgumentError(s.source + ": the low end of " + p.name + " (" + format_number(p.low) +
                               ") must be below the high end (" + format_number(p.high) + ")");
    if (p.scale == Scale::Log && !(p.low > 0))
      throw sgc::ArgumentError(s.source + ": the low end of " + p.name + " (" + format_number(p.low) +
                               ") must be > 0 (searched on a log scale)");
    if (p.integer && std::ceil(p.low) > std::floor(p.high))
      throw sgc::ArgumentError(s.source + ": the range of " + p.name + " contains no integer");
  }
  return space;
}

// The caps at both ends of every operator parameter's range, before any trial.
void check_costs(const std::vector<Searched>& space, const sgc::Config& base) {
  for (const Searched& s : space) {
    if (!base.op.def->reads(s.spec.name)) continue;
    for (const double v : {s.spec.low, s.spec.high}) {
      sgc::Config c = base;
      try {
        sgc::set_config_param(c, s.spec.name, v);
        sgc::validate_operator(c.op);
      } catch (const sgc::ArgumentError& e) {
        // An end outside the parameter's domain: refused before the first trial, not by a trial midway.
        throw sgc::ArgumentError(s.source + ": at " + s.spec.name + " = " + format_number(v) + ": " + e.what());
      }
      try {
        sgc::require_operator_products(c.op, s.source + ": " + s.spec.name + " = " + format_number(v) + " (" +
                                                 sgc::operator_summary(c.op) + ")");
      } catch (const sgc::ParameterError& e) {
        throw sgc::ArgumentError(s.source + ": at " + s.spec.name + " = " + format_number(v) + ": " + e.problem());
      }
    }
  }
}

std::string describe(const ParamSpec& p) {
  std::ostringstream out;
  out << p.name << " in [" << p.low << ", " << p.high << "] ("
      << (p.integer ? "integer, " : "") << (p.scale == Scale::Log ? "log-uniform" : "uniform") << ")";
  return out.str();
}

int run_tune(const CommonFlags& f, const TuneFlags& t) {
  if (t.trials < 1) throw sgc::ArgumentError("--trials: must be >= 1, got " + std::to_string(t.trials));
  // The search space first: its flags are checked before the data set is read.
  const std::vector<Searched> searched =
      search_space(t, sgc::find_operator(f.op.value_or(std::string(sgc::default_operator().name))),
                   f.optimizer ? sgc::find_optimizer(*f.optimizer) : sgc::default_optimizer(),
                   f.model ? sgc::find_model(*f.model) : sgc::default_model());
  Job job = prepare_job(f);
  if (job.data.val.empty())
    throw sgc::ArgumentError(job.data.name + ": the validation split is empty; tune selects on validation accuracy");
  const sgc::Config base = job.preset.config;
  check_costs(searched, base);
  std::vector<ParamSpec> space;
  for (const Searched& s : searched) space.push_back(s.spec);
  sgc::tune::TpeOptions opts;
  opts.trials = t.trials;
  opts.seed = f.seed;

  // Prepared models by what preparing depends on: trials that only change
  // training parameters reuse them.
  std::map<std::string, std::unique_ptr<sgc::Model>> cache;
  auto prepared = [&](const sgc::Config& c) -> sgc::Model& {
    std::unique_ptr<sgc::Model> m = sgc::make_model(c);
    const std::string key = m->prepare_key(c);
    if (auto it = cache.find(key); it != cache.end()) return *it->second;
    if (cache.size() >= 8) cache.clear();
    m->prepare(job.data, c);
    return *cache.emplace(key, std::move(m)).first->second;
  };
  auto configured_by = [&](const std::vector<double>& x) {
    sgc::Config c = base;
    for (size_t i = 0; i < space.size(); ++i) sgc::set_config_param(c, space[i].name, x[i]);
    sgc::validate_config(c);
    return c;
  };
  sgc::tune::Trial best = sgc::tune::tpe_maximize(space, opts, [&](const std::vector<double>& x) {
    const sgc::Config c = configured_by(x);
    return prepared(c).fit(c).val_acc;
  });
  // The starting configuration competes too (its values may lie outside the
  // ranges searched): a search never reports worse than where it began.
  const sgc::Evaluation start = prepared(base).fit(base);
  const bool kept_start = !(best.score >= start.val_acc);
  if (kept_start)
    for (size_t i = 0; i < space.size(); ++i) best.params[i] = sgc::config_param(base, space[i].name);
  const sgc::Config chosen = kept_start ? base : configured_by(best.params);
  const sgc::Evaluation ev = kept_start ? start : prepared(chosen).fit(chosen);  // the start's run, not a second one

  if (f.json) {
    json out = config_json(job, f);
    json searched = json::object(), best_json = json::object();
    for (size_t i = 0; i < space.size(); ++i) {
      // An integer range's ends as the integers searched ([ceil(low), floor(high)], tpe.h).
      const json low = space[i].integer ? json(std::llround(std::ceil(space[i].low))) : json(space[i].low);
      const json high = space[i].integer ? json(std::llround(std::floor(space[i].high))) : json(space[i].high);
      searched[space[i].name] = {{"low", low},
                                 {"high", high},
                                 {"scale", space[i].scale == Scale::Log ? "log" : "linear"},
                                 {"integer", space[i].integer}};
      best_json[space[i].name] = space[i].integer ? json(std::lround(best.params[i])) : json(best.params[i]);
    }
    best_json["val"] = ev.val_acc;
    best_json["test"] = ev.test_acc;
    best_json["operator"] = sgc::operator_to_json(chosen.op);
    out["searched"] = searched;
    out["trials"] = t.trials;
    out["kept_start"] = kept_start;  // no trial beat the starting configuration's validation accuracy
    out["best"] = best_json;
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::printf("searched on validation accuracy, %d TPE trials:", t.trials);
  for (size_t i = 0; i < space.size(); ++i) std::printf("%s %s", i ? "," : "", describe(space[i]).c_str());
  std::printf("\nstarting from %s, %s (settings: %s)\n", sgc::operator_summary(base.op).c_str(),
              training_summary(base).c_str(), job.preset.source.c_str());
  std::printf("best");
  for (size_t i = 0; i < space.size(); ++i)
    std::printf(space[i].integer ? " %s %.0f" : " %s %.4g", space[i].name.c_str(), best.params[i]);
  std::printf(": val accuracy %s, test accuracy %s%s\n", accuracy_text(ev.val_acc).c_str(),
              accuracy_text(ev.test_acc).c_str(),
              kept_start ? " (the starting configuration: no trial beat its validation accuracy)" : "");
  return 0;
}

std::string search_help() {
  std::string help = "comma-separated parameters to search: the operator's (k, t, alpha, ...), lr, weight_decay, and "
                     "those of the chosen --optimizer (rho, sketch_dim, ...) and --model (tau, hidden, ...) "
                     "(default: what the operator's authors tuned:";
  for (const sgc::OperatorDef* d : sgc::operators()) {
    help += " " + std::string(d->name) + ":";
    for (const sgc::SearchRange& r : sgc::default_search(*d)) help += (help.back() == ':' ? "" : ",") + r.name;
    help += ";";
  }
  help.back() = ')';
  return help;
}

}  // namespace

Subcommand add_tune_command(CLI::App& app) {
  auto flags = std::make_shared<CommonFlags>();
  auto tune = std::make_shared<TuneFlags>();
  auto* cmd = app.add_subcommand("tune", "TPE search of operator and training parameters on validation accuracy");
  add_common_flags(*cmd, *flags);
  cmd->add_option("--trials", tune->trials, "number of evaluations (default 60)");
  cmd->add_option("--search", tune->search, search_help());
  cmd->add_option("--range", tune->ranges, "NAME=LOW:HIGH, the range of a searched parameter (repeatable)");
  cmd->add_option("--wd-low", tune->wd_low, "lower end of the weight decay range (default 1e-10)");
  cmd->add_option("--wd-high", tune->wd_high, "upper end of the weight decay range (default: sgc 1e-4, else 1e-3)");
  return {cmd, [flags, tune] { return run_tune(*flags, *tune); }};
}

}  // namespace sgc_cli
