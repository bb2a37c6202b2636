#include "sgc/model/tsc_model.h"

#include <algorithm>
#include <cmath>

#include "sgc/data/feature_norm.h"
#include "sgc/error.h"
#include "sgc/eval/metrics.h"
#include "sgc/gemm.h"
#include "sgc/model/adam.h"
#include "sgc/model/train.h"
#include "sgc/model/contrastive.h"
#include "sgc/ops/reference.h"
#include "sgc/ops/spmm.h"
#include "sgc/presets.h"
#include "sgc/util/budget.h"
#include "sgc/util/interrupt.h"
#include "sgc/util/timer.h"

namespace sgc {

int64_t TscShape::size() const {
  int64_t n = features * hidden + hidden;
  if (encoder_layers == 2) n += hidden * hidden + hidden;
  return n + hidden * classes + classes;
}

int64_t TscShape::classifier_offset() const { return size() - (hidden * classes + classes); }

namespace {

using ConstMap = Eigen::Map<const DenseMatrix>;
using Map = Eigen::Map<DenseMatrix>;
using RowMap = Eigen::Map<Eigen::RowVectorXf>;
using ConstRowMap = Eigen::Map<const Eigen::RowVectorXf>;

// Offsets of W_1, b_1, W_2, b_2, W_c, b_c in theta.
struct Offsets {
  int64_t w1, b1, w2, b2, wc, bc;
  explicit Offsets(const TscShape& s) {
    w1 = 0, b1 = s.features * s.hidden;
    w2 = b1 + s.hidden, b2 = w2 + (s.encoder_layers == 2 ? s.hidden * s.hidden : 0);
    wc = s.encoder_layers == 2 ? b2 + s.hidden : w2;
    bc = wc + s.hidden * s.classes;
  }
};

DenseMatrix encode_first(const TscShape& sh, const CsrMatrix& x, const Eigen::VectorXf& theta) {
  const Offsets o(sh);
  DenseMatrix h;
  const DenseMatrix w1 = ConstMap(theta.data() + o.w1, sh.features, sh.hidden);
  spmm(x, w1, h);
  h.rowwise() += ConstRowMap(theta.data() + o.b1, sh.hidden);
  return h;
}

DenseMatrix encode_second(const TscShape& sh, const DenseMatrix& h1, const Eigen::VectorXf& theta) {
  const Offsets o(sh);
  DenseMatrix h = gemm(h1, Op::None, ConstMap(theta.data() + o.w2, sh.hidden, sh.hidden), Op::None);
  h.rowwise() += ConstRowMap(theta.data() + o.b2, sh.hidden);
  return h;
}

// Inverted dropout in place; returns the mask (scaled), empty when p = 0.
DenseMatrix dropout(DenseMatrix& z, double p, uint64_t seed) {
  if (p <= 0) return DenseMatrix();
  DenseMatrix mask(z.rows(), z.cols());
  const float keep_scale = float(1.0 / (1.0 - p));
#pragma omp parallel for schedule(static)
  for (Eigen::Index r = 0; r < z.rows(); ++r) {
    Rng rng(splitmix64(seed ^ splitmix64(uint64_t(r))));
    for (Eigen::Index c = 0; c < z.cols(); ++c) mask(r, c) = rng.uniform() < p ? 0.0f : keep_scale;
  }
  z.array() *= mask.array();
  return mask;
}

void add_to(DenseMatrix& into, DenseMatrix&& g) {
  if (into.size() == 0) into = std::move(g);
  else into += g;
}

}  // namespace

DenseMatrix tsc_encode(const TscShape& shape, const CsrMatrix& x, const Eigen::VectorXf& theta) {
  DenseMatrix h = encode_first(shape, x, theta);
  return shape.encoder_layers == 2 ? encode_second(shape, h, theta) : h;
}

DenseMatrix tsc_scores(const TscShape& shape, const CsrMatrix& s, DenseMatrix h, int layers, const ModelParams& mp,
                       const Eigen::VectorXf& theta, uint64_t seed) {
  if (mp.inference == Inference::Expected) {
    tsc_expected(s, layers, mp.lambda, h);
  } else {
    Rng rng(seed);
    std::vector<DenseMatrix> unused;
    tsc_forward_steps(s, draw_tsc_masks(layers, int(shape.hidden), mp.lambda, rng), h, {}, unused);
  }
  const Offsets o(shape);
  DenseMatrix scores = gemm(h, Op::None, ConstMap(theta.data() + o.wc, shape.hidden, shape.classes), Op::None);
  scores.rowwise() += ConstRowMap(theta.data() + o.bc, shape.classes);
  return scores;
}

double tsc_loss_grad(const TscProblem& p, const ModelParams& mp, const TscMasks& masks, const Eigen::VectorXf& theta,
                     Eigen::VectorXf& grad, uint64_t contrast_seed, TscStepTimes* times) {
  const TscShape& sh = p.shape;
  const Offsets o(sh);
  const int layers = int(masks.size());
  grad = Eigen::VectorXf::Zero(sh.size());
  Timer timer;

  DenseMatrix h1 = encode_first(sh, p.x, theta);
  DenseMatrix h = sh.encoder_layers == 2 ? encode_second(sh, h1, theta) : h1;
  if (times) times->encoder += timer.seconds();

  const std::vector<int> steps =
      mp.contrast_weight > 0 ? tsc_contrast_steps(layers, mp.contrast_k) : std::vector<int>{};
  std::vector<bool> keep(size_t(layers) + 1, false);
  for (int i : steps) keep[size_t(i)] = keep[size_t(i) + 1] = true;
  keep[size_t(layers)] = false;  // H_L is `h` itself
  std::vector<DenseMatrix> saved;
  timer.reset();
  tsc_forward_steps(p.s, masks, h, keep, saved);
  if (times) times->propagation += timer.seconds();

  // Cross-entropy on the training rows.
  timer.reset();
  const ConstMap wc(theta.data() + o.wc, sh.hidden, sh.classes);
  const DenseMatrix ht = gather_rows(h, p.train);
  DenseMatrix z = ht * wc;
  z.rowwise() += ConstRowMap(theta.data() + o.bc, sh.classes);
  double loss = 0;
  const double inv_n = 1.0 / double(p.train.size());
  for (Eigen::Index r = 0; r < z.rows(); ++r) {
    const float mx = z.row(r).maxCoeff();
    z.row(r) = (z.row(r).array() - mx).exp();
    const float sum = z.row(r).sum();
    const int32_t y = p.labels[size_t(p.train[size_t(r)])];
    loss -= (std::log(double(z(r, y))) - std::log(double(sum))) * inv_n;
    z.row(r) /= sum;
    z(r, y) -= 1.0f;
    z.row(r) *= float(inv_n);
  }
  Map(grad.data() + o.wc, sh.hidden, sh.classes) = ht.transpose() * z;
  RowMap(grad.data() + o.bc, sh.classes) = z.colwise().sum();
  std::vector<DenseMatrix> grads(size_t(layers) + 1);
  grads[size_t(layers)] = DenseMatrix::Zero(h.rows(), h.cols());
  const DenseMatrix dht = z * wc.transpose();
  for (size_t r = 0; r < p.train.size(); ++r) grads[size_t(layers)].row(p.train[r]) += dht.row(Eigen::Index(r));
  if (times) times->classifier += timer.seconds();

  // The contrastive constraint between H_{i+1} and H_i.
  timer.reset();
  for (int i : steps) {
    const uint64_t seed = splitmix64(contrast_seed ^ splitmix64(uint64_t(i) + 1));
    DenseMatrix z1 = i + 1 == layers ? h : saved[size_t(i) + 1];
    DenseMatrix z2 = saved[size_t(i)];
    const DenseMatrix m1 = dropout(z1, mp.contrast_dropout, seed ^ 1);
    const DenseMatrix m2 = dropout(z2, mp.contrast_dropout, seed ^ 2);
    ContrastiveResult c = mp.negatives > 0 ? contrastive_sampled(z1, z2, mp.tau, mp.negatives, seed)
                                           : contrastive_exact(z1, z2, mp.tau);
    const float w = float(mp.contrast_weight);
    loss += double(w) * c.loss;
    c.grad1 *= w, c.grad2 *= w;
    if (m1.size() > 0) c.grad1.array() *= m1.array(), c.grad2.array() *= m2.array();
    add_to(grads[size_t(i) + 1], std::move(c.grad1));
    add_to(grads[size_t(i)], std::move(c.grad2));
  }
  saved.clear();
  if (times) times->contrastive += timer.seconds();

  timer.reset();
  DenseMatrix dh;
  tsc_backward_steps(p.s, masks, grads, dh);
  if (times) times->propagation += timer.seconds();

  timer.reset();
  if (sh.encoder_layers == 2) {
    Map(grad.data() + o.w2, sh.hidden, sh.hidden) = gemm(h1, Op::Transpose, dh, Op::None);
    RowMap(grad.data() + o.b2, sh.hidden) = dh.colwise().sum();
    dh = gemm(dh, Op::None, ConstMap(theta.data() + o.w2, sh.hidden, sh.hidden), Op::Transpose);
  }
  DenseMatrix dw1;
  spmm(p.xt, dh, dw1);
  Map(grad.data() + o.w1, sh.features, sh.hidden) = dw1;
  RowMap(grad.data() + o.b1, sh.hidden) = dh.colwise().sum();
  if (times) times->encoder += timer.seconds();
  return loss;
}

// ---- the model -------------------------------------------------------------------

namespace {

// torch.nn.Linear's initialisation of each layer: uniform in +-1/sqrt(fan_in).
Eigen::VectorXf init_tsc(const TscShape& sh, uint64_t seed) {
  const Offsets o(sh);
  Eigen::VectorXf theta(sh.size());
  Rng rng(seed);
  auto fill = [&](int64_t from, int64_t count, int64_t fan_in) {
    const double bound = 1.0 / std::sqrt(double(fan_in));
    for (int64_t i = 0; i < count; ++i) theta[from + i] = float(rng.uniform(-bound, bound));
  };
  fill(o.w1, sh.features * sh.hidden + sh.hidden, sh.features);
  if (sh.encoder_layers == 2) fill(o.w2, sh.hidden * sh.hidden + sh.hidden, sh.hidden);
  fill(o.wc, sh.hidden * sh.classes + sh.classes, sh.hidden);
  return theta;
}

CsrMatrix features_csr(Dataset& d) {
  if (!d.has_dense_features()) return std::move(d.features);
  const DenseMatrix& x = d.dense_features;
  CsrMatrix c;
  c.rows = x.rows(), c.cols = x.cols();
  for (Eigen::Index r = 0; r < x.rows(); ++r) {
    for (Eigen::Index k = 0; k < x.cols(); ++k)
      if (x(r, k) != 0) c.indices.push_back(int32_t(k)), c.values.push_back(x(r, k));
    c.indptr.push_back(int64_t(c.indices.size()));
  }
  d.dense_features.resize(0, 0);
  return c;
}

void check_tsc(const Config& c) {
  if (c.op.name() != "sgc")
    throw ArgumentError("--model tsc: propagates with the sgc operator's S (L = --k); --op " +
                        std::string(c.op.name()) + " is not supported");
  if (c.op.k < 1) throw ParameterError("k", "tsc needs L = K >= 1 steps, got " + std::to_string(c.op.k));
  if (c.train.optimizer->name != "adam")
    throw ArgumentError("--model tsc: trains with adam (its loss is random: masks and dropout), not --optimizer " +
                        std::string(c.train.optimizer->name));
  if (c.protocol != Protocol::Transductive) throw ArgumentError("--model tsc: only the transductive protocol");
  if (c.feature_norm == FeatureNorm::ZScore) throw ArgumentError("--model tsc: --feature-norm row or none");
}

void tsc_preset(std::string_view family, std::string_view name, Preset& p) {
  Config& c = p.config;
  c.train.optimizer = &find_optimizer("adam");
  c.protocol = Protocol::Transductive;
  if (c.feature_norm == FeatureNorm::ZScore) c.feature_norm = FeatureNorm::Row;
  c.train.lr = 0.01, c.train.weight_decay = 0;
  // Cora's settings for any data set without its own.
  c.op.k = 16, c.train.epochs = 80;
  c.model_params.tau = 0.6, c.model_params.contrast_k = 1;
  p.source = "TSC defaults (the authors' Cora settings)";
  if (family != "planetoid") return;
  p.source = "TSC (Peng et al., KDD 2024), the authors' settings";
  if (name == "citeseer") {
    c.op.k = 32, c.model_params.contrast_k = 4, c.model_params.tau = 0.5;
  } else if (name == "pubmed") {
    c.op.k = 4, c.train.epochs = 30, c.model_params.encoder_layers = 2, c.model_params.tau = 0.1;
  }
  p.published_accuracy = name == "cora" ? 85.4 : name == "citeseer" ? 74.2 : name == "pubmed" ? 81.7 : 0;
}

class TscModel : public Model {
 public:
  std::string prepare_key(const Config& c) const override {
    return nlohmann::json{{"norm", to_string(c.op.norm)}, {"self_loop", c.op.self_loop},
                          {"feature_norm", to_string(c.feature_norm)}}
        .dump();
  }

