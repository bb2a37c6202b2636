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
#include "sgc/attack/attack_request.h"
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

// Unset: the defaults of sgc::attack::AttackRequest.
struct AttackFlags {
  std::string load, targets, flips, plot;
  std::optional<std::string> variant, labels, budgets;
  std::optional<int> num_targets, attack_k, max_candidates;
  std::optional<uint64_t> target_seed;
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

// What the flags ask, but the --targets file (read against the data set in prepare).
sgc::attack::AttackRequest request_for(const AttackFlags& a) {
  sgc::attack::AttackRequest r;
  if (a.variant) r.options.variant = sgc::attack::parse_variant(*a.variant);
  if (a.labels) r.options.labels = sgc::attack::parse_label_mode(*a.labels);
  if (a.budgets) r.options.budgets = parse_budgets(*a.budgets);
  r.k = a.attack_k;
  r.max_candidates = a.max_candidates;
  r.num_targets = a.num_targets;
  r.target_seed = a.target_seed.value_or(r.target_seed);
  return r;
}

// The request resolved for one victim, its notes printed.
sgc::attack::PreparedAttack prepare(const AttackFlags& a, const sgc::Dataset& d, const sgc::attack::Victim& v) {
  sgc::attack::AttackRequest r = request_for(a);
  if (!a.targets.empty()) r.targets = sgc::attack::read_targets(a.targets, d.num_nodes());
  sgc::attack::PreparedAttack p = sgc::attack::prepare_attack(r, d, v);
  for (const std::string& note : p.notes) std::fprintf(stderr, "sgc: note: %s\n", note.c_str());
  return p;
}

void print_rates(const sgc::attack::AttackReport& r) {
  std::printf("%8s  %8s  %8s  %8s\n", "budget", "success", "strict", "accuracy");
  for (size_t b = 0; b < r.options.budgets.size(); ++b)
    std::printf("%8d  %8.3f  %8.3f  %8.3f\n", r.options.budgets[b], r.success_rate[b], r.strict_rate[b], r.accuracy[b]);
}

int run_report(const CommonFlags& f, const AttackFlags& a) {
  if (!a.plot.empty()) check_plot_path(a.plot, "--plot");
  sgc::attack::check_attack_request(request_for(a));  // a bad flag before the victims train
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
    const sgc::attack::PreparedAttack p = prepare(a, data, row.victim);
    row.report = sgc::attack::run_attack(data, row.victim, p.targets, p.options);
    rows.push_back(std::move(row));
  }
  const sgc::attack::AttackOptions& asked = rows.front().report.options;
  const std::vector<int>& budgets = asked.budgets;
  const std::string variant = sgc::attack::to_string(asked.variant), labels = sgc::attack::to_string(asked.labels);
  if (!a.plot.empty()) {
    Plot plot;
    plot.title = data.name + ": InfAttack (" + variant + ", " + labels + " labels)";
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
    json out = {{"dataset", data.name}, {"variant", variant}, {"labels", labels}, {"budgets", budgets}};
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
              data.name.c_str(), variant.c_str(), labels.c_str());
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
  sgc::attack::check_attack_request(request_for(a));  // a bad flag before the victim trains
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
  const sgc::attack::PreparedAttack p = prepare(a, data, victim);
  const sgc::attack::AttackOptions& o = p.options;
  const std::vector<int32_t>& targets = p.targets;
  const sgc::attack::AttackReport r = sgc::attack::run_attack(data, victim, targets, o);
  if (!a.flips.empty()) sgc::write_file_atomically(a.flips, sgc::attack::flips_csv(r));
  if (f.json) {
    json out = {{"dataset", data.name},
                {"victim", sgc::config_to_json(victim.config)},
                {"clean_test_accuracy", victim.test_accuracy},
                {"attack", sgc::attack::report_to_json(r)},
                {"notes", p.notes},  // also on stderr
                {"seconds_total", total.seconds()}};
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::string victim_text = sgc::operator_summary(victim.config.op);
  if (victim.config.model != &sgc::default_model())
    victim_text = "model " + std::string(victim.config.model->name) + " on " + victim_text;
  std::printf("dataset %s; victim %s (%s), clean test accuracy %.4f\n", data.name.c_str(), victim_text.c_str(),
              a.load.empty() ? "trained" : a.load.c_str(), victim.test_accuracy);
  std::printf("InfAttack %s, %s labels, objective depth K=%d, %zu targets%s\n",
              sgc::attack::to_string(o.variant).c_str(), sgc::attack::to_string(o.labels).c_str(),
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
  // The victim's defaults differ from train's on Planetoid (victim.h: the authors' SGC victims).
  cmd->get_option("--epochs")->description(
      "training epochs of the victim (default: 200 for the SGC victim on cora, citeseer, pubmed; else as train)");
  cmd->get_option("--weight-decay")->description(
      "L2 weight decay of the victim (default: the authors' victims' 1.656e-5 / 2.3546e-5 / 7.4039e-5 on cora / "
      "citeseer / pubmed; else as train)");
  cmd->get_option("--bias")->description(
      "the victim head's intercept: fit | none (default: none for the SGC victim on cora, citeseer, pubmed, as the "
      "authors' Linear(bias=False); else fit)");
  cmd->add_option("--load", a->load, "attack this saved model (`sgc train --save FILE`) instead of training one")
      ->check(kNonEmptyPath);
  const sgc::attack::AttackRequest defaults;
  std::string budgets;
  for (int b : defaults.options.budgets) budgets += (budgets.empty() ? "" : ",") + std::to_string(b);
  cmd->add_option("--variant", a->variant, "efficient (increments once per target) | exact (recomputed every step); "
                  "default " + sgc::attack::to_string(defaults.options.variant));
  cmd->add_option("--labels", a->labels, "known (true labels) | unknown (the victim's predictions); default " +
                  sgc::attack::to_string(defaults.options.labels));
  cmd->add_option("--budgets", a->budgets, "comma-separated increasing flip budgets (default " + budgets + ")");
  cmd->add_option("--targets", a->targets, "file with one target node id per line (floats like 1.824e+03 accepted)")
      ->check(kNonEmptyPath);
  cmd->add_option("--num-targets", a->num_targets, "number of random correctly classified test nodes (default " +
                  std::to_string(sgc::attack::kDefaultNumTargets) + ")")
      ->check(CLI::Range(1, std::numeric_limits<int>::max()));
  cmd->add_option("--target-seed", a->target_seed, "seed of the target draw and candidate sampling (default " +
                  std::to_string(defaults.target_seed) + ")")
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
