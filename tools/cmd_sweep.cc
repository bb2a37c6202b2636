// `sgc sweep`: validation and test accuracy versus propagation depth K for
// several operators on one data set (the over-smoothing picture: SGC decays
// with K, DGC at fixed T and SSGC do not), printed as a table and drawn as an
// SVG line plot. Each operator runs with its preset for the data set
// (sgc/presets.h) and the flags, with K replaced; operators that do not
// read K (heat, ppr, poly) are computed once and drawn as dashed lines.
#include <algorithm>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli_common.h"
#include "commands.h"
#include "sgc/error.h"
#include "sgc/util/atomic_file.h"
#include "sgc/util/timer.h"
#include "svg_plot.h"

namespace sgc_cli {

namespace {

struct SweepFlags {
  std::string ops = "sgc,ssgc,dgc";
  std::string ks = "1,2,4,8,16,32,64,128,256";
  std::string plot;  // file name; empty: no plot
};

struct Point {
  int k = 0;
  double val = NAN, test = NAN;
  int64_t sparse_products = 0;
  double propagate_seconds = 0;
};

struct Curve {
  sgc::Preset settings;
  bool depends_on_k = true;
  std::vector<Point> points;
};

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

std::vector<int> parse_ks(const std::string& list) {
  std::vector<int> ks;
  for (const std::string& item : split(list)) {
    char* end = nullptr;
    const long k = std::strtol(item.c_str(), &end, 10);
    if (*end != '\0' || k < 0 || k > 100000)
      throw sgc::ArgumentError("--ks: '" + item + "' is not a depth K in [0, 100000]");
    ks.push_back(int(k));
  }
  if (ks.empty()) throw sgc::ArgumentError("--ks: no depth given");
  return ks;
}

Point evaluate(const sgc::Dataset& data, sgc::Config config, int k) {
  if (config.op.def->reads("k")) config.op.k = k;
  Point p;
  p.k = config.op.k;
  sgc::validate_config(config);
  p.sparse_products = sgc::planned_sparse_products(config.op);
  sgc::StageTimes times;
  const std::unique_ptr<sgc::Model> model = sgc::make_model(config);
  model->prepare(data, config, &times);
  const sgc::Evaluation ev = model->fit(config);
  p.val = ev.val_acc, p.test = ev.test_acc, p.propagate_seconds = times.propagate;
  return p;
}

void write_plot(const std::string& path, const std::string& dataset, const std::vector<int>& ks,
                const std::vector<Curve>& curves) {
  Plot plot;
  plot.title = dataset + ": accuracy versus propagation depth";
  plot.x_label = "K (propagation steps)";
  plot.y_label = "accuracy (%)";
  plot.subtitle = "solid: test, dashed: validation accuracy (operators without K: dashed / dotted); "
                  "published settings, K varied";
  int k_min = 1 << 30, k_max = 1;
  for (int k : ks)
    if (k >= 1) k_min = std::min(k_min, k), k_max = std::max(k_max, k);
  plot.log2_x = true;
  for (size_t c = 0; c < curves.size(); ++c) {
    const Curve& curve = curves[c];
    const sgc::OperatorSpec& op = curve.settings.config.op;
    PlotLine test, val;
    test.color = val.color = plot_color(c);
    const std::string name(op.name());
    test.label = name + " test";
    val.label = name + " val";
    val.dash = "6 4", val.markers = false, val.width = 1.2;
    for (const Point& p : curve.points) {
      if (curve.depends_on_k && p.k < 1) continue;  // log scale: K = 0 has no place
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
    plot.lines.push_back(val);
  }
  const std::string svg = render_svg(plot);
  const bool png = path.size() > 4 && path.compare(path.size() - 4, 4, ".png") == 0;
  if (!png) {
    sgc::write_file_atomically(path, svg);
    return;
  }
  // rsvg-convert (Debian: librsvg2-bin) turns the SVG into PNG; both go
  // through files of our own beside the target, renamed over it at the end.
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  sgc::write_file_atomically(tmp + ".svg", svg);
  const std::string cmd = "rsvg-convert -f png -o '" + tmp + ".png' '" + tmp + ".svg' 2>/dev/null";
  const int rc = path.find('\'') == std::string::npos ? std::system(cmd.c_str()) : -1;
  std::remove((tmp + ".svg").c_str());
  if (rc != 0 || std::rename((tmp + ".png").c_str(), path.c_str()) != 0) {
    std::remove((tmp + ".png").c_str());
    throw sgc::ArgumentError("--plot: PNG output needs rsvg-convert (Debian package librsvg2-bin); "
                             "name an .svg file instead");
  }
}

int run_sweep(const CommonFlags& f, const SweepFlags& s) {
  std::vector<const sgc::OperatorDef*> ops;
  for (const std::string& name : split(s.ops)) {
    try {
      ops.push_back(&sgc::find_operator(name));
    } catch (const sgc::ArgumentError&) {
      throw sgc::ArgumentError("--ops: unknown operator '" + name + "' (known: " + sgc::operator_list() + ")");
    }
  }
  if (ops.empty()) throw sgc::ArgumentError("--ops: no operator given");
  const std::vector<int> ks = parse_ks(s.ks);
  if (!s.plot.empty()) sgc::check_output_path(s.plot, "--plot");  // before the work, not after
  check_params_read(f, ops);
  Job job = prepare_job(f, /*check_params=*/false);  // data set, threads, and every other flag checked once

  // The caps, for every point, before any work.
  for (const sgc::OperatorDef* op : ops) {
    sgc::Config c = configured(f, job.data, *op).config;
    for (int k : ks)
      if (op->reads("k") && k >= op->min_k) {
        c.op.k = k;
        sgc::require_operator_products(c.op, "--ops " + std::string(op->name) + " at --ks " + std::to_string(k) +
                                                  " (" + sgc::operator_summary(c.op) + ")");
      }
    if (!op->reads("k")) sgc::require_operator_products(c.op);
  }

  std::vector<Curve> curves;
  for (const sgc::OperatorDef* op : ops) {
    Curve curve;
    curve.settings = configured(f, job.data, *op);
    curve.depends_on_k = op->reads("k");
    if (curve.depends_on_k) {
      for (int k : ks)
        if (k >= op->min_k) curve.points.push_back(evaluate(job.data, curve.settings.config, k));
    } else {
      curve.points.push_back(evaluate(job.data, curve.settings.config, curve.settings.config.op.k));
    }
    curves.push_back(std::move(curve));
  }
  if (!s.plot.empty()) write_plot(s.plot, job.data.name, ks, curves);

  if (f.json) {
    json out = {{"dataset", job.data.name}, {"family", job.family}, {"ks", ks}, {"seed", f.seed}};
    if (!s.plot.empty()) out["plot"] = s.plot;
    for (const Curve& c : curves) {
      json points = json::array();
      for (const Point& p : c.points)
        points.push_back({{"k", c.depends_on_k ? json(p.k) : json(nullptr)},
                          {"val", p.val},
                          {"test", p.test},
                          {"sparse_products", p.sparse_products},
                          {"propagate_seconds", p.propagate_seconds}});
      json op = sgc::operator_to_json(c.settings.config.op);
      if (c.depends_on_k) op.erase("k");
      out["curves"].push_back({{"op", std::string(c.settings.config.op.name())},
                               {"operator", op},
                               {"settings", c.settings.source},
                               {"lr", c.settings.config.train.lr},
                               {"epochs", c.settings.config.train.epochs},
                               {"weight_decay", c.settings.config.train.weight_decay},
                               {"optimizer", std::string(c.settings.config.train.optimizer->name)},
                               {"feature_norm", sgc::to_string(c.settings.config.feature_norm)},
                               {"protocol", sgc::to_string(c.settings.config.protocol)},
                               {"depends_on_k", c.depends_on_k},
                               {"points", points}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::printf("sweep on %s: test accuracy (validation accuracy) by depth K\n", job.data.name.c_str());
  for (const Curve& c : curves) {
    const sgc::Config& cc = c.settings.config;
    std::printf("  %-10s %s, %s protocol, lr=%g epochs=%d weight_decay=%g (settings: %s)%s\n",
                std::string(cc.op.name()).c_str(), sgc::operator_summary(cc.op).c_str(),
                sgc::to_string(cc.protocol).c_str(), cc.train.lr, cc.train.epochs, cc.train.weight_decay,
                c.settings.source.c_str(),
                c.depends_on_k ? "" : " -- does not depend on K");
  }
  std::printf("%6s", "K");
  for (const Curve& c : curves) std::printf("  %-18s", std::string(c.settings.config.op.name()).c_str());
  std::printf("\n");
  for (int k : ks) {
    std::printf("%6d", k);
    for (const Curve& c : curves) {
      const Point* p = nullptr;
      for (const Point& q : c.points)
        if (!c.depends_on_k || q.k == k) p = &q;
      if (p)
        std::printf("  %.4f (%.4f)   ", p->test, p->val);
      else
        std::printf("  %-18s", "-");
    }
    std::printf("\n");
  }
  if (!s.plot.empty()) std::printf("plot written to %s\n", s.plot.c_str());
  return 0;
}

}  // namespace

Subcommand add_sweep_command(CLI::App& app) {
  auto flags = std::make_shared<CommonFlags>();
  auto sweep = std::make_shared<SweepFlags>();
  auto* cmd = app.add_subcommand("sweep", "accuracy versus depth K for several operators, as a table and a plot");
  add_common_flags(*cmd, *flags, /*choose_operator=*/false);
  cmd->add_option("--ops", sweep->ops, "comma-separated operators (default sgc,ssgc,dgc)");
  cmd->add_option("--ks", sweep->ks, "comma-separated depths K (default 1,2,4,...,256)");
  cmd->add_option("--plot", sweep->plot, "write the plot to this file: .svg, or .png through rsvg-convert");
  return {cmd, [flags, sweep] { return run_sweep(*flags, *sweep); }};
}

}  // namespace sgc_cli