  void prepare(Dataset data, const Config& c, StageTimes* times) override {
    validate_config(c);
    require_operator_products(c.op);  // L hops each epoch: the cap on one propagation holds for each
    if (data.num_nodes() < 2) throw ArgumentError(data.name + ": tsc needs at least two nodes");
    if (data.train.empty()) throw ArgumentError(data.name + ": the training split is empty");
    Timer timer;
    normalize_features(data, c.feature_norm);
    p_ = TscProblem();
    name_ = data.name;
    p_.s = normalized_operator(data.adjacency, c.op);
    p_.x = features_csr(data);
    p_.xt = csr_transpose(p_.x);
    p_.train = data.train, p_.val = data.val, p_.test = data.test;
    p_.labels = data.labels;
    train_y_ = split_labels(data, data.train, "train");
    val_y_ = split_labels(data, data.val, "val");
    test_y_ = split_labels(data, data.test, "test");
    p_.shape.features = p_.x.cols;
    p_.shape.classes = data.num_classes;
    if (times) times->normalize += timer.seconds();
  }

  Evaluation fit(const Config& c, StageTimes* times) override {
    validate_config(c);
    if (p_.x.rows == 0) throw ArgumentError("tsc: fit before prepare");
    const ModelParams& mp = c.model_params;
    p_.shape.hidden = mp.hidden;
    p_.shape.encoder_layers = mp.encoder_layers;
    // At least: the L + 1 steps' N x hidden representations kept for the
    // backward pass and two more for its gradients, and the parameters with
    // their gradient and Adam's two moments.
    {
      const double n = double(p_.x.rows), h = double(mp.hidden);
      const double params = double(p_.shape.features + 1) * h + double(mp.encoder_layers - 1) * (h + 1) * h +
                            (h + 1) * double(p_.shape.classes);
      require_memory_estimate(4.0 * double(c.op.k + 3) * n * h + 16.0 * params,
                              "the tsc model's representations (L=" + std::to_string(c.op.k) + ", --hidden " +
                                  std::to_string(mp.hidden) + ", " + std::to_string(p_.x.rows) + " nodes)");
    }
    Timer timer;
    theta_ = init_tsc(p_.shape, c.train.seed);
    Adam adam(theta_.size(), {c.train.lr, 0.9, 0.999, 1e-8, c.train.weight_decay});
    Rng masks_rng(splitmix64(c.train.seed ^ 0x7473635f6d61736bull));
    Evaluation e;
    Eigen::VectorXf best = theta_, grad;
    double best_val = -1;
    for (int epoch = 0; epoch < c.train.epochs; ++epoch) {
      check_interrupt();
      const TscMasks masks = draw_tsc_masks(c.op.k, mp.hidden, mp.lambda, masks_rng);
      e.final_loss = tsc_loss_grad(p_, mp, masks, theta_, grad, splitmix64(c.train.seed + uint64_t(epoch)));
      if (!std::isfinite(e.final_loss) || !grad.allFinite())
        throw TrainingDiverged(name_, "tsc training diverged at epoch " + std::to_string(epoch + 1) +
                                          " (non-finite loss); lower --lr or raise --tau");
      adam.step(theta_, grad);
      const DenseMatrix scores = scores_of(c, theta_, epoch);
      const double val = p_.val.empty() ? 0 : accuracy(argmax_rows(scores, p_.val), val_y_);
      const double test = p_.test.empty() ? 0 : accuracy(argmax_rows(scores, p_.test), test_y_);
      e.best_test_over_epochs = std::max(e.best_test_over_epochs, test);
      if (val > best_val) best_val = val, best = theta_, e.epoch = epoch + 1;
    }
    // Without validation rows there is nothing to select on: the last epoch.
    if (mp.checkpoint == Checkpoint::BestVal && !p_.val.empty()) theta_ = best;
    else e.epoch = c.train.epochs;
    e.train_evaluations = c.train.epochs;
    if (times) times->train += timer.seconds();
    timer.reset();
    const DenseMatrix scores = scores_of(c, theta_, c.train.epochs);
    e.train_acc = accuracy(argmax_rows(scores, p_.train), train_y_);
    if (!p_.val.empty()) {
      const auto pred = argmax_rows(scores, p_.val);
      e.val_acc = accuracy(pred, val_y_), e.val_macro_f1 = macro_f1(pred, val_y_, int32_t(p_.shape.classes));
    }
    if (!p_.test.empty()) {
      const auto pred = argmax_rows(scores, p_.test);
      e.test_acc = accuracy(pred, test_y_), e.test_macro_f1 = macro_f1(pred, test_y_, int32_t(p_.shape.classes));
    }
    if (times) times->evaluate += timer.seconds();
    return e;
  }

