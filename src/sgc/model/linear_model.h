// The linear model of SGC and its family: features normalised, propagated
// once by the operator, then a softmax regression trained on the propagated
// rows (Wu et al., ICML 2019):
//   prepare: normalise (S = the operator's normalisation of A, feature norm)
//            -> propagate (F = operator(S, X), only the train/val/test rows;
//               for large sparse features the test rows stay S and X, read
//               through the head as operator(S, X W): ops/linear_rows.h)
//   fit:     softmax regression on the training rows (any optimizer)
//            -> accuracy on train/val/test.
// precompute() and fit_evaluate() are the two stages as free functions, for
// benchmarks and tests that time them apart.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sgc/data/dataset.h"
#include "sgc/dense.h"
#include "sgc/gpu/gpu_operator.h"
#include "sgc/io/feature_store.h"
#include "sgc/model/config.h"
#include "sgc/model/model.h"
#include "sgc/model/softmax_regression.h"
#include "sgc/ops/linear_rows.h"

namespace sgc {

// Propagated features of the three splits (one matrix: the train rows, then
// the val rows, then the test rows), with their labels.
struct Precomputed {
  DenseMatrix x;
  // Out of core (S, the features and the output together above the memory
  // budget): the same matrix in a scratch file (MappedFeatures::scratch), x empty.
  std::shared_ptr<const MappedFeatures> spilled;
  ZScoreStats feature_stats;  // filled for FeatureNorm::ZScore (saved with a model)
  int stored_16bit = -1;      // matrices the operator kept in 16 bits (-1: not counted)
  std::vector<int32_t> train_y, val_y, test_y;
  int32_t classes = 0;

  // The test rows kept as S and the sparse features (ops/linear_rows.h) and
  // read only through the head: x then holds the train and val rows only.
  // Null: x has them all.
  std::shared_ptr<const LinearRows> lazy_test;

  // After a GPU propagation, the same rows in GPU memory too: the training
  // rows, and the val rows followed by the test rows (one buffer transductive,
  // two inductive), so that with --device cuda the head trains and the
  // evaluation reads them there, without uploading them again. Empty
  // elsewhere; whoever changes x must clear them.
  DeviceSlice train_on_device, eval_on_device;

  DenseView all() const { return spilled ? spilled->view() : view_of(x); }
  FeatureRows train_x() const { return all().topRows(Eigen::Index(train_y.size())); }
  FeatureRows val_x() const { return all().middleRows(Eigen::Index(train_y.size()), Eigen::Index(val_y.size())); }
  // Only without lazy_test (std::logic_error otherwise): read test_logits then.
  FeatureRows test_x() const;
  // The head's logits (x W + b) for every test row, whichever form they take.
  DenseMatrix test_logits(const SoftmaxModel& m) const;
};

// Normalise + propagate under c.feature_norm, c.op and c.protocol; times are
// added to `times` if given. Pass std::move(d) to let the features be
// normalised and propagated in place. Transductive runs whose S, features
// and output do not fit the memory budget together go out of core: the
// features to a scratch file, propagated a column block at a time from it
// into another (Precomputed::spilled), with the same result bit for bit.
Precomputed precompute(Dataset d, const Config& c, StageTimes* times = nullptr);

// Train on the training rows and measure every split; the fitted weights go
// to *fitted when given. bias: the head's intercept (ModelParams::bias).
Evaluation fit_evaluate(const Precomputed& p, const TrainOptions& opt, StageTimes* times = nullptr,
                        SoftmaxModel* fitted = nullptr, bool bias = true);

// The verifier (gapbs style): recomputes `columns` sampled feature columns of
// the rows in `p` in double precision straight from the operator's
// definition (OperatorDef::reference) on the data set's own graph, under the
// same protocol, and compares them with p.x.
VerifyReport verify_precomputed(Dataset d, const Config& c, const Precomputed& p, int columns = 8,
                                uint64_t seed = 1);

// The linear model as a Model (model.h), for the front ends.
class LinearModel : public Model {
 public:
  std::string prepare_key(const Config& c) const override;
  void prepare(Dataset data, const Config& c, StageTimes* times = nullptr) override;
  Evaluation fit(const Config& c, StageTimes* times = nullptr) override;
  Prediction predict(Dataset data, const Config& c) const override;
  ModelState state() const override;
  void set_state(const ModelState& s, const Config& c) override;
  // The propagated features of every node (transductive: the operator on the whole graph).
  DenseMatrix representation(Dataset data, const Config& c) const override;
  VerifyReport verify(Dataset data, const Config& c) const override {
    return verify_precomputed(std::move(data), c, pre_);
  }

  const Precomputed& features() const { return pre_; }
  const SoftmaxModel& weights() const { return weights_; }

 private:
  std::string name_;  // the data set prepared, for messages
  Precomputed pre_;
  ZScoreStats stats_;
  SoftmaxModel weights_;
};

}  // namespace sgc
