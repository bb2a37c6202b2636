// The model interface and the model registry. A model turns a data set and a
// Config into accuracies, saved files and predictions; the front ends (CLI,
// Python, tune, sweep) handle every model through this interface alone.
//
// Two stages, so that searches reuse the expensive one:
//   prepare(data, config)  what does not depend on the training options (for
//                          the linear model: normalise and propagate); fits
//                          whose configs share prepare_key() share it;
//   fit(config)            train on the training rows, measure every split.
// A fitted (or loaded) model predicts on any graph with the same features.
//
// Models (each one file and one line in models.cc):
//   linear   softmax regression on operator-propagated features (SGC, DGC,
//            SSGC, PPR, SIGN, poly, ...)          model/linear_model.h
//   tsc      SGC with the Two-Sided Constraint     model/tsc_model.h
//   acm      SGC aggregating on a compact manifold model/acm_model.h
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sgc/data/dataset.h"
#include "sgc/dense.h"
#include "sgc/model/config.h"

namespace sgc {

struct Preset;

struct StageTimes {
  double load = 0, normalize = 0, propagate = 0, train = 0, evaluate = 0;
  // How propagation ran: column blocks (1: the whole width at once; more:
  // out of core, ops/out_of_core.h); 0 when nothing was propagated.
  int64_t column_blocks = 0;
  // With --precision bf16|fp16: matrices stored in 16 bits between hops
  // (OperatorResult::stored_16bit); -1 where not counted.
  int stored_16bit = -1;
};

struct Evaluation {
  // Accuracy = micro-F1 (single-label). A split without rows has none: NaN
  // (eval/metrics.h), which the front ends print as n/a.
  static constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
  double train_acc = kNone, val_acc = kNone, test_acc = kNone;
  double val_macro_f1 = kNone, test_macro_f1 = kNone;
  double final_loss = 0;
  int train_evaluations = 0;  // loss and gradient evaluations the optimizer made
  // Models trained for a number of epochs with a checkpoint (tsc, acm): the
  // epoch kept (1-based) and, for comparison with papers that report it, the
  // best test accuracy over all epochs (not a model-selection result); -1 when not tracked.
  int epoch = -1;
  double best_test_over_epochs = -1;
};

struct Prediction {
  std::vector<int32_t> label;  // predicted class per node
  DenseMatrix logits;          // num_nodes x classes
};

// The prediction of class scores: the highest-scoring class of each row (ties -> lowest id).
inline Prediction prediction_from(DenseMatrix logits) {
  Prediction p;
  p.label.resize(size_t(logits.rows()));
  for (Eigen::Index i = 0; i < logits.rows(); ++i) {
    Eigen::Index arg;
    logits.row(i).maxCoeff(&arg);
    p.label[size_t(i)] = int32_t(arg);
  }
  p.logits = std::move(logits);
  return p;
}

// A fitted model's state for its file: a JSON header and float weights.
struct ModelState {
  nlohmann::json header = nlohmann::json::object();
  std::vector<float> weights;
};

// A field of a state's header, checked (a model file is untrusted):
// FormatError "state field NAME: missing" or naming what it holds instead.
// state_integer: an integer in [low, high]; state_floats: finite numbers.
int64_t state_integer(const ModelState& s, const char* name, int64_t low, int64_t high);
std::vector<float> state_floats(const ModelState& s, const char* name);

// The verifier's finding (gapbs style): sampled columns of the propagated
// rows recomputed in double precision from the operator's definition.
struct VerifyReport {
  double max_relative_error = 0;  // max over checked columns of max|computed - ref| / max|ref|
  double tolerance = 0;           // the largest error the storage precision explains
  int64_t rows = 0, columns = 0;
  bool passed() const { return max_relative_error <= tolerance; }  // false for NaN
};

// Largest relative error a verifier accepts against its double reference:
// fp32 storage; or X and the hops stored in 16 bits, each rounding worth up
// to 2^-9 (bfloat16) or 2^-12 (fp16) of a value, over a few hops.
double verify_tolerance(Precision stored);
// Column by column, computed (float) against reference (double, same shape):
// the report over all columns with the given tolerance.
VerifyReport compare_to_reference(const DenseMatrix& computed, const Eigen::MatrixXd& reference, double tolerance);

class Model {
 public:
  virtual ~Model() = default;
  // The part of `c` that prepare() depends on, as a key.
  virtual std::string prepare_key(const Config& c) const = 0;
  // Pass std::move(data) when the caller no longer needs it (features are
  // then normalised and propagated in place).
  virtual void prepare(Dataset data, const Config& c, StageTimes* times = nullptr) = 0;
  virtual Evaluation fit(const Config& c, StageTimes* times = nullptr) = 0;
  // Class scores of every node of `data` (which may be a graph the model never saw).
  virtual Prediction predict(Dataset data, const Config& c) const = 0;
  virtual ModelState state() const = 0;
  virtual void set_state(const ModelState& s, const Config& c) = 0;  // FormatError if it does not fit c
  // After prepare(): checks what it computed on `data` (the same data set)
  // against a double-precision reference. ArgumentError for models without one.
  virtual VerifyReport verify(Dataset data, const Config& c) const;
  // After fit(): the representation the classifier reads, for every node of
  // `data` (the data set prepare() saw), for smoothing measures
  // (eval/smoothing.h). ArgumentError for models without one.
  virtual DenseMatrix representation(Dataset data, const Config& c) const;
};

struct ModelDef {
  std::string_view name;
  std::string_view help;
  std::unique_ptr<Model> (*make)() = nullptr;
  std::vector<std::string_view> params = {};  // the model parameters it reads (model_params.h)
  // The model's own rules on a configuration (e.g. which operators it takes); ArgumentError.
  void (*check)(const Config&) = nullptr;
  // Its authors' settings for a data set (family, name), applied over the
  // operator's preset (presets.h); may be empty.
  void (*preset)(std::string_view family, std::string_view name, Preset& p) = nullptr;
  // Whether it runs on the GPU (gpu/device.h) when --device cuda is set;
  // asking a CPU-only model for the GPU is an error, not a silent CPU run.
  bool runs_on_gpu = false;
  // Whether Model::verify checks its representation (--verify), so that a
  // model without a verifier is refused before training, not after.
  bool has_verifier = false;

  bool reads(std::string_view param) const {
    for (std::string_view p : params)
      if (p == param) return true;
    return false;
  }
};

const std::vector<const ModelDef*>& models();
const ModelDef& find_model(std::string_view name);  // ArgumentError listing the known ones
// ArgumentError naming --verify unless c's model has a verifier.
void require_verifier(const Config& c);
std::string model_list();

inline std::unique_ptr<Model> make_model(const Config& c) { return c.model->make(); }

}  // namespace sgc
