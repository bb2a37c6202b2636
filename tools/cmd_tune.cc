// `sgc tune`: the search of sgc/tune/search.h (TPE on validation accuracy,
// the test accuracy measured once for the configuration chosen) with its
// space from --search, --range, --wd-low and --wd-high.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli_common.h"
#include "commands.h"
#include "sgc/error.h"
#include "sgc/tune/search.h"
#include "sgc/util/printable.h"

namespace sgc_cli {

namespace {

using sgc::tune::ParamSpec;
using sgc::tune::Scale;
using sgc::tune::SearchedParam;
using sgc::format_number;

struct TuneFlags {
  int trials = 60;
  std::optional<std::string> search;       // comma-separated names
  std::vector<std::string> ranges;         // NAME=LOW:HIGH
  std::optional<double> wd_low, wd_high;   // the same as --range weight_decay=LOW:HIGH
};

// The optimizer and model named by the flags (their parameters' ranges are
// searchable too); the ranges of --range, --wd-low and --wd-high, each
// named by its flag in messages.
std::vector<SearchedParam> search_space(const TuneFlags& t, const sgc::OperatorDef& op,
                                        const sgc::OptimizerDef& optimizer, const sgc::ModelDef& model) {
  std::vector<SearchedParam> space = sgc::tune::default_space(
      t.search ? std::optional(split_list(*t.search, "--search")) : std::nullopt, op, optimizer, model);
  for (SearchedParam& s : space) s.source += " (set it with --range " + s.spec.name + "=LOW:HIGH)";
  for (const std::string& r : t.ranges) {
    const size_t eq = r.find('='), colon = r.find(':', eq == std::string::npos ? 0 : eq);
    if (eq == std::string::npos || colon == std::string::npos)
      throw sgc::ArgumentError("--range: expected NAME=LOW:HIGH, got '" + r + "'");
    double low = 0, high = 0;
    try {
      size_t used_low = 0, used_high = 0;
      const std::string lo = r.substr(eq + 1, colon - eq - 1), hi = r.substr(colon + 1);
      low = std::stod(lo, &used_low);
      high = std::stod(hi, &used_high);
      if (used_low != lo.size() || used_high != hi.size()) throw std::invalid_argument(r);
    } catch (const std::exception&) {
      throw sgc::ArgumentError("--range: expected NAME=LOW:HIGH with numbers, got '" + r + "'");
    }
    const std::string name = r.substr(0, eq);
    // One range per parameter: the last one silently won, or --wd-low/--wd-high were merged into it.
    if (std::count_if(t.ranges.begin(), t.ranges.end(), [&](const std::string& o) { return o.rfind(name + "=", 0) == 0; }) > 1)
      throw sgc::ArgumentError("--range: " + name + " is given more than once");
    if (name == "weight_decay" && (t.wd_low || t.wd_high))
      throw sgc::ArgumentError("--range weight_decay: --wd-low/--wd-high set the same range; give one of the two");
    sgc::tune::set_range(space, name, low, high, "--range " + name + "=" + r.substr(eq + 1), "--range", "--search");
  }
  for (SearchedParam& p : space)
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
  sgc::tune::check_ranges(space);  // before the data set is read
  return space;
}

std::string describe(const ParamSpec& p) {
  std::ostringstream out;
  out << p.name << " in [" << p.low << ", " << p.high << "] ("
      << (p.integer ? "integer, " : "") << (p.scale == Scale::Log ? "log-uniform" : "uniform") << ")";
  return out.str();
}

int run_tune(const CommonFlags& f, const TuneFlags& t) {
  sgc::tune::check_trials(t.trials);
  // The search space first: its flags are checked before the data set is read.
  const std::vector<SearchedParam> searched =
      search_space(t, sgc::find_operator(f.op.value_or(std::string(sgc::default_operator().name))),
                   f.optimizer ? sgc::find_optimizer(*f.optimizer) : sgc::default_optimizer(),
                   f.model ? sgc::find_model(*f.model) : sgc::default_model());
  Job job = prepare_job(f);
  const sgc::Config& base = job.preset.config;
  sgc::tune::TpeOptions opts;
  opts.trials = t.trials;
  opts.seed = f.seed;
  const sgc::tune::SearchResult r = sgc::tune::search(job.data, base, searched, opts);
  const std::vector<ParamSpec>& space = r.space;

  if (f.json) {
    json out = config_json(job, f);
    out.update(sgc::tune::search_to_json(r));  // its config (the one chosen) replaces the starting one
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::printf("searched on validation accuracy, %d TPE trials:", t.trials);
  for (size_t i = 0; i < space.size(); ++i) std::printf("%s %s", i ? "," : "", describe(space[i]).c_str());
  std::printf("\nstarting from %s, %s (settings: %s)\n", sgc::operator_summary(base.op).c_str(),
              training_summary(base).c_str(), job.preset.source.c_str());
  std::printf("best");
  for (size_t i = 0; i < space.size(); ++i)
    std::printf(space[i].integer ? " %s %.0f" : " %s %.4g", space[i].name.c_str(), r.best[i]);
  std::printf(": val accuracy %s, test accuracy %s%s\n", accuracy_text(r.evaluation.val_acc).c_str(),
              accuracy_text(r.evaluation.test_acc).c_str(),
              r.kept_start ? " (the starting configuration: no trial beat its validation accuracy)" : "");
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
