#include "sgc/model/acm_model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "sgc/error.h"
#include "sgc/eval/metrics.h"
#include "sgc/model/acm_steps.h"
#include "sgc/model/adam.h"
#include "sgc/model/train.h"
#include "sgc/ops/operator.h"
#include "sgc/ops/reference.h"
#include "sgc/presets.h"
#include "sgc/random.h"
#include "sgc/util/budget.h"
#include "sgc/util/interrupt.h"
#include "sgc/util/timer.h"

namespace sgc {

namespace {

// The gradient is clipped to this norm before the (float) Adam step: back
// through K steps it is divided by each row's norm r_i at every step, and
// where aggregated rows are short (r_i < 1) it grows geometrically with K
// (Cora, K = 60, seed 1, epoch 611: past float's range; K = 120, seed 4,
// epoch 19: past double's; acm_steps.h rescales every sweep so that it does
// not overflow, and hands it over with its power of two apart). The clip
// leaves ordinary steps alone (norms are below 1 there).
constexpr double kMaxGradNorm = 1e3;

// Mean cross-entropy of log softmax over `rows` of Z_K (c classes), in
// double; its gradient with respect to Z_K into those rows of the engine's
// gradient buffer.
template <class T>
double softmax_loss(AcmSteps<T>& steps, int64_t c, const std::vector<int32_t>& rows, const std::vector<int32_t>& y) {
  double* g = steps.clear_gradient();
  const double scale = 1.0 / double(rows.size());
  double loss = 0;
  for (size_t r = 0; r < rows.size(); ++r) {
    const T* zi = steps.row(rows[r]);
    double m = double(zi[0]);
    for (int64_t j = 1; j < c; ++j) m = std::max(m, double(zi[j]));
    double sum = 0;
    for (int64_t j = 0; j < c; ++j) sum += std::exp(double(zi[j]) - m);
    const double lse = m + std::log(sum);
    loss += lse - double(zi[y[r]]);
    double* gi = g + int64_t(rows[r]) * steps.lanes();
    for (int64_t j = 0; j < c; ++j) gi[j] = (std::exp(double(zi[j]) - lse) - (j == y[r] ? 1.0 : 0.0)) * scale;
  }
  return loss * scale;
}

// The predicted class of each of `rows` (the first largest score, as
// argmax_rows), row(i) giving the scores of row i.
template <class Row>
std::vector<int32_t> argmax_rows(Row row, int64_t c, const std::vector<int32_t>& rows) {
  std::vector<int32_t> pred(rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    const float* zi = row(rows[r]);
    int32_t best = 0;
    for (int64_t j = 1; j < c; ++j)
      if (zi[j] > zi[best]) best = int32_t(j);
    pred[r] = best;
  }
  return pred;
}

// The normalised features as CSR (dense sources keep their non-zeros: dropout
// of a zero is a zero, and the products then cost nnz, not N F).
CsrMatrix sparse_features(Dataset& d, FeatureNorm norm) {
  normalize_features(d, norm);
  if (!d.has_dense_features()) return std::move(d.features);
  CsrMatrix x;
  x.rows = d.dense_features.rows();
  x.cols = d.dense_features.cols();
  x.indptr.assign(size_t(x.rows) + 1, 0);
  for (int64_t i = 0; i < x.rows; ++i) {
    for (int64_t j = 0; j < x.cols; ++j)
      if (float v = d.dense_features(i, j); v != 0) {
        x.indices.push_back(int32_t(j));
        x.values.push_back(v);
      }
    x.indptr[size_t(i) + 1] = x.nnz();
  }
  return x;
}

}  // namespace

// ---- the propagation and its gradient ---------------------------------------------

template <class T>
AcmMatrix<T> acm_forward(const CsrMatrix& s, const CsrMatrix& x, const AcmMatrix<T>& w_in, const AcmVector<T>& w,
                         int k) {
  if (x.cols != w_in.rows() || w.size() != w_in.cols() || s.rows != x.rows || s.cols != x.rows)
    throw ArgumentError("acm: shapes of S, X, W and the metric do not fit");
  AcmSteps<T> steps(s, w_in.cols(), k);
  steps.forward(x, w_in.data(), w.data(), false);
  AcmMatrix<T> z(x.rows, w_in.cols());
  for (int64_t i = 0; i < x.rows; ++i) std::copy(steps.row(i), steps.row(i) + z.cols(), z.data() + i * z.cols());
  return z;
}

template <class T>
double acm_loss_grad(const CsrMatrix& s, const CsrMatrix& x, const AcmMatrix<T>& w_in, const AcmVector<T>& w, int k,
                     const std::vector<int32_t>& rows, const std::vector<int32_t>& y, AcmMatrix<T>& grad_w_in,
                     AcmVector<T>& grad_w) {
  if (x.cols != w_in.rows() || w.size() != w_in.cols() || s.rows != x.rows || s.cols != x.rows)
    throw ArgumentError("acm: shapes of S, X, W and the metric do not fit");
  const int64_t c = w_in.cols();
  AcmSteps<T> steps(s, c, k);
  steps.forward(x, w_in.data(), w.data(), true);
  const double loss = softmax_loss(steps, c, rows, y);
  AcmMatrix<double> gin(x.cols, c);
  AcmVector<double> gw(c);
  const int exponent = steps.backward(x, w.data(), gin.data(), gw.data());
  grad_w_in = gin.unaryExpr([&](double v) { return std::ldexp(v, exponent); }).template cast<T>();
  grad_w = gw.unaryExpr([&](double v) { return std::ldexp(v, exponent); }).template cast<T>();
  return loss;
}

#define SGC_ACM_INSTANTIATE(T)                                                                                    \
  template AcmMatrix<T> acm_forward(const CsrMatrix&, const CsrMatrix&, const AcmMatrix<T>&, const AcmVector<T>&, \
                                    int);                                                                         \
  template double acm_loss_grad(const CsrMatrix&, const CsrMatrix&, const AcmMatrix<T>&, const AcmVector<T>&, int, \
                                const std::vector<int32_t>&, const std::vector<int32_t>&, AcmMatrix<T>&,          \
                                AcmVector<T>&);
SGC_ACM_INSTANTIATE(float)
SGC_ACM_INSTANTIATE(double)
#undef SGC_ACM_INSTANTIATE

namespace {

// The values of acm_dropout(x, p, ...) (p > 0) into `values` (x.nnz()).
void dropout_values(const CsrMatrix& x, double p, uint64_t seed, int epoch, float* values) {
  // Stored values from which the draws run in parallel: below, a parallel
  // region costs more than it saves, and on a loaded host much more (its
  // join waits for a thread the scheduler has parked).
  constexpr int64_t kParallelWork = int64_t(1) << 20;
  const float scale = float(1.0 / (1.0 - p));
  const uint64_t base = splitmix64(seed ^ splitmix64(0xAC3ull + uint64_t(epoch)));
#pragma omp parallel for schedule(static) if (x.nnz() >= kParallelWork)
  for (int64_t i = 0; i < x.rows; ++i) {
    Rng rng(base + uint64_t(i));
    for (int64_t e = x.indptr[i]; e < x.indptr[i + 1]; ++e)
      values[e] = rng.uniform() < p ? 0.0f : x.values[size_t(e)] * scale;
  }
}

}  // namespace

void acm_dropout(const CsrMatrix& x, double p, uint64_t seed, int epoch, CsrMatrix& out) {
  if (&out != &x) out = x;
  if (p > 0) dropout_values(x, p, seed, epoch, out.values.data());
}

// ---- the Model -------------------------------------------------------------------

std::string AcmModel::prepare_key(const Config& c) const {
  return nlohmann::json{{"operator", operator_to_json(c.op)}, {"feature_norm", to_string(c.feature_norm)}}.dump();
}

void AcmModel::prepare(Dataset data, const Config& c, StageTimes* times) {
  acm_model().check(c);
  require_operator_products(c.op);  // K hops each epoch: the cap on one propagation holds for each
  if (data.num_nodes() == 0) throw ArgumentError(data.name + ": the graph has no nodes");
  if (data.train.empty()) throw ArgumentError(data.name + ": the training split is empty");
  if (data.num_classes < 2)
    throw ArgumentError(data.name + ": " + std::to_string(data.num_classes) +
                        " class(es); classification needs at least two");
  Timer timer;
  name_ = data.name;
  classes_ = data.num_classes;
  train_ = data.train;
  val_ = data.val;
  test_ = data.test;
  train_y_ = split_labels(data, train_, "train");
  val_y_ = split_labels(data, val_, "val");
  test_y_ = split_labels(data, test_, "test");
  s_ = normalized_operator(data.adjacency, c.op);
  x_ = sparse_features(data, c.feature_norm);
  if (times) times->normalize += timer.seconds();
}

Evaluation AcmModel::fit(const Config& c, StageTimes* times) {
  acm_model().check(c);
  if (x_.rows == 0) throw ArgumentError("acm: fit() before prepare()");
  const ModelParams& mp = c.model_params;
  const int64_t f = x_.cols, nc = classes_;
  const int k = c.op.k;
  // At least: the K + 1 hops of N x C kept for the backward pass, two more
  // for the gradient, and theta with its gradient and Adam's two moments.
  require_memory_estimate(4.0 * double(k + 3) * double(x_.rows) * double(nc) + 16.0 * double(f + 1) * double(nc),
                          "the acm model's hops (K=" + std::to_string(k) + ", " + std::to_string(x_.rows) +
                              " nodes, " + std::to_string(nc) + " classes)");
  Timer timer;

  // Glorot-uniform W; v uniform(-1/sqrt(C), 1/sqrt(C)), as the authors initialise them.
  Rng init(c.train.seed);
  Eigen::VectorXf theta(f * nc + nc);
  const double a = std::sqrt(6.0 / double(f + nc));
  for (int64_t i = 0; i < f * nc; ++i) theta[i] = float(init.uniform(-a, a));
  for (int64_t j = 0; j < nc; ++j) theta[f * nc + j] = float(init.uniform(-1.0 / std::sqrt(double(nc)), 1.0 / std::sqrt(double(nc))));

  Adam adam(theta.size(), {c.train.lr, 0.9, 0.999, 1e-8, c.train.weight_decay});
  DenseMatrix w_in(f, nc);
  // Forward in float (rows stay unit length), gradient in double; the
  // engine keeps its buffers (the trace of K + 1 steps) across epochs.
  AcmSteps<float> steps(s_, nc, k);
  AcmMatrix<double> grad_w_in_d(f, nc);
  AcmVector<double> grad_metric_d(nc);
  Eigen::VectorXf w = Eigen::VectorXf::Ones(nc), grad(theta.size());
  CsrMatrix dropped = x_;  // the structure once; each epoch redraws the values
  double best_val = -1, last_loss = 0, best_test = -1;
  int best_epoch = -1;
  DenseMatrix best_w_in;
  Eigen::VectorXf best_w;
  auto unpack = [&] {
    if (mp.learn_metric) theta.tail(nc) = theta.tail(nc).cwiseAbs();  // the authors' v <- |v|
    w_in = Eigen::Map<const DenseMatrix>(theta.data(), f, nc);
    w = mp.learn_metric ? Eigen::VectorXf(theta.tail(nc)) : Eigen::VectorXf::Ones(nc);
  };
  // Epoch e + 1's forward pass and epoch e's evaluation use the same weights
  // (after e's step): they run together, in the same sweeps over S.
  const bool evaluate = mp.checkpoint == Checkpoint::BestVal && !val_.empty();
  auto draw = [&](int epoch) {
    if (mp.dropout > 0) dropout_values(x_, mp.dropout, c.train.seed, epoch, dropped.values.data());
  };
  unpack();
  draw(0);
  if (c.train.epochs > 0) steps.forward(dropped, w_in.data(), w.data(), true);
  for (int epoch = 0; epoch < c.train.epochs; ++epoch) {
    check_interrupt();
    const double loss = softmax_loss(steps, nc, train_, train_y_);
    // The gradient is the scaled one times 2^exponent; its norm is compared
    // with the clip in that form, since 2^exponent itself may not be a double.
    const int exponent = steps.backward(dropped, w.data(), grad_w_in_d.data(), grad_metric_d.data());
    const double scaled_norm = std::sqrt(grad_w_in_d.squaredNorm() + grad_metric_d.squaredNorm());
    if (!std::isfinite(loss) || !std::isfinite(scaled_norm)) {
      char buf[300];
      std::snprintf(buf, sizeof buf,
                    "acm training diverged: the loss (%g) or its gradient is not finite at epoch %d (lr %g, weight "
                    "decay %g); lower --lr",
                    loss, epoch + 1, c.train.lr, c.train.weight_decay);
      throw TrainingDiverged(name_, buf);
    }
    last_loss = loss;
    const bool too_long =
        scaled_norm > 0 && std::log2(scaled_norm) + double(exponent) > std::log2(kMaxGradNorm);
    const double clip = too_long ? kMaxGradNorm / scaled_norm : std::ldexp(1.0, exponent);
    grad.head(f * nc) = (Eigen::Map<const Eigen::VectorXd>(grad_w_in_d.data(), f * nc) * clip).cast<float>();
    if (mp.learn_metric)
      grad.tail(nc) = (grad_metric_d * clip).cast<float>();
    else
      grad.tail(nc).setZero();  // v is not used (w = 1)
    adam.step(theta, grad);
    if (c.train.on_step) c.train.on_step(epoch + 1, loss);

    // The next epoch's forward pass, and the evaluation without dropout
    // after this step (the weights the checkpoint keeps).
    unpack();
    const bool next = epoch + 1 < c.train.epochs;
    if (next) draw(epoch + 1);
    if (evaluate && next)
      steps.forward_and_evaluate(dropped, x_, w_in.data(), w.data());
    else if (evaluate)
      steps.forward(x_, w_in.data(), w.data(), false);
    else if (next)
      steps.forward(dropped, w_in.data(), w.data(), true);
    if (evaluate) {
      auto row = [&](int64_t i) { return next ? steps.eval_row(i) : steps.row(i); };
      const double val = accuracy(argmax_rows(row, nc, val_), val_y_);
      if (!test_.empty()) best_test = std::max(best_test, accuracy(argmax_rows(row, nc, test_), test_y_));
      if (val > best_val) {
        best_val = val;
        best_epoch = epoch + 1;
        best_w_in = w_in;
        best_w = w;
      }
    }
  }
  if (best_val < 0) {  // Checkpoint::Last, or no validation rows
    unpack();
    best_w_in = w_in;
    best_w = w;
    best_epoch = c.train.epochs;
  }
  if (!best_w_in.allFinite() || !best_w.allFinite()) throw TrainingDiverged(name_, "acm training diverged: non-finite weights; lower --lr");
  w_in_ = std::move(best_w_in);
  w_ = std::move(best_w);
  if (times) times->train += timer.seconds();

  timer.reset();
  const DenseMatrix z = acm_forward<float>(s_, x_, w_in_, w_, k);
  Evaluation e;
  e.final_loss = last_loss;
  e.train_evaluations = c.train.epochs;
  e.epoch = best_epoch;
  e.best_test_over_epochs = best_test;
  e.train_acc = accuracy(argmax_rows(z, train_), train_y_);
  if (!val_.empty()) {
    const auto pred = argmax_rows(z, val_);
    e.val_acc = accuracy(pred, val_y_);
    e.val_macro_f1 = macro_f1(pred, val_y_, classes_);
  }
  if (!test_.empty()) {
    const auto pred = argmax_rows(z, test_);
    e.test_acc = accuracy(pred, test_y_);
    e.test_macro_f1 = macro_f1(pred, test_y_, classes_);
  }
  if (times) times->evaluate += timer.seconds();
  return e;
}

Prediction AcmModel::predict(Dataset d, const Config& c) const {
  acm_model().check(c);
  if (d.num_features() != w_in_.rows())
    throw ArgumentError("the graph has " + std::to_string(d.num_features()) +
                        " features per node, the model expects " + std::to_string(w_in_.rows()));
  const CsrMatrix s = normalized_operator(d.adjacency, c.op);
  const CsrMatrix x = sparse_features(d, c.feature_norm);
  return prediction_from(acm_forward<float>(s, x, w_in_, w_, c.op.k));
}

VerifyReport AcmModel::verify(Dataset, const Config& c) const {
  if (w_in_.size() == 0) throw ArgumentError("acm: verify before fit");
  const SparseD s = to_sparse_double(s_);
  const Eigen::VectorXd metric = w_.cast<double>();
  Eigen::MatrixXd z = to_sparse_double(x_) * w_in_.cast<double>();
  for (int k = 0; k < c.op.k; ++k) {
    z = s * z;
    for (Eigen::Index i = 0; i < z.rows(); ++i)
      z.row(i) /= std::sqrt(z.row(i).cwiseAbs2().dot(metric.transpose()) + 1e-6);
  }
  return compare_to_reference(representation(Dataset{}, c), z, verify_tolerance(Precision::Fp32));
}

ModelState AcmModel::state() const {
  ModelState s;
  s.header = {{"features", w_in_.rows()}, {"classes", w_in_.cols()}};
  s.weights.assign(w_in_.data(), w_in_.data() + w_in_.size());
  s.weights.insert(s.weights.end(), w_.data(), w_.data() + w_.size());
  return s;
}

void AcmModel::set_state(const ModelState& s, const Config& c) {
  acm_model().check(c);
  const int64_t f = state_integer(s, "features", 1, int64_t(1) << 31);
  const int64_t nc = state_integer(s, "classes", 2, int64_t(1) << 30);
  if (f > (int64_t(1) << 31) / nc) throw FormatError("invalid features/classes: features x classes above 2^31");
  if (int64_t(s.weights.size()) != f * nc + nc)
    throw FormatError("expected " + std::to_string(f * nc + nc) + " weights (W and the metric), got " +
                      std::to_string(s.weights.size()));
  w_in_ = Eigen::Map<const DenseMatrix>(s.weights.data(), f, nc);
  w_ = Eigen::Map<const Eigen::VectorXf>(s.weights.data() + f * nc, nc);
  if (!w_in_.allFinite() || !w_.allFinite()) throw FormatError("non-finite weights");
  if ((w_.array() < 0).any()) throw FormatError("negative metric weights");
  classes_ = int32_t(nc);
}

// ---- registry entry and published settings -------------------------------------

namespace {

void check_acm(const Config& c) {
  if (c.op.def != &find_operator("sgc"))
    throw ArgumentError("--model acm: propagates with the sgc operator's S; --op " + std::string(c.op.name()) +
                        " is not supported");
  if (c.train.optimizer != &find_optimizer("adam"))
    throw ArgumentError("--model acm: trains with --optimizer adam only (its loss is stochastic: the input dropout "
                        "draws a new mask every epoch, which --optimizer " + std::string(c.train.optimizer->name) +
                        " does not expect)");
  if (c.protocol != Protocol::Transductive)
    throw ArgumentError("--model acm: transductive only (propagation runs inside training over the whole graph); "
                        "--protocol " + to_string(c.protocol) + " is not supported");
  if (c.feature_norm == FeatureNorm::ZScore)
    throw ArgumentError("--model acm: --feature-norm zscore is not supported (it densifies the features); use row "
                        "or none");
}

}  // namespace

void acm_preset(std::string_view family, std::string_view name, Preset& p) {
  struct Setting {
    std::string_view family, name;
    double lr, weight_decay;
    int epochs;
  };
  // The authors' options/base_options.py (SGC backbone); dropout 0.6 everywhere.
  static const Setting table[] = {{"planetoid", "cora", 0.005, 5e-4, 1000},
                                  {"planetoid", "citeseer", 0.005, 5e-5, 1000},
                                  {"planetoid", "pubmed", 0.01, 1e-3, 1000},
                                  {"graphdata", "coauthor_cs", 0.005, 5e-5, 500}};
  Config& c = p.config;
  c.model = &acm_model();
  c.train.optimizer = &find_optimizer("adam");
  c.protocol = Protocol::Transductive;
  if (c.feature_norm == FeatureNorm::ZScore) c.feature_norm = FeatureNorm::Row;
  c.model_params.dropout = 0.6;
  // Elsewhere: the authors' defaults.
  c.train.lr = 0.005;
  c.train.weight_decay = 5e-4;
  c.train.epochs = 1000;
  p.source = "ACM defaults (Zhou et al., PAKDD 2024, authors' code)";
  p.published_accuracy = 0;
  for (const Setting& s : table)
    if (s.family == family && s.name == name) {
      c.train.lr = s.lr;
      c.train.weight_decay = s.weight_decay;
      c.train.epochs = s.epochs;
      p.source = "ACM on SGC (Zhou et al., PAKDD 2024, authors' code)";
    }
}

const ModelDef& acm_model() {
  static const ModelDef def{
      "acm",
      "ACM (Zhou et al., PAKDD 2024): SGC with each of the K steps projected onto a learned ellipsoid "
      "(--metric unit: the unit sphere), trained end to end with Adam and input dropout",
      [] { return std::unique_ptr<Model>(new AcmModel); },
      {"dropout", "metric", "checkpoint"},
      check_acm,
      acm_preset,
      /*runs_on_gpu=*/false,
      /*has_verifier=*/true};
  return def;
}

}  // namespace sgc