  Prediction predict(Dataset data, const Config& c) const override {
    if (theta_.size() == 0) throw ArgumentError("tsc: predict before fit or set_state");
    if (data.num_features() != p_.shape.features)
      throw ArgumentError(data.name + ": " + std::to_string(data.num_features()) + " features; the model has " +
                          std::to_string(p_.shape.features));
    normalize_features(data, c.feature_norm);
    const CsrMatrix s = normalized_operator(data.adjacency, c.op);
    const CsrMatrix x = features_csr(data);
    return prediction_from(tsc_scores(p_.shape, s, tsc_encode(p_.shape, x, theta_), c.op.k, c.model_params,
                                      theta_, splitmix64(c.train.seed)));
  }

  // H_L under the expected operator, and with --inference expected the class
  // scores, recomputed in double from the formulas of tsc_model.h and
  // tsc_steps.h (dense algebra, none of the gemm / spmm kernels).
  VerifyReport verify(Dataset, const Config& c) const override {
    if (theta_.size() == 0) throw ArgumentError("tsc: verify before fit");
    const TscShape& sh = p_.shape;
    const Eigen::VectorXd t = theta_.cast<double>();
    int64_t at = 0;
    auto next_matrix = [&](int64_t rows, int64_t cols) {  // row-major in theta
      Eigen::MatrixXd m(rows, cols);
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j) m(i, j) = t[at + i * cols + j];
      at += rows * cols;
      return m;
    };
    auto next_vector = [&](int64_t n) {
      const Eigen::RowVectorXd v = t.segment(at, n).transpose();
      at += n;
      return v;
    };
    Eigen::MatrixXd h = to_sparse_double(p_.x) * next_matrix(sh.features, sh.hidden);
    h.rowwise() += next_vector(sh.hidden);
    if (sh.encoder_layers == 2) {
      h = h * next_matrix(sh.hidden, sh.hidden);
      h.rowwise() += next_vector(sh.hidden);
    }
    const SparseD s = to_sparse_double(p_.s);
    for (int step = 1; step <= c.op.k; ++step) {  // E[step] = p S + (1 - p) I
      const double p = step <= 2 ? 1.0 : std::log(1.0 + c.model_params.lambda / double(step + 1));
      h = p * (s * h) + (1 - p) * h;
    }
    const double tolerance = verify_tolerance(Precision::Fp32);
    if (c.model_params.inference != Inference::Expected)  // sampled scores: only H_L has a reference
      return compare_to_reference(representation(Dataset{}, c), h, tolerance);
    Eigen::MatrixXd scores = h * next_matrix(sh.hidden, sh.classes);
    scores.rowwise() += next_vector(sh.classes);
    // One comparison over [H_L | scores], the columns side by side.
    DenseMatrix computed(h.rows(), h.cols() + scores.cols());
    computed << representation(Dataset{}, c), scores_of(c, theta_, c.train.epochs);
    Eigen::MatrixXd reference(h.rows(), h.cols() + scores.cols());
    reference << h, scores;
    return compare_to_reference(computed, reference, tolerance);
  }

