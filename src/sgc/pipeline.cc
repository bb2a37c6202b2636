#include "sgc/pipeline.h"

#include "sgc/error.h"
#include "sgc/eval/metrics.h"
#include "sgc/graph/normalize.h"
#include "sgc/graph/subgraph.h"
#include "sgc/model/softmax_regression.h"
#include "sgc/util/timer.h"

namespace sgc {

FeatureNorm parse_feature_norm(const std::string& name) {
  if (name == "row") return FeatureNorm::Row;
  if (name == "zscore") return FeatureNorm::ZScore;
  if (name == "none") return FeatureNorm::None;
  throw ArgumentError("--feature-norm: unknown value '" + name + "' (expected row, zscore or none)");
}

std::string to_string(FeatureNorm f) {
  switch (f) {
    case FeatureNorm::Row: return "row";
    case FeatureNorm::ZScore: return "zscore";
    case FeatureNorm::None: return "none";
  }
  return "?";
}

SgcConfig paper_defaults(const std::string& dataset) {
  SgcConfig c;
  c.train.lr = 0.2;
  c.train.epochs = 100;
  // Weight decay found by the SGC authors' 60-trial search on validation accuracy.
  if (dataset == "cora") c.train.weight_decay = 1.3027e-5;
  if (dataset == "citeseer") c.train.weight_decay = 2.3546e-5, c.train.epochs = 150;
  if (dataset == "pubmed") c.train.weight_decay = 7.4039e-5;
  return c;
}

ZScoreStats normalize_features(Dataset& d, FeatureNorm norm) {
  if (norm == FeatureNorm::None) return {};
  if (norm == FeatureNorm::Row) {
    if (d.has_dense_features())
      row_normalize(d.dense_features);
    else
      row_normalize(d.features);
    return {};
  }
  if (!d.has_dense_features()) {  // z-scoring destroys sparsity
    d.dense_features = to_dense(d.features);
    d.features = CsrMatrix{};
  }
  ZScoreStats st = zscore_stats(d.dense_features);
  apply_zscore(d.dense_features, st);
  return st;
}

namespace {
std::vector<int32_t> labels_of(const Dataset& d, const std::vector<int32_t>& ids, const char* split) {
  std::vector<int32_t> y(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] < 0 || ids[i] >= d.num_nodes())
      throw ArgumentError(std::string(split) + " split: node id " + std::to_string(ids[i]) + " out of range");
    y[i] = d.labels[ids[i]];
    if (y[i] < 0 || y[i] >= d.num_classes)
      throw ArgumentError(std::string(split) + " split: node " + std::to_string(ids[i]) + " has no valid label");
  }
  return y;
}
}  // namespace

Precomputed precompute(Dataset data, FeatureNorm norm, int k, StageTimes* times) {
  OperatorSpec op;
  op.k = k;
  return precompute(std::move(data), norm, op, times);
}

Precomputed precompute(Dataset data, FeatureNorm norm, const OperatorSpec& op, StageTimes* times,
                       Protocol protocol) {
  validate_operator(op);
  if (data.num_nodes() == 0) throw ArgumentError(data.name + ": the graph has no nodes");
  if (data.train.empty()) throw ArgumentError(data.name + ": the training split is empty");
  Precomputed p;
  p.classes = data.num_classes;
  p.train_y = labels_of(data, data.train, "train");
  p.val_y = labels_of(data, data.val, "val");
  p.test_y = labels_of(data, data.test, "test");
  std::vector<int32_t> rows = data.train;
  rows.insert(rows.end(), data.val.begin(), data.val.end());
  rows.insert(rows.end(), data.test.begin(), data.test.end());

  Timer timer;
  p.feature_stats = normalize_features(data, norm);
  const CsrMatrix s = normalized_operator(data.adjacency, op);
  if (times) times->normalize += timer.seconds();

  if (protocol == Protocol::Transductive) {
    timer.reset();
    p.x = data.has_dense_features() ? apply_operator(s, std::move(data.dense_features), op, &rows)
                                    : apply_operator(s, data.features, op, &rows);
    if (times) times->propagate += timer.seconds();
    return p;
  }

  // Inductive (SGC on Reddit): the training rows see only the graph induced on
  // the training nodes; val/test rows are propagated over the full graph.
  timer.reset();
  const CsrMatrix s_train = normalized_operator(induced_subgraph(data.adjacency, data.train), op);
  if (times) times->normalize += timer.seconds();
  timer.reset();
  const std::vector<int32_t> eval_rows(rows.begin() + data.train.size(), rows.end());
  DenseMatrix train_x, eval_x;
  if (data.has_dense_features()) {
    train_x = apply_operator(s_train, gather_rows(data.dense_features, data.train), op);
    eval_x = apply_operator(s, std::move(data.dense_features), op, &eval_rows);
  } else {
    train_x = apply_operator(s_train, select_rows(data.features, data.train), op);
    eval_x = apply_operator(s, data.features, op, &eval_rows);
  }
  p.x.resize(train_x.rows() + eval_x.rows(), train_x.cols());
  p.x.topRows(train_x.rows()) = train_x;
  p.x.bottomRows(eval_x.rows()) = eval_x;
  if (times) times->propagate += timer.seconds();
  return p;
}

Evaluation fit_evaluate(const Precomputed& p, const TrainOptions& opt, StageTimes* times) {
  Timer timer;
  TrainOutcome trained = train_softmax(p.train_x(), p.train_y, p.classes, opt);
  if (times) times->train += timer.seconds();

  timer.reset();
  Evaluation e;
  e.final_loss = trained.final_loss;
  e.train_evaluations = trained.evaluations;
  e.train_acc = accuracy(softmax_predict(trained.model, p.train_x()), p.train_y);
  if (!p.val_y.empty()) {
    const auto pred = softmax_predict(trained.model, p.val_x());
    e.val_acc = accuracy(pred, p.val_y);
    e.val_macro_f1 = macro_f1(pred, p.val_y, p.classes);
  }
  if (!p.test_y.empty()) {
    const auto pred = softmax_predict(trained.model, p.test_x());
    e.test_acc = accuracy(pred, p.test_y);
    e.test_macro_f1 = macro_f1(pred, p.test_y, p.classes);
  }
  e.model = std::move(trained.model);
  if (times) times->evaluate += timer.seconds();
  return e;
}

}  // namespace sgc
