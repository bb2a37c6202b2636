// `sgc attack`: InfAttack's targeted evasion attack (src/sgc/attack) on a
// victim trained with the attack's victim settings (or --op/--k and the
// training flags), or on a saved model (--load). Per-budget success rates,
// time per target, the flips (--flips FILE.csv). `sgc attack --report`: the
// robustness report, accuracy and success rate under attack per budget for
// SGC, DGC, SSGC, PPR and deep SGC on one data set, as a table and a plot.
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <optional>
#include <cstdio>
#include <limits>
#include <iostream>

#include "cli_common.h"
#include "commands.h"
#include "sgc/attack/infattack.h"
#include "sgc/attack/targets.h"
#include "sgc/attack/victim.h"
#include "sgc/error.h"
#include "sgc/model/model_file.h"
#include "sgc/util/atomic_file.h"
#include "sgc/util/timer.h"
#include "svg_plot.h"

namespace sgc_cli {

namespace {

struct AttackFlags {
  std::string load, variant = "efficient", labels = "known", budgets = "2,4,6,8,10", targets, flips, plot;
  std::optional<int> num_targets;  // default 100
  uint64_t target_seed = 1;
  int attack_k = 0;           // 0: attack_depth(victim)
  int max_candidates = -1;    // -1: default_add_candidates
  bool report = false;
};

std::vector<int> parse_budgets(const std::string& list) {
  std::vector<int> out;
  for (const std::string& item : split_list(list, "--budgets")) {
    errno = 0;
    char* end = nullptr;
    const long b = std::strtol(item.c_str(), &end, 10);
    if (*end != '\0' || errno == ERANGE || b < INT32_MIN || b > INT32_MAX)
      throw sgc::ArgumentError("--budgets: '" + item + "' is not a number of flips");
    out.push_back(int(b));
  }
  return out;
}

// Flags that name what --load or --report decide themselves are refused, not dropped.
void refuse_flags_decided_elsewhere(const CommonFlags& f, const AttackFlags& a) {
  const std::vector<std::string> training = training_flags_given(f);
  if (a.report && !a.load.empty())
    throw sgc::ArgumentError("--load: the robustness report trains its own victims (SGC, DGC, SSGC, PPR, deep SGC)");
  if (a.report && !training.empty())
    throw sgc::ArgumentError(training.front() + ": the robustness report trains its own victims with their "
                             "settings; only --seed applies to them");
  if (!a.load.empty() && !training.empty())
    throw sgc::ArgumentError(training.front() + ": not used with --load (the saved model is attacked as trained)");
  if (!a.targets.empty() && a.num_targets)
    throw sgc::ArgumentError("--num-targets: the targets are read from --targets; give one of the two");
}

sgc::attack::AttackOptions options_for(const AttackFlags& a, const sgc::Dataset& d, const sgc::Config& victim) {
  sgc::attack::AttackOptions o;
  o.variant = sgc::attack::parse_variant(a.variant);
  o.labels = sgc::attack::parse_label_mode(a.labels);
  o.budgets = parse_budgets(a.budgets);
  o.k = a.attack_k > 0 ? a.attack_k : sgc::attack::attack_depth(victim);
  o.max_add_candidates = a.max_candidates >= 0 ? a.max_candidates : sgc::attack::default_add_candidates(d, o.k);
  o.seed = a.target_seed;
  sgc::attack::validate_attack_options(o);
  return o;
}

std::vector<int32_t> targets_for(const AttackFlags& a, const sgc::Dataset& d, const sgc::attack::Victim& v) {
  if (!a.targets.empty()) {
    std::vector<int32_t> given = sgc::attack::read_targets(a.targets, d.num_nodes());
    // The rates read "was classified correctly, is not after the flips":
    // a node already wrong counts as a success at every budget.
    size_t wrong = 0;
    for (int32_t node : given)
      wrong += d.labels[size_t(node)] < 0 || v.clean.label[size_t(node)] != d.labels[size_t(node)];
    if (wrong > 0)
      std::fprintf(stderr, "sgc: note: --targets %s: %zu of the %zu targets are not classified correctly (or have no "
                   "label) before the attack; they count as successes at every budget\n",
                   a.targets.c_str(), wrong, given.size());
    return given;
  }
  const int wanted = a.num_targets.value_or(100);
  std::vector<int32_t> drawn = sgc::attack::select_targets(d, v.clean.label, wanted, a.target_seed);
  if (drawn.size() < size_t(wanted))
    std::fprintf(stderr, "sgc: note: --num-targets %d: only %zu test nodes are classified correctly; attacking those\n",
                 wanted, drawn.size());
  return drawn;
}

void print_rates(const sgc::attack::AttackReport& r) {
  std::printf("%8s  %8s  %8s  %8s\n", "budget", "success", "strict", "accuracy");
  for (size_t b = 0; b < r.options.budgets.size(); ++b)
    std::printf("%8d  %8.3f  %8.3f  %8.3f\n", r.options.budgets[b], r.success_rate[b], r.strict_rate[b], r.accuracy[b]);
}

int run_report(const CommonFlags& f, const AttackFlags& a) {
  if (!a.plot.empty()) check_plot_path(a.plot, "--plot");
  sgc::attack::parse_variant(a.variant), sgc::attack::parse_label_mode(a.labels);
  const sgc::Dataset data = load_data(f);
  struct Row {
    std::string label;
    sgc::attack::Victim victim;
    sgc::attack::AttackReport report;
  };
  std::vector<Row> rows;
  for (sgc::attack::VictimSpec& spec : sgc::attack::robustness_victims(data)) {
    spec.config.train.seed = f.seed;
    Row row{spec.label, sgc::attack::train_victim(data, spec.config), {}};
    const sgc::attack::AttackOptions o = options_for(a, data, spec.config);
    row.report = sgc::attack::run_attack(data, row.victim, targets_for(a, data, row.victim), o);
    rows.push_back(std::move(row));
  }
  const std::vector<int>& budgets = rows.front().report.options.budgets;
  if (!a.plot.empty()) {
    Plot plot;
    plot.title = data.name + ": InfAttack (" + a.variant + ", " + a.labels + " labels)";
    plot.subtitle = "solid: success rate, dashed: accuracy of the targets under attack";
    plot.x_label = "budget D (edge flips)";
    plot.y_label = "%";
    for (size_t i = 0; i < rows.size(); ++i) {
      PlotLine s, acc;
      s.label = rows[i].label + " success";
      acc.label = rows[i].label + " accuracy";
      s.color = acc.color = plot_color(i);
      acc.dash = "6 4", acc.markers = false, acc.width = 1.2;
      s.x.push_back(0), s.y.push_back(0), acc.x.push_back(0), acc.y.push_back(100);
      for (size_t b = 0; b < budgets.size(); ++b) {
        s.x.push_back(budgets[b]), s.y.push_back(100 * rows[i].report.success_rate[b]);
        acc.x.push_back(budgets[b]), acc.y.push_back(100 * rows[i].report.accuracy[b]);
      }
      plot.lines.push_back(s), plot.lines.push_back(acc);
    }
    write_plot_file(a.plot, render_svg(plot), "--plot");
  }
  if (f.json) {
    json out = {{"dataset", data.name}, {"variant", a.variant}, {"labels", a.labels}, {"budgets", budgets}};
    for (const Row& r : rows) {
      json j = sgc::attack::report_to_json(r.report, false);
      j["victim"] = r.label;
      j["operator"] = sgc::operator_summary(r.victim.config.op);
      j["clean_test_accuracy"] = r.victim.test_accuracy;
      out["victims"].push_back(j);
    }
    if (!a.plot.empty()) out["plot"] = a.plot;
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::printf("robustness of %s to InfAttack (%s, %s labels): success rate / accuracy of the targets under attack\n",
              data.name.c_str(), a.variant.c_str(), a.labels.c_str());
  std::printf("%-10s %-9s", "victim", "clean acc");
  for (int b : budgets) std::printf("   D=%-2d succ/acc", b);
  std::printf("   s/target\n");
  for (const Row& r : rows) {
    std::printf("%-10s %-9.3f", r.label.c_str(), r.victim.test_accuracy);
    for (size_t b = 0; b < budgets.size(); ++b)
      std::printf("   %.2f / %.2f   ", r.report.success_rate[b], r.report.accuracy[b]);
    std::printf("   %.4f\n", r.report.seconds_per_target);
  }
  if (!a.plot.empty()) std::printf("plot written to %s\n", a.plot.c_str());
  return 0;
}

int run_attack_cmd(const CommonFlags& f, const AttackFlags& a) {
  refuse_flags_decided_elsewhere(f, a);
  if (a.report && !a.flips.empty()) throw sgc::ArgumentError("--flips: not written by --report (one attack's flips)");
  if (a.report) return run_report(f, a);
  if (!a.plot.empty()) throw sgc::ArgumentError("--plot: the plot is of the robustness report; add --report");
  if (!a.flips.empty()) {
    auto inputs = data_inputs(f);
    inputs.insert(inputs.end(), {{"--load", a.load}, {"--targets", a.targets}});
    sgc::check_output_path(a.flips, "--flips", inputs);
  }
  sgc::attack::parse_variant(a.variant), sgc::attack::parse_label_mode(a.labels);
  sgc::Timer total;
  const sgc::Dataset data = load_data(f);
  sgc::attack::Victim victim;
  if (!a.load.empty()) {
    sgc::SavedModel saved = sgc::load_model(a.load);
    victim = sgc::attack::make_victim(data, saved.config, std::move(saved.model));
  } else {
    const sgc::OperatorDef& op = sgc::find_operator(f.op.value_or(std::string(sgc::default_operator().name)));
    check_params_read(f, {&op});
    sgc::Config c =
        sgc::attack::victim_config(data, op, f.model ? sgc::find_model(*f.model) : sgc::default_model());
    apply_flags(f, c);  // --k, --lr, ... override the victim settings
    sgc::validate_config(c);
    victim = sgc::attack::train_victim(data, c);
  }
  const sgc::attack::AttackOptions o = options_for(a, data, victim.config);
  const std::vector<int32_t> targets = targets_for(a, data, victim);
  const sgc::attack::AttackReport r = sgc::attack::run_attack(data, victim, targets, o);
  if (!a.flips.empty()) sgc::write_file_atomically(a.flips, sgc::attack::flips_csv(r));
  if (f.json) {
    json out = {{"dataset", data.name},
                {"victim", sgc::config_to_json(victim.config)},
                {"clean_test_accuracy", victim.test_accuracy},
                {"attack", sgc::attack::report_to_json(r)},
                {"seconds_total", total.seconds()}};
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::string victim_text = sgc::operator_summary(victim.config.op);
  if (victim.config.model != &sgc::default_model())
    victim_text = "model " + std::string(victim.config.model->name) + " on " + victim_text;
  std::printf("dataset %s; victim %s (%s), clean test accuracy %.4f\n", data.name.c_str(), victim_text.c_str(),
              a.load.empty() ? "trained" : a.load.c_str(), victim.test_accuracy);
  std::printf("InfAttack %s, %s labels, objective depth K=%d, %zu targets%s\n", a.variant.c_str(), a.labels.c_str(),
              o.k, targets.size(), r.local_victim ? "" : " (victim re-run on the whole graph per evaluation)");
  print_rates(r);
  std::printf("time per target: mean %.5f s, median %.5f s (all budgets)\n", r.seconds_per_target,
              r.median_seconds_per_target);
  if (!a.flips.empty()) std::printf("flips written to %s\n", a.flips.c_str());
  return 0;
}

}  // namespace

Subcommand add_attack_command(CLI::App& app) {
  auto flags = std::make_shared<CommonFlags>();
  auto a = std::make_shared<AttackFlags>();
  auto* cmd = app.add_subcommand("attack", "InfAttack: targeted edge-flip evasion attack on a victim model");
  add_common_flags(*cmd, *flags);
  cmd->add_option("--load", a->load, "attack this saved model (`sgc train --save FILE`) instead of training one");
  cmd->add_option("--variant", a->variant, "efficient (increments once per target) | exact (recomputed every step)");
  cmd->add_option("--labels", a->labels, "known (true labels) | unknown (the victim's predictions)");
  cmd->add_option("--budgets", a->budgets, "comma-separated increasing flip budgets (default 2,4,6,8,10)");
  cmd->add_option("--targets", a->targets, "file with one target node id per line (floats like 1.824e+03 accepted)");
  cmd->add_option("--num-targets", a->num_targets, "number of random correctly classified test nodes (default 100)")
      ->check(CLI::Range(1, std::numeric_limits<int>::max()));
  cmd->add_option("--target-seed", a->target_seed, "seed of the target draw and candidate sampling (default 1)")
      ->check(kNonNegative);
  cmd->add_option("--attack-k", a->attack_k, "depth of the attack objective, 1..64 (default: the SGC victim's K, else 2)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--max-candidates", a->max_candidates,
                  "added-edge candidates per target, 0 = all (default: all; Pubmed at K > 2: 200)")
      ->check(CLI::Range(0, std::numeric_limits<int>::max()));
  cmd->add_option("--flips", a->flips, "write the flips as CSV (target,step,u,added|removed)")->check(kNonEmptyPath);
  cmd->add_flag("--report", a->report, "robustness report: SGC, DGC, SSGC, PPR, SGC K=4, K=8 on the data set");
  cmd->add_option("--plot", a->plot, "with --report: write a plot (.svg, or .png) of success and accuracy per budget")->check(kNonEmptyPath);
  return {cmd, [flags, a] { return run_attack_cmd(*flags, *a); }};
}

}  // namespace sgc_cli
