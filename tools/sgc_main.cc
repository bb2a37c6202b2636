// `sgc`: the command-line front end. It only parses flags, calls the library
// (sgc/pipeline.h, sgc/tune/tpe.h) and prints; all logic lives in src/sgc.
//
//   sgc train [--dataset cora|citeseer|pubmed] [flags]   train and evaluate
//   sgc tune  [--dataset ...] [--trials 60]               search weight decay
// Without --dataset both run on the built-in synthetic graph (CSBM).
#include <omp.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "sgc/data/synthetic.h"
#include "sgc/error.h"
#include "sgc/io/load.h"
#include "sgc/pipeline.h"
#include "sgc/tune/tpe.h"
#include "sgc/util/memory.h"
#include "sgc/util/timer.h"

namespace {

using nlohmann::json;

// Flags shared by `train` and `tune`.
struct CommonFlags {
  std::string dataset;  // empty -> synthetic
  std::string data_dir;
  std::optional<int> k;
  std::optional<double> lr, weight_decay;
  std::optional<int> epochs;
  std::optional<std::string> feature_norm;
  uint64_t seed = 42;
  int threads = 0;
  bool json = false;
  sgc::CsbmOptions csbm;
};

void add_common_flags(CLI::App& app, CommonFlags& f) {
  app.add_option("--dataset", f.dataset, "cora, citeseer or pubmed (default: built-in synthetic graph)");
  app.add_option("--data-dir", f.data_dir, "folder with the Planetoid ind.* files (default: ../shared/data/planetoid)");
  app.add_option("--k", f.k, "propagation steps K (default 2)");
  app.add_option("--lr", f.lr, "Adam learning rate (default 0.2)");
  app.add_option("--epochs", f.epochs, "training epochs (default: 100; citeseer 150)");
  app.add_option("--weight-decay", f.weight_decay, "L2 weight decay (default: the paper's tuned value)");
  app.add_option("--feature-norm", f.feature_norm, "row | zscore | none (default: row; synthetic: none)");
  app.add_option("--seed", f.seed, "random seed (weight initialisation, synthetic graph, search)");
  app.add_option("--threads", f.threads, "OpenMP threads (default: all cores)");
  app.add_flag("--json", f.json, "print one JSON object instead of text");
  auto* g = app.add_option_group("synthetic graph", "used when --dataset is not given");
  g->add_option("--nodes", f.csbm.nodes, "number of nodes");
  g->add_option("--classes", f.csbm.classes, "number of planted classes");
  g->add_option("--avg-degree", f.csbm.avg_degree, "mean degree");
  g->add_option("--homophily", f.csbm.homophily, "probability that an edge stays inside a class");
  g->add_option("--features", f.csbm.features, "feature dimension");
  g->add_option("--signal", f.csbm.signal, "norm of the class means");
  g->add_option("--noise", f.csbm.noise, "standard deviation of the feature noise");
  g->add_option("--train-per-class", f.csbm.train_per_class, "labelled training nodes per class");
}

// Resolves the data set and the effective configuration (paper defaults, then flags).
struct Job {
  sgc::Dataset data;
  sgc::SgcConfig config;
  sgc::StageTimes times;
};

Job prepare_job(const CommonFlags& f) {
  if (f.threads < 0) throw sgc::ArgumentError("--threads: must be >= 0");
  if (f.threads > 0) omp_set_num_threads(f.threads);
  Job job;
  sgc::Timer timer;
  if (f.dataset.empty()) {
    sgc::CsbmOptions o = f.csbm;
    o.seed = f.seed;
    job.data = sgc::make_csbm(o);
    job.config = sgc::paper_defaults("csbm");
    job.config.feature_norm = sgc::FeatureNorm::None;  // Gaussian features can sum to ~0
  } else {
    job.data = sgc::load_dataset(f.dataset, f.data_dir);
    job.config = sgc::paper_defaults(f.dataset);
  }
  job.times.load = timer.seconds();
  if (f.k) job.config.op.k = *f.k;
  if (f.lr) job.config.train.lr = *f.lr;
  if (f.epochs) job.config.train.epochs = *f.epochs;
  if (f.weight_decay) job.config.train.weight_decay = *f.weight_decay;
  if (f.feature_norm) job.config.feature_norm = sgc::parse_feature_norm(*f.feature_norm);
  job.config.train.seed = f.seed;
  sgc::validate_operator(job.config.op);
  sgc::validate_train_options(job.config.train);
  return job;
}

json config_json(const Job& job, const CommonFlags& f) {
  return {{"dataset", job.data.name},
          {"nodes", job.data.num_nodes()},
          {"features", job.data.num_features()},
          {"classes", job.data.num_classes},
          {"k", job.config.op.k},
          {"lr", job.config.train.lr},
          {"epochs", job.config.train.epochs},
          {"weight_decay", job.config.train.weight_decay},
          {"feature_norm", sgc::to_string(job.config.feature_norm)},
          {"seed", f.seed},
          {"threads", omp_get_max_threads()}};
}

int run_train(const CommonFlags& f) {
  sgc::Timer total;
  Job job = prepare_job(f);
  const sgc::Precomputed pre = sgc::precompute(job.data, job.config.feature_norm, job.config.op, &job.times);
  const sgc::Evaluation ev = sgc::fit_evaluate(pre, job.config.train, &job.times);

  // On the synthetic graph, show what propagation adds: the same regression at K = 0.
  std::optional<sgc::Evaluation> base;
  if (f.dataset.empty() && job.config.op.k != 0)
    base = sgc::fit_evaluate(sgc::precompute(job.data, job.config.feature_norm, 0), job.config.train);

  if (f.json) {
    json out = config_json(job, f);
    out["accuracy"] = {{"train", ev.train_acc}, {"val", ev.val_acc}, {"test", ev.test_acc}};
    out["final_train_loss"] = ev.final_loss;
    if (base) out["baseline_k0"] = {{"val", base->val_acc}, {"test", base->test_acc}};
    out["seconds"] = {{"load", job.times.load},         {"normalize", job.times.normalize},
                      {"propagate", job.times.propagate}, {"train", job.times.train},
                      {"evaluate", job.times.evaluate}, {"total", total.seconds()}};
    out["peak_rss_bytes"] = sgc::peak_rss_bytes();
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::printf("dataset %s: %lld nodes, %lld features, %d classes; K=%d lr=%g epochs=%d weight_decay=%g\n",
              job.data.name.c_str(), (long long)job.data.num_nodes(), (long long)job.data.num_features(),
              job.data.num_classes, job.config.op.k, job.config.train.lr, job.config.train.epochs,
              job.config.train.weight_decay);
  std::printf("val accuracy %.4f, test accuracy %.4f", ev.val_acc, ev.test_acc);
  if (base) std::printf("  (same regression at K=0: test %.4f)", base->test_acc);
  std::printf("\ntime: load %.4fs normalize %.4fs propagate %.4fs train %.4fs evaluate %.4fs\n", job.times.load,
              job.times.normalize, job.times.propagate, job.times.train, job.times.evaluate);
  return 0;
}

struct TuneFlags {
  int trials = 60;
  double wd_low = 1e-10, wd_high = 1e-4;
};

int run_tune(const CommonFlags& f, const TuneFlags& t) {
  Job job = prepare_job(f);
  const sgc::Precomputed pre = sgc::precompute(job.data, job.config.feature_norm, job.config.op, &job.times);
  sgc::tune::TpeOptions opts;
  opts.trials = t.trials;
  opts.seed = f.seed;
  const std::vector<sgc::tune::ParamSpec> space{{"weight_decay", t.wd_low, t.wd_high, sgc::tune::Scale::Log}};
  sgc::TrainOptions train = job.config.train;
  const sgc::tune::Trial best = sgc::tune::tpe_maximize(space, opts, [&](const std::vector<double>& x) {
    train.weight_decay = x[0];
    return sgc::fit_evaluate(pre, train).val_acc;
  });
  train.weight_decay = best.params[0];
  const sgc::Evaluation ev = sgc::fit_evaluate(pre, train);
  if (f.json) {
    json out = config_json(job, f);
    out["searched"] = {{"weight_decay", {{"low", t.wd_low}, {"high", t.wd_high}, {"scale", "log"}}}};
    out["trials"] = t.trials;
    out["best"] = {{"weight_decay", best.params[0]}, {"val", ev.val_acc}, {"test", ev.test_acc}};
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::printf("searched weight_decay in [%g, %g] (log-uniform), %d TPE trials on validation accuracy\n", t.wd_low,
              t.wd_high, t.trials);
  std::printf("best weight_decay %.4e: val accuracy %.4f, test accuracy %.4f\n", best.params[0], ev.val_acc,
              ev.test_acc);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  sgc::reexec_with_huge_page_heap(argv);
  CLI::App app{"sgc: Simple Graph Convolution (Wu et al., ICML 2019) and its family, in C++"};
  app.require_subcommand(1);
  CommonFlags train_flags, tune_flags;
  TuneFlags tune_only;
  auto* train = app.add_subcommand("train", "propagate features, train softmax regression, report accuracy");
  add_common_flags(*train, train_flags);
  auto* tune = app.add_subcommand("tune", "search weight decay by TPE on validation accuracy");
  add_common_flags(*tune, tune_flags);
  tune->add_option("--trials", tune_only.trials, "number of evaluations (default 60)");
  tune->add_option("--wd-low", tune_only.wd_low, "lower end of the log-uniform range (default 1e-10)");
  tune->add_option("--wd-high", tune_only.wd_high, "upper end of the log-uniform range (default 1e-4)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (*train) return run_train(train_flags);
    if (*tune) return run_tune(tune_flags, tune_only);
  } catch (const sgc::Error& e) {
    std::fprintf(stderr, "sgc: error: %s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "sgc: error: out of memory\n");
    return 1;
  }
  return 0;
}
