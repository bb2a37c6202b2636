// `sgc predict`: classify the nodes of a graph with a model saved by
// `sgc train --save` (inductive use: the graph may have nodes, or be a whole
// graph, that the model never saw).
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli_common.h"
#include "commands.h"
#include "dist_cli.h"
#include "sgc/error.h"
#include "sgc/eval/metrics.h"
#include "sgc/io/load.h"
#include "sgc/model/model_file.h"
#include "sgc/util/atomic_file.h"
#include "sgc/util/threads.h"

namespace sgc_cli {

namespace {

struct PredictFlags : DataFlags {
  std::string model, out;
  DistFlags dist;  // under mpirun (dist_cli.h)
};

// Accuracy over the nodes of `ids` that have a label.
double accuracy_on(const std::vector<int32_t>& ids, const sgc::Dataset& d, const std::vector<int32_t>& pred) {
  std::vector<int32_t> got, want;
  for (int32_t v : ids)
    if (d.labels[v] >= 0) got.push_back(pred[v]), want.push_back(d.labels[v]);
  return sgc::accuracy(got, want);
}

int run_predict(const PredictFlags& f) {
  if (distributed_run(f.dist)) return run_predict_distributed(f, f.dist, f.model, f.out);
  refuse_partition_flag(f.dist, false);
  sgc::set_num_threads(f.threads);
  if (!f.out.empty()) {  // before the work, not after
    auto inputs = data_inputs(f);
    inputs.emplace_back("--model", f.model);
    sgc::check_output_path(f.out, "--out", inputs);
  }
  const sgc::SavedModel saved = sgc::load_model(f.model);
  AsTrained as_trained = load_as_trained(f, f.model, saved.training);
  sgc::Dataset data = std::move(as_trained.data);
  const int split = as_trained.split;
  const std::vector<int32_t> test = data.test, labels = data.labels;
  // Classes the loader renumbered (label values 1..C, or with gaps) are
  // written back as the file's own label values.
  const std::vector<int64_t> label_values = data.label_values;
  std::vector<int32_t> all;
  for (int32_t v = 0; v < int32_t(labels.size()); ++v) all.push_back(v);
  const std::string name = data.name;
  sgc::Dataset labelled;  // only what the accuracy needs
  labelled.labels = labels;
  const int32_t data_classes = data.num_classes;
  const bool has_labels = std::any_of(labels.begin(), labels.end(), [](int32_t y) { return y >= 0; });
  const sgc::Prediction p = saved.model->predict(std::move(data), saved.config);
  // Scores of another class set would be compared with the labels as if they
  // were the same classes; overflowing scores make every argmax class 0.
  if (has_labels && p.logits.cols() != data_classes)
    throw sgc::ArgumentError("--model " + f.model + ": the model has " + std::to_string(p.logits.cols()) +
                             " classes, the data set " + name + " has " + std::to_string(data_classes) +
                             "; predict with a model trained on this data set's classes");
  if (!p.logits.allFinite())
    throw sgc::Error("--model " + f.model + ": the class scores on " + name +
                     " are not finite (the weights overflow float on these features)");

  if (!f.out.empty()) write_predictions(f.out, f.model, p.label, label_values);
  const double test_acc = accuracy_on(test, labelled, p.label), all_acc = accuracy_on(all, labelled, p.label);
  if (f.json) {
    json j = {{"model", f.model},     {"dataset", name},           {"nodes", p.label.size()},
              {"operator", sgc::operator_to_json(saved.config.op)}, {"test_accuracy", test_acc}, {"labelled_accuracy", all_acc}};
    if (split >= 0) j["split"] = split;
    if (!f.out.empty()) j["predictions"] = f.out;
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::printf("model %s (%s) on %s: %zu nodes classified\n", f.model.c_str(), sgc::operator_summary(saved.config.op).c_str(),
              name.c_str(), p.label.size());
  const std::string which = split >= 0 ? " (split " + std::to_string(split) + ")" : "";
  std::printf("accuracy on the test split%s %s, on every labelled node %s\n", which.c_str(),
              accuracy_text(test_acc).c_str(), accuracy_text(all_acc).c_str());
  if (!f.out.empty()) std::printf("predictions written to %s\n", f.out.c_str());
  return 0;
}

}  // namespace

Subcommand add_predict_command(CLI::App& app) {
  auto f = std::make_shared<PredictFlags>();
  auto* cmd = app.add_subcommand("predict", "classify the nodes of a graph with a saved model");
  cmd->add_option("--model", f->model, "model file written by `sgc train --save`")->required()->check(kNonEmptyPath);
  cmd->add_option("--out", f->out,
                  "write node,class lines to this CSV file (class: the data set's own label value)")
      ->check(kNonEmptyPath);
  add_data_flags(*cmd, *f);
  add_dist_flags(*cmd, f->dist);
  return {cmd, [f] { return run_predict(*f); }};
}

}  // namespace sgc_cli
