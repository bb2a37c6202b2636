// `sgc tune`: TPE search (sgc/tune/tpe.h) of the operator's parameters
// together with the training's, on validation accuracy only; the test
// accuracy is measured once, for the best trial. The default search space is
// the operator's (its registry entry: what its authors tuned); the ranges of
// other parameters come from sgc/presets.h.
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

namespace sgc_cli {

namespace {

using sgc::tune::ParamSpec;
using sgc::tune::Scale;

struct TuneFlags {
  int trials = 60;
  std::optional<std::string> search;       // comma-separated names
  std::vector<std::string> ranges;         // NAME=LOW:HIGH
  std::optional<double> wd_low, wd_high;   // older spelling of --range weight_decay=LOW:HIGH
};

std::vector<std::string> split_names(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

ParamSpec spec_of(const sgc::SearchRange& r) {
  return {r.name, r.low, r.high, r.log ? Scale::Log : Scale::Linear, r.integer};
}

std::vector<ParamSpec> search_space(const TuneFlags& t, const sgc::OperatorDef& op) {
  std::vector<ParamSpec> space;
  if (t.search) {
    for (const std::string& name : split_names(*t.search)) space.push_back(spec_of(sgc::search_range(name, op)));
  } else {
    for (const sgc::SearchRange& r : sgc::default_search(op)) space.push_back(spec_of(r));
  }
  if (space.empty()) throw sgc::ArgumentError("--search: no parameter named");
  for (const std::string& r : t.ranges) {
    const size_t eq = r.find('='), colon = r.find(':', eq == std::string::npos ? 0 : eq);
    if (eq == std::string::npos || colon == std::string::npos)
      throw sgc::ArgumentError("--range: expected NAME=LOW:HIGH, got '" + r + "'");
    const std::string name = r.substr(0, eq);
    auto it = std::find_if(space.begin(), space.end(), [&](const ParamSpec& p) { return p.name == name; });
    if (it == space.end()) throw sgc::ArgumentError("--range: '" + name + "' is not searched (see --search)");
    try {
      it->low = std::stod(r.substr(eq + 1, colon - eq - 1));
      it->high = std::stod(r.substr(colon + 1));
    } catch (const std::exception&) {
      throw sgc::ArgumentError("--range: expected NAME=LOW:HIGH with numbers, got '" + r + "'");
    }
  }
  for (ParamSpec& p : space)
    if (p.name == "weight_decay") {
      if (t.wd_low) p.low = *t.wd_low;
      if (t.wd_high) p.high = *t.wd_high;
    }
  return space;
}

std::string describe(const ParamSpec& p) {
  std::ostringstream out;
  out << p.name << " in [" << p.low << ", " << p.high << "] ("
      << (p.integer ? "integer, " : "") << (p.scale == Scale::Log ? "log-uniform" : "uniform") << ")";
  return out.str();
}

int run_tune(const CommonFlags& f, const TuneFlags& t) {
  if (t.trials < 1) throw sgc::ArgumentError("--trials: must be >= 1, got " + std::to_string(t.trials));
  Job job = prepare_job(f);
  const sgc::Config base = job.preset.config;
  const std::vector<ParamSpec> space = search_space(t, *base.op.def);
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
  const sgc::tune::Trial best = sgc::tune::tpe_maximize(space, opts, [&](const std::vector<double>& x) {
    const sgc::Config c = configured_by(x);
    return prepared(c).fit(c).val_acc;
  });
  const sgc::Config chosen = configured_by(best.params);
  const sgc::Evaluation ev = prepared(chosen).fit(chosen);

  if (f.json) {
    json out = config_json(job, f);
    json searched = json::object(), best_json = json::object();
    for (size_t i = 0; i < space.size(); ++i) {
      searched[space[i].name] = {{"low", space[i].low},
                                 {"high", space[i].high},
                                 {"scale", space[i].scale == Scale::Log ? "log" : "linear"},
                                 {"integer", space[i].integer}};
      best_json[space[i].name] = space[i].integer ? json(std::lround(best.params[i])) : json(best.params[i]);
    }
    best_json["val"] = ev.val_acc;
    best_json["test"] = ev.test_acc;
    best_json["operator"] = sgc::operator_to_json(chosen.op);
    out["searched"] = searched;
    out["trials"] = t.trials;
    out["best"] = best_json;
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::printf("searched on validation accuracy, %d TPE trials:", t.trials);
  for (size_t i = 0; i < space.size(); ++i) std::printf("%s %s", i ? "," : "", describe(space[i]).c_str());
  std::printf("\nstarting from %s, %s protocol, lr=%g epochs=%d weight_decay=%g (settings: %s)\n",
              sgc::operator_summary(base.op).c_str(), sgc::to_string(base.protocol).c_str(), base.train.lr,
              base.train.epochs, base.train.weight_decay, job.preset.source.c_str());
  std::printf("best");
  for (size_t i = 0; i < space.size(); ++i)
    std::printf(space[i].integer ? " %s %.0f" : " %s %.4g", space[i].name.c_str(), best.params[i]);
  std::printf(": val accuracy %.4f, test accuracy %.4f\n", ev.val_acc, ev.test_acc);
  return 0;
}

std::string search_help() {
  std::string help = "comma-separated parameters to search: the operator's (k, t, alpha, ...) and lr, weight_decay "
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
