// `sgc train`: propagate with one operator, train, report accuracy and times.
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include "cli_common.h"
#include "commands.h"
#include "sgc/model/model_file.h"
#include "sgc/util/memory.h"
#include "sgc/util/timer.h"

namespace sgc_cli {

namespace {

// A model file with everything `sgc predict` needs.
void save(const std::string& path, const Job& job, const sgc::Precomputed& pre, const sgc::Evaluation& ev) {
  const sgc::SgcConfig& c = job.settings.config;
  sgc::SavedModel m;
  m.op = c.op;
  m.feature_norm = sgc::to_string(c.feature_norm);
  m.zscore_mean = pre.feature_stats.mean;
  m.zscore_std = pre.feature_stats.std;
  m.model = ev.model;
  m.training = {{"dataset", job.name},     {"optimizer", c.train.optimizer}, {"epochs", c.train.epochs},
                {"lr", c.train.lr},             {"weight_decay", c.train.weight_decay},
                {"inductive", c.inductive},     {"seed", c.train.seed},
                {"val_accuracy", ev.val_acc},   {"test_accuracy", ev.test_acc}};
  sgc::save_model(path, m);
}

int run_train(const CommonFlags& f, const std::string& save_path) {
  sgc::Timer total;
  Job job = prepare_job(f);
  const sgc::SgcConfig& config = job.settings.config;
  const int64_t products = sgc::planned_sparse_products(config.op);
  const sgc::Protocol protocol = config.inductive ? sgc::Protocol::Inductive : sgc::Protocol::Transductive;

  // On the synthetic graphs, show what propagation adds: the same regression at K = 0.
  std::optional<sgc::Evaluation> base;
  if (f.dataset.empty() && !(config.op.op == "sgc" && config.op.k == 0)) {
    sgc::OperatorSpec none = config.op;
    none.op = "sgc";
    none.k = 0;
    base = sgc::fit_evaluate(sgc::precompute(job.data, config.feature_norm, none, nullptr, protocol), config.train);
  }
  const sgc::Precomputed pre = sgc::precompute(std::move(job.data), config.feature_norm, config.op, &job.times, protocol);
  const sgc::Evaluation ev = sgc::fit_evaluate(pre, config.train, &job.times);
  if (!save_path.empty()) save(save_path, job, pre, ev);

  if (f.json) {
    json out = config_json(job, f);
    out["sparse_products"] = products;
    out["accuracy"] = {{"train", ev.train_acc}, {"val", ev.val_acc}, {"test", ev.test_acc}};
    out["macro_f1"] = {{"val", ev.val_macro_f1}, {"test", ev.test_macro_f1}};
    out["optimizer"] = config.train.optimizer;
    out["inductive"] = config.inductive;
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
              job.name.c_str(), (long long)job.nodes, (long long)job.features, job.classes, config.op.k, config.train.lr, config.train.epochs, config.train.weight_decay);
  std::printf("operator %s: %lld sparse products (settings: %s)\n", operator_summary(config.op).c_str(),
              (long long)products, job.settings.source.c_str());
  std::printf("val accuracy %.4f, test accuracy %.4f (micro-F1; macro-F1 %.4f)", ev.val_acc, ev.test_acc,
              ev.test_macro_f1);
  if (base) std::printf("  (same regression at K=0: test %.4f)", base->test_acc);
  std::printf("\ntime: load %.4fs normalize %.4fs propagate %.4fs train %.4fs evaluate %.4fs\n", job.times.load,
              job.times.normalize, job.times.propagate, job.times.train, job.times.evaluate);
  return 0;
}

}  // namespace

Subcommand add_train_command(CLI::App& app) {
  auto flags = std::make_shared<CommonFlags>();
  auto* cmd = app.add_subcommand("train", "propagate features, train softmax regression, report accuracy");
  add_common_flags(*cmd, *flags);
  auto save_path = std::make_shared<std::string>();
  cmd->add_option("--save", *save_path, "write the trained model to this file (for `sgc predict`)");
  return {cmd, [flags, save_path] { return run_train(*flags, *save_path); }};
}

}  // namespace sgc_cli
