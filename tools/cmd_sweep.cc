// `sgc sweep`: validation and test accuracy versus propagation depth K for
// several operators and models on one data set (the over-smoothing picture:
// SGC decays with K; DGC at fixed T, SSGC, TSC and ACM do not), with the
// smoothness of each representation (normalised Dirichlet energy and MAD,
// sgc/eval/smoothing.h), printed as a table and drawn as SVG line plots.
// Each curve runs with its preset for the data set (sgc/presets.h) and the
// flags, with K replaced; operators that do not read K (heat, ppr, poly) are
// computed once and drawn as dashed lines. A curve is an operator (the linear
// model on it) or a model other than linear (on the sgc operator).
#include <algorithm>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli_common.h"
#include "commands.h"
#include "sgc/error.h"
#include "sgc/eval/smoothing.h"
#include "sgc/graph/normalizations.h"
#include "sgc/util/atomic_file.h"
#include "sgc/util/timer.h"
#include "svg_plot.h"

namespace sgc_cli {

namespace {

struct SweepFlags {
  std::string ops = "sgc,ssgc,dgc";
  std::string models;  // more curves: model names (tsc, acm) or operators
  std::string ks = "1,2,4,8,16,32,64,128,256";
  std::string plot;         // file name; empty: no plot
  std::string energy_plot;  // Dirichlet energy versus K; empty: none
  bool smoothing = true;
};

struct Point {
  int k = 0;
  double val = NAN, test = NAN;
  double energy = NAN, mad = NAN;  // of the representation the classifier reads
  int64_t sparse_products = 0;
  double propagate_seconds = 0, seconds = 0;
};

struct Curve {
  sgc::Preset settings;
  bool depends_on_k = true;
  std::vector<Point> points;
  std::vector<std::pair<int, std::string>> skipped;  // depths the configuration cannot run at, and why
  std::string name() const {
    const sgc::Config& c = settings.config;
    return c.model == &sgc::default_model() ? std::string(c.op.name()) : std::string(c.model->name);
  }
};

// What one entry of --ops / --models names: an operator (linear model) or a model (sgc operator).
struct CurveKind {
  const sgc::ModelDef* model;
  const sgc::OperatorDef* op;
};

CurveKind curve_kind(const std::string& name, const char* flag) {
  for (const sgc::OperatorDef* op : sgc::operators())
    if (op->name == name) return {&sgc::default_model(), op};
  for (const sgc::ModelDef* m : sgc::models())
    if (m->name == name) return {m, &sgc::default_operator()};
  throw sgc::ArgumentError(std::string(flag) + ": unknown operator or model '" + name +
                           "' (operators: " + sgc::operator_list() + "; models: " + sgc::model_list() + ")");
}

std::vector<int> parse_ks(const std::string& list) {
  std::vector<int> ks;
  for (const std::string& item : split_list(list, "--ks")) {
    char* end = nullptr;
    const long k = std::strtol(item.c_str(), &end, 10);
    if (*end != '\0' || k < 0 || k > 100000)
      throw sgc::ArgumentError("--ks: '" + item + "' is not a depth K in [0, 100000]");
    // Increasing: a repeated or out-of-order depth drew the curve back over itself.
    if (!ks.empty() && k <= ks.back())
      throw sgc::ArgumentError("--ks: the depths must increase, got " + std::to_string(ks.back()) + " then " +
                               std::to_string(k));
    ks.push_back(int(k));
  }
  if (ks.empty()) throw sgc::ArgumentError("--ks: no depth given");
  return ks;
}

Point evaluate(const sgc::Dataset& data, const sgc::CsrMatrix* smooth_s, sgc::Config config, int k) {
  if (config.op.def->reads("k")) config.op.k = k;
  Point p;
  p.k = config.op.k;
  sgc::validate_config(config);
  p.sparse_products = sgc::planned_sparse_products(config.op);
  sgc::StageTimes times;
  sgc::Timer timer;
  const std::unique_ptr<sgc::Model> model = sgc::make_model(config);
  model->prepare(data, config, &times);
  const sgc::Evaluation ev = model->fit(config);
  p.seconds = timer.seconds();
  p.val = ev.val_acc, p.test = ev.test_acc, p.propagate_seconds = times.propagate;
  if (smooth_s) {
    const sgc::DenseMatrix rep = model->representation(data, config);
    p.energy = sgc::dirichlet_energy(*smooth_s, rep);
    p.mad = sgc::mean_average_distance(rep);
  }
  return p;
}

// Log10 of the normalised Dirichlet energy versus K, one line per curve.
void write_energy_plot(const std::string& path, const std::string& dataset, const std::vector<Curve>& curves) {
  Plot plot;
  plot.title = dataset + ": Dirichlet energy versus propagation depth";
  plot.x_label = "K (propagation steps)";
  plot.y_label = "log10 E(X) / |X|^2";
  plot.subtitle = "normalised Dirichlet energy of the representation the classifier reads; lower = smoother";
  plot.log2_x = true;
  for (size_t c = 0; c < curves.size(); ++c) {
    if (!curves[c].depends_on_k) continue;
    PlotLine line;
    line.color = plot_color(c);
    line.label = curves[c].name();
    for (const Point& p : curves[c].points)
      if (p.energy > 0) line.x.push_back(p.k), line.y.push_back(std::log10(p.energy));
    if (!line.x.empty()) plot.lines.push_back(line);
  }
  write_plot_file(path, render_svg(plot), "--energy-plot");
}

void write_plot(const std::string& path, const std::string& dataset, const std::vector<int>& ks,
                const std::vector<Curve>& curves) {
  Plot plot;
  plot.title = dataset + ": accuracy versus propagation depth";
  plot.x_label = "K (propagation steps)";
  plot.y_label = "accuracy (%)";
  plot.subtitle = "solid: test, dashed: validation accuracy (operators without K: dashed / dotted); "
                  "published settings, K varied";
  const int k_min = *std::min_element(ks.begin(), ks.end()), k_max = *std::max_element(ks.begin(), ks.end());
  plot.log2_x = true;
  for (size_t c = 0; c < curves.size(); ++c) {
    const Curve& curve = curves[c];
    PlotLine test, val;
    test.color = val.color = plot_color(c);
    const std::string name = curve.name();
    test.label = name + " test";
    val.label = name + " val";
    val.dash = "6 4", val.markers = false, val.width = 1.2;
    for (const Point& p : curve.points) {
      const std::vector<double> xs = curve.depends_on_k ? std::vector<double>{double(p.k)}
                                                        : std::vector<double>{double(k_min), double(k_max)};
      for (double x : xs) {
        test.x.push_back(x), test.y.push_back(100 * p.test);
        val.x.push_back(x), val.y.push_back(100 * p.val);
      }
    }
    if (!curve.depends_on_k) {
      test.label = name + " test (no K)", val.label = name + " val (no K)";
      test.dash = "6 4", test.markers = false;
      val.dash = "2 3";
    }
    plot.lines.push_back(test);
    // Without validation rows (NaN accuracy) there is no validation curve.
    if (std::all_of(val.y.begin(), val.y.end(), [](double y) { return std::isfinite(y); })) plot.lines.push_back(val);
  }
  write_plot_file(path, render_svg(plot), "--plot");
}

sgc::Preset configured_curve(const CommonFlags& f, const sgc::Dataset& data, const CurveKind& kind) {
  sgc::Preset p = sgc::preset_for(data, *kind.op, *kind.model);
  apply_flags(f, p.config);
  p.config.model = kind.model;
  sgc::validate_config(p.config);
  return p;
}

int run_sweep(const CommonFlags& f, const SweepFlags& s) {
  if (f.model) throw sgc::ArgumentError("--model: sweep takes models in --models (or --ops)");
  std::vector<CurveKind> kinds;
  for (const std::string& name : split_list(s.ops, "--ops")) kinds.push_back(curve_kind(name, "--ops"));
  for (const std::string& name : split_list(s.models, "--models")) kinds.push_back(curve_kind(name, "--models"));
  if (kinds.empty()) throw sgc::ArgumentError("--ops: no operator or model given");
  for (size_t i = 0; i < kinds.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (kinds[i].op == kinds[j].op && kinds[i].model == kinds[j].model)
        throw sgc::ArgumentError("--ops/--models: the curve of " +
                                 std::string(kinds[i].model == &sgc::default_model() ? kinds[i].op->name
                                                                                      : kinds[i].model->name) +
                                 " is asked twice");
  std::vector<const sgc::OperatorDef*> ops;
  std::vector<const sgc::ModelDef*> models;
  for (const CurveKind& k : kinds) ops.push_back(k.op), models.push_back(k.model);
  const std::vector<int> ks = parse_ks(s.ks);
  // Output paths are checked before the work, not after.
  if (!s.plot.empty()) check_plot_path(s.plot, "--plot");
  if (!s.energy_plot.empty()) check_plot_path(s.energy_plot, "--energy-plot");
  if (!s.plot.empty() && !s.energy_plot.empty() &&
      std::filesystem::weakly_canonical(s.plot) == std::filesystem::weakly_canonical(s.energy_plot))
    throw sgc::ArgumentError("--energy-plot: names the same file as --plot; the second plot would replace the first");
  if (!s.energy_plot.empty() && !s.smoothing)
    throw sgc::ArgumentError("--energy-plot: needs the smoothing measures (drop --no-smoothing)");
  check_params_read(f, ops);
  check_model_params_read(f, models);
  Job job = prepare_job(f, /*check_params=*/false);  // data set, threads, and every other flag checked once
  if (job.data.test.empty())
    throw sgc::ArgumentError(job.data.name + ": the test split is empty; sweep reports test accuracy by depth");

  // The caps, for every point, before any work.
  for (const CurveKind& kind : kinds) {
    const sgc::OperatorDef* op = kind.op;
    sgc::Config c = configured_curve(f, job.data, kind).config;
    for (int k : ks)
      if (op->reads("k") && k >= op->min_k) {
        c.op.k = k;
        sgc::require_operator_products(c.op, "--ops " + std::string(op->name) + " at --ks " + std::to_string(k) +
                                                  " (" + sgc::operator_summary(c.op) + ")");
      }
    if (!op->reads("k")) sgc::require_operator_products(c.op);
  }

  // One yardstick for every curve's smoothness: S with self-loops, symmetric.
  sgc::CsrMatrix smooth_s;
  if (s.smoothing) smooth_s = sgc::normalize_adjacency(job.data.adjacency, sgc::Normalization::AugNormAdj);

  std::vector<Curve> curves;
  for (const CurveKind& kind : kinds) {
    Curve curve;
    curve.settings = configured_curve(f, job.data, kind);
    curve.depends_on_k = kind.op->reads("k");
    const sgc::CsrMatrix* yardstick = s.smoothing ? &smooth_s : nullptr;
    if (curve.depends_on_k) {
      for (int k : ks) {
        // A depth the operator or the model refuses (dgc K = 0, tsc L = 0) is
        // a gap in its curve, said so below the table.
        sgc::Config at_k = curve.settings.config;
        at_k.op.k = k;
        try {
          sgc::validate_config(at_k);
        } catch (const sgc::ArgumentError& e) {
          curve.skipped.emplace_back(k, e.what());
          continue;
        }
        curve.points.push_back(evaluate(job.data, yardstick, curve.settings.config, k));
      }
    } else {
      curve.points.push_back(evaluate(job.data, yardstick, curve.settings.config, curve.settings.config.op.k));
    }
    curves.push_back(std::move(curve));
  }
  if (!s.plot.empty()) write_plot(s.plot, job.data.name, ks, curves);
  if (!s.energy_plot.empty()) write_energy_plot(s.energy_plot, job.data.name, curves);

  if (f.json) {
    json out = {{"dataset", job.data.name}, {"family", job.family}, {"ks", ks}, {"seed", f.seed}};
    if (!s.plot.empty()) out["plot"] = s.plot;
    if (!s.energy_plot.empty()) out["energy_plot"] = s.energy_plot;
    for (const Curve& c : curves) {
      json points = json::array();
      for (const Point& p : c.points) {
        json point = {{"k", c.depends_on_k ? json(p.k) : json(nullptr)},
                      {"val", p.val},
                      {"test", p.test},
                      {"sparse_products", p.sparse_products},
                      {"propagate_seconds", p.propagate_seconds},
                      {"seconds", p.seconds}};
        if (s.smoothing) point["dirichlet_energy"] = p.energy, point["mad"] = p.mad;
        points.push_back(point);
      }
      const sgc::Config& cc = c.settings.config;
      json op = sgc::operator_to_json(cc.op);
      if (c.depends_on_k) op.erase("k");
      json curve = {{"name", c.name()},
                    {"model", std::string(cc.model->name)},
                    {"op", std::string(cc.op.name())},
                    {"operator", op},
                    {"settings", c.settings.source},
                    {"lr", cc.train.lr},
                    {"epochs", cc.train.epochs},
                    {"weight_decay", cc.train.weight_decay},
                    {"optimizer", std::string(cc.train.optimizer->name)},
                    {"feature_norm", sgc::to_string(cc.feature_norm)},
                    {"protocol", sgc::to_string(cc.protocol)},
                    {"depends_on_k", c.depends_on_k},
                    {"points", points}};
      for (const auto& [k, why] : c.skipped) curve["skipped"].push_back({{"k", k}, {"reason", why}});
      if (!cc.train.optimizer->uses_lr) curve.erase("lr");
      if (!cc.model->params.empty()) curve["model_params"] = sgc::model_params_to_json(cc.model_params, cc.model->params);
      out["curves"].push_back(curve);
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::printf("sweep on %s: test accuracy (validation accuracy)%s by depth K\n", job.data.name.c_str(),
              s.smoothing ? ", normalised Dirichlet energy E and MAD of the representation" : "");
  for (const Curve& c : curves) {
    const sgc::Config& cc = c.settings.config;
    std::printf("  %-10s %s, %s (settings: %s)%s\n", c.name().c_str(), sgc::operator_summary(cc.op).c_str(),
                training_summary(cc).c_str(), c.settings.source.c_str(), c.depends_on_k ? "" : " -- does not depend on K");
  }
  const int width = s.smoothing ? 36 : 18;
  std::printf("%6s", "K");
  for (const Curve& c : curves) std::printf("  %-*s", width, c.name().c_str());
  std::printf("\n");
  for (int k : ks) {
    std::printf("%6d", k);
    for (const Curve& c : curves) {
      const Point* p = nullptr;
      for (const Point& q : c.points)
        if (!c.depends_on_k || q.k == k) p = &q;
      if (!p) {
        std::printf("  %-*s", width, "-");
      } else {
        char cell[96];
        if (s.smoothing)
          std::snprintf(cell, sizeof cell, "%.4f (%s) E=%.2e MAD=%.3f", p->test, accuracy_text(p->val).c_str(),
                        p->energy, p->mad);
        else
          std::snprintf(cell, sizeof cell, "%.4f (%s)", p->test, accuracy_text(p->val).c_str());
        std::printf("  %-*s", width, cell);
      }
    }
    std::printf("\n");
  }
  for (const Curve& c : curves)
    for (const auto& [k, why] : c.skipped) std::printf("%s has no run at K = %d: %s\n", c.name().c_str(), k, why.c_str());
  if (!s.plot.empty()) std::printf("plot written to %s\n", s.plot.c_str());
  if (!s.energy_plot.empty()) std::printf("energy plot written to %s\n", s.energy_plot.c_str());
  return 0;
}

}  // namespace

Subcommand add_sweep_command(CLI::App& app) {
  auto flags = std::make_shared<CommonFlags>();
  auto sweep = std::make_shared<SweepFlags>();
  auto* cmd = app.add_subcommand("sweep", "accuracy versus depth K for several operators, as a table and a plot");
  add_common_flags(*cmd, *flags, /*choose_operator=*/false);
  cmd->add_option("--ops", sweep->ops,
                  "comma-separated operators (the linear model on each) or models (default sgc,ssgc,dgc)");
  cmd->add_option("--models", sweep->models,
                  "comma-separated models (" + sgc::model_list() + ": tsc and acm on the sgc operator) added to --ops");
  cmd->add_option("--energy-plot", sweep->energy_plot, "write log10 Dirichlet energy versus K to this .svg/.png")->check(kNonEmptyPath);
  cmd->add_flag("!--no-smoothing", sweep->smoothing, "skip the Dirichlet energy and MAD (saves a propagation per point)");
  cmd->add_option("--ks", sweep->ks, "comma-separated depths K (default 1,2,4,...,256)");
  cmd->add_option("--plot", sweep->plot, "write the plot to this file: .svg, or .png through rsvg-convert")->check(kNonEmptyPath);
  return {cmd, [flags, sweep] { return run_sweep(*flags, *sweep); }};
}

}  // namespace sgc_cli
