// `sgc tune`: TPE search (sgc/tune/tpe.h) of the operator's parameters
// together with the training's, on validation accuracy only; the test
// accuracy is measured once, for the best trial.
//
// Searchable: k, t, alpha (the operator's), lr, weight_decay. By default the
// parameters the operator's authors tuned: SGC only weight decay (Wu et al.);
// the others their operator parameter(s) (T; alpha; K) with lr and weight decay.
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

const std::vector<std::string> kSearchable{"k", "t", "alpha", "lr", "weight_decay"};

std::vector<std::string> default_search(const std::string& op) {
  if (op == "sgc") return {"weight_decay"};
  std::vector<std::string> names;
  if (op == "dgc" || op == "dgc_naive" || op == "heat") names = {"t"};
  if (op == "ssgc") names = {"alpha", "k"};
  if (op == "ppr") names = {"alpha"};
  if (op == "sign") names = {"k"};
  names.push_back("lr");
  names.push_back("weight_decay");
  return names;
}

ParamSpec default_range(const std::string& name, const std::string& op) {
  if (name == "k") {
    if (op == "dgc" || op == "dgc_naive") return {"k", 10, 1000, Scale::Log, true};
    if (op == "ssgc") return {"k", 2, 32, Scale::Linear, true};
    if (op == "sign") return {"k", 1, 5, Scale::Linear, true};
    return {"k", 1, 10, Scale::Linear, true};
  }
  if (name == "t") return {"t", 1, 10, Scale::Linear, false};
  if (name == "alpha") return {"alpha", 0.05, 0.5, Scale::Log, false};  // PPR: 1/alpha * 14 products at tol 1e-6
  if (name == "lr") return {"lr", 0.01, 2, Scale::Log, false};
  // SGC's search range (Wu et al.); DGC's published Citeseer value (2e-4) needs a wider one.
  return {"weight_decay", 1e-10, op == "sgc" ? 1e-4 : 1e-3, Scale::Log, false};
}

std::vector<std::string> split_names(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

std::vector<ParamSpec> search_space(const TuneFlags& t, const std::string& op) {
  const std::vector<std::string> names = t.search ? split_names(*t.search) : default_search(op);
  if (names.empty()) throw sgc::ArgumentError("--search: no parameter named");
  const std::vector<std::string> own = sgc::operator_parameters(op);
  std::vector<ParamSpec> space;
  for (const std::string& name : names) {
    if (std::find(kSearchable.begin(), kSearchable.end(), name) == kSearchable.end())
      throw sgc::ArgumentError("--search: unknown parameter '" + name + "' (known: k, t, alpha, lr, weight_decay)");
    const bool training = name == "lr" || name == "weight_decay";
    if (!training && std::find(own.begin(), own.end(), name) == own.end())
      throw sgc::ArgumentError("--search: operator " + op + " has no parameter '" + name + "'");
    space.push_back(default_range(name, op));
  }
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

void set_param(sgc::SgcConfig& c, const std::string& name, double v) {
  if (name == "k") c.op.k = int(std::lround(v));
  if (name == "t") c.op.t = v;
  if (name == "alpha") c.op.alpha = v;
  if (name == "lr") c.train.lr = v;
  if (name == "weight_decay") c.train.weight_decay = v;
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
  const sgc::SgcConfig base = job.settings.config;
  const std::vector<ParamSpec> space = search_space(t, base.op.op);
  sgc::tune::TpeOptions opts;
  opts.trials = t.trials;
  opts.seed = f.seed;

  // Propagated features by operator; trials that only change lr / weight
  // decay reuse them.
  std::map<std::string, sgc::Precomputed> cache;
  auto features_for = [&](const sgc::SgcConfig& c) -> const sgc::Precomputed& {
    const std::string key = operator_summary(c.op);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
    if (cache.size() >= 8) cache.clear();
    const auto protocol = c.inductive ? sgc::Protocol::Inductive : sgc::Protocol::Transductive;
    return cache.emplace(key, sgc::precompute(job.data, c.feature_norm, c.op, nullptr, protocol)).first->second;
  };
  auto configured = [&](const std::vector<double>& x) {
    sgc::SgcConfig c = base;
    for (size_t i = 0; i < space.size(); ++i) set_param(c, space[i].name, x[i]);
    sgc::validate_operator(c.op);
    return c;
  };
  const sgc::tune::Trial best = sgc::tune::tpe_maximize(space, opts, [&](const std::vector<double>& x) {
    const sgc::SgcConfig c = configured(x);
    return sgc::fit_evaluate(features_for(c), c.train).val_acc;
  });
  const sgc::SgcConfig chosen = configured(best.params);
  const sgc::Evaluation ev = sgc::fit_evaluate(features_for(chosen), chosen.train);

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
    best_json["operator"] = operator_json(chosen.op);
    out["searched"] = searched;
    out["trials"] = t.trials;
    out["best"] = best_json;
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::printf("searched on validation accuracy, %d TPE trials:", t.trials);
  for (size_t i = 0; i < space.size(); ++i) std::printf("%s %s", i ? "," : "", describe(space[i]).c_str());
  std::printf("\nstarting from %s, lr=%g epochs=%d weight_decay=%g (settings: %s)\n",
              operator_summary(base.op).c_str(), base.train.lr, base.train.epochs, base.train.weight_decay,
              job.settings.source.c_str());
  std::printf("best");
  for (size_t i = 0; i < space.size(); ++i)
    std::printf(space[i].integer ? " %s %.0f" : " %s %.4g", space[i].name.c_str(), best.params[i]);
  std::printf(": val accuracy %.4f, test accuracy %.4f\n", ev.val_acc, ev.test_acc);
  return 0;
}

}  // namespace

Subcommand add_tune_command(CLI::App& app) {
  auto flags = std::make_shared<CommonFlags>();
  auto tune = std::make_shared<TuneFlags>();
  auto* cmd = app.add_subcommand("tune", "TPE search of operator and training parameters on validation accuracy");
  add_common_flags(*cmd, *flags);
  cmd->add_option("--trials", tune->trials, "number of evaluations (default 60)");
  cmd->add_option("--search", tune->search,
                  "comma-separated parameters to search among k, t, alpha, lr, weight_decay (default: sgc: "
                  "weight_decay; dgc, dgc_naive, heat: t,lr,weight_decay; ssgc: alpha,k,lr,weight_decay; ppr: "
                  "alpha,lr,weight_decay; sign: k,lr,weight_decay)");
  cmd->add_option("--range", tune->ranges, "NAME=LOW:HIGH, the range of a searched parameter (repeatable)");
  cmd->add_option("--wd-low", tune->wd_low, "lower end of the weight decay range (default 1e-10)");
  cmd->add_option("--wd-high", tune->wd_high, "upper end of the weight decay range (default: sgc 1e-4, else 1e-3)");
  return {cmd, [flags, tune] { return run_tune(*flags, *tune); }};
}

}  // namespace sgc_cli