  // H_L under the expected operator (the rows the classifier reads).
  DenseMatrix representation(Dataset, const Config& c) const override {
    if (theta_.size() == 0) throw ArgumentError("tsc: representation before fit");
    DenseMatrix h = tsc_encode(p_.shape, p_.x, theta_);
    tsc_expected(p_.s, c.op.k, c.model_params.lambda, h);
    return h;
  }

  ModelState state() const override {
    ModelState s;
    s.header = {{"features", p_.shape.features}, {"hidden", p_.shape.hidden},
                {"encoder_layers", p_.shape.encoder_layers}, {"classes", p_.shape.classes}};
    s.weights.assign(theta_.data(), theta_.data() + theta_.size());
    return s;
  }

  void set_state(const ModelState& s, const Config& c) override {
    TscShape sh;
    sh.features = state_integer(s, "features", 1, int64_t(1) << 31);
    sh.hidden = state_integer(s, "hidden", 1, int64_t(1) << 31);
    sh.encoder_layers = int(state_integer(s, "encoder_layers", 1, 64));
    sh.classes = state_integer(s, "classes", 2, int64_t(1) << 30);
    if (sh.features < 1 || sh.classes < 2 || sh.hidden != c.model_params.hidden ||
        sh.encoder_layers != c.model_params.encoder_layers || int64_t(s.weights.size()) != sh.size())
      throw FormatError("tsc model state: shapes do not match the weights or the configuration");
    p_.shape = sh;
    theta_ = Eigen::Map<const Eigen::VectorXf>(s.weights.data(), Eigen::Index(s.weights.size()));
  }

 private:
  DenseMatrix scores_of(const Config& c, const Eigen::VectorXf& theta, int epoch) const {
    return tsc_scores(p_.shape, p_.s, tsc_encode(p_.shape, p_.x, theta), c.op.k, c.model_params, theta,
                      splitmix64(c.train.seed ^ (uint64_t(epoch) << 20)));
  }

  TscProblem p_;
  std::string name_;  // the data set prepared, for messages
  std::vector<int32_t> train_y_, val_y_, test_y_;  // labels of the split rows
  Eigen::VectorXf theta_;
};

}  // namespace

const ModelDef& tsc_model() {
  static const ModelDef def{
      "tsc",
      "SGC + TSC (Peng et al., KDD 2024): linear encoder, L randomly masked steps of S (L = --k), contrastive "
      "constraint between steps; Adam, best-validation epoch",
      [] { return std::unique_ptr<Model>(new TscModel); },
      {"hidden", "encoder_layers", "lambda", "tau", "contrast_k", "contrast_dropout", "contrast_weight", "negatives",
       "inference", "checkpoint"},
      check_tsc,
      tsc_preset,
      /*runs_on_gpu=*/false,
      /*has_verifier=*/true};
  return def;
}

}  // namespace sgc
