// The SGC pipeline as one API for the command line, the benchmarks and the
// Python module:
//   normalise (S = AugNormAdj(A), feature normalisation)
//   -> propagate (F = S^K X)
//   -> train (softmax regression with Adam on the training rows)
//   -> evaluate (accuracy on train/val/test).
// precompute() does the first two once; fit_evaluate() can then be called
// many times (e.g. by the weight-decay search) on the same features.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sgc/data/dataset.h"
#include "sgc/dense.h"
#include "sgc/graph/normalize.h"
#include "sgc/model/train.h"
#include "sgc/ops/operator.h"

namespace sgc {

enum class FeatureNorm { Row, ZScore, None };
FeatureNorm parse_feature_norm(const std::string& name);  // "row" | "zscore" | "none"
std::string to_string(FeatureNorm f);

struct SgcConfig {
  OperatorSpec op;
  bool inductive = false;
  FeatureNorm feature_norm = FeatureNorm::Row;
  TrainOptions train;
};

// The paper's settings for cora / citeseer / pubmed (K = 2, lr 0.2, tuned
// weight decay, 100 epochs; 150 for citeseer); SGC defaults for any other name.
SgcConfig paper_defaults(const std::string& dataset);

struct StageTimes {
  double load = 0, normalize = 0, propagate = 0, train = 0, evaluate = 0;
};

// Propagated features of the three splits (one matrix: the train rows, then
// the val rows, then the test rows), with their labels.
struct Precomputed {
  DenseMatrix x;
  ZScoreStats feature_stats;  // filled for FeatureNorm::ZScore (saved with a model)
  std::vector<int32_t> train_y, val_y, test_y;
  int32_t classes = 0;

  FeatureRows train_x() const { return x.topRows(Eigen::Index(train_y.size())); }
  FeatureRows val_x() const { return x.middleRows(Eigen::Index(train_y.size()), Eigen::Index(val_y.size())); }
  FeatureRows test_x() const { return x.bottomRows(Eigen::Index(test_y.size())); }
};

struct Evaluation {
  double train_acc = 0, val_acc = 0, test_acc = 0;  // accuracy = micro-F1 (single-label)
  double val_macro_f1 = 0, test_macro_f1 = 0;
  double final_loss = 0;
  int train_evaluations = 0;  // loss and gradient evaluations the optimizer made
  SoftmaxModel model;
};

// Feature normalisation of the data set's features, in place: sparse stays
// sparse, except for z-scoring, which makes them dense.
// Returns the z-score statistics for FeatureNorm::ZScore (empty otherwise).
ZScoreStats normalize_features(Dataset& d, FeatureNorm norm);

// Transductive: every node's features are propagated over the whole graph.
// Inductive (SGC's Reddit protocol): the training rows are propagated over the
// graph induced on the training nodes only, the val/test rows over the full graph.
enum class Protocol { Transductive, Inductive };

// Normalise + propagate; times are added to `times` if given. The data set is
// taken by value: pass std::move(d) to let the features be normalised and
// propagated in place when the caller no longer needs them.
Precomputed precompute(Dataset d, FeatureNorm norm, const OperatorSpec& op, StageTimes* times = nullptr,
                       Protocol protocol = Protocol::Transductive);
// Shorthand for SGC with k hops.
Precomputed precompute(Dataset d, FeatureNorm norm, int k, StageTimes* times = nullptr);

// Train on the training rows and measure accuracy on every split.
Evaluation fit_evaluate(const Precomputed& p, const TrainOptions& opt, StageTimes* times = nullptr);

}  // namespace sgc
