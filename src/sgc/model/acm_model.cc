#include "sgc/model/acm_model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <type_traits>

#include "sgc/error.h"
#include "sgc/eval/metrics.h"
#include "sgc/model/adam.h"
#include "sgc/ops/operator.h"
#include "sgc/presets.h"
#include "sgc/random.h"
#include "sgc/util/interrupt.h"
#include "sgc/util/timer.h"

namespace sgc {

namespace {

// Gradients are computed in double and clipped to this norm before the
// (float) Adam step: back through K steps the gradient is divided by each
// row's norm r_i at every step, and where aggregated rows are short (r_i < 1)
// it grows geometrically with K (Cora, K = 60, seed 1: float overflow at
// epoch 611). The clip leaves ordinary steps alone (norms are below 1 there).
constexpr double kMaxGradNorm = 1e3;
constexpr double kEps = 1e-6;      // inside the square root of the row norm, as the authors'
constexpr int64_t kBlock = 1024;   // rows per partial sum: fixed, so sums do not depend on the thread count

// Work (non-zeros of a times columns) below which a product runs on one
// thread: a parallel region per step costs more than a small step, and far
// more on a loaded host (threads wait at every step's barrier).
constexpr int64_t kParallelWork = int64_t(1) << 20;
constexpr int64_t kMaxLocal = 16;  // classes up to this are summed in registers

// Row i of a * x into acc (c columns); a local accumulator, so the compiler
// need not assume the output aliases x. C > 0 is c known at compile time: the
// class loop is then unrolled and vectorised (the same sums in the same order).
template <int C = 0, class T>
inline void row_product(const CsrMatrix& a, const T* x, int64_t c, int64_t i, T* acc) {
  const int64_t cols = C > 0 ? C : c;
  for (int64_t j = 0; j < cols; ++j) acc[j] = 0;
  for (int64_t e = a.indptr[i]; e < a.indptr[i + 1]; ++e) {
    const T v = T(a.values[e]);
    const T* in = x + int64_t(a.indices[e]) * cols;
    for (int64_t j = 0; j < cols; ++j) acc[j] += v * in[j];
  }
}

// Calls f(std::integral_constant<int, C>) with C = c for the class counts
// up to kMaxLocal, else C = 0 (c read at run time).
template <class F>
void with_class_count(int64_t c, F&& f) {
  switch (c) {
#define SGC_ACM_CLASSES(n) \
  case n:                  \
    return f(std::integral_constant<int, n>{});
    SGC_ACM_CLASSES(2) SGC_ACM_CLASSES(3) SGC_ACM_CLASSES(4) SGC_ACM_CLASSES(5) SGC_ACM_CLASSES(6)
    SGC_ACM_CLASSES(7) SGC_ACM_CLASSES(8) SGC_ACM_CLASSES(9) SGC_ACM_CLASSES(10) SGC_ACM_CLASSES(11)
    SGC_ACM_CLASSES(12) SGC_ACM_CLASSES(13) SGC_ACM_CLASSES(14) SGC_ACM_CLASSES(15) SGC_ACM_CLASSES(16)
#undef SGC_ACM_CLASSES
    default:
      return f(std::integral_constant<int, 0>{});
  }
}

// y = a * x for CSR a and dense x (row i by one thread, in index order).
template <class T>
void csr_times(const CsrMatrix& a, const AcmMatrix<T>& x, AcmMatrix<T>& y) {
  const int64_t c = x.cols();
  y.resize(a.rows, c);
  if (c > kMaxLocal) {
#pragma omp parallel for schedule(static) if (a.nnz() * c >= kParallelWork)
    for (int64_t i = 0; i < a.rows; ++i) row_product(a, x.data(), c, i, y.data() + i * c);
    return;
  }
  with_class_count(c, [&](auto classes) {
    constexpr int C = decltype(classes)::value;
#pragma omp parallel for schedule(static) if (a.nnz() * c >= kParallelWork)
    for (int64_t i = 0; i < a.rows; ++i) {
      T acc[kMaxLocal];
      row_product<C>(a, x.data(), c, i, acc);
      std::copy(acc, acc + c, y.data() + i * c);
    }
  });
}

// One step: out = rows of S z projected onto the metric's ellipsoid; norms into r.
template <class T>
void project_step(const CsrMatrix& s, const AcmMatrix<T>& z, const AcmVector<T>& w, AcmMatrix<T>& out,
                  AcmVector<T>& r) {
  const int64_t c = z.cols();
  out.resize(s.rows, c);
  r.resize(s.rows);
  auto project = [&](int64_t i, T* row) {
    T q = 0;
    for (int64_t j = 0; j < c; ++j) q += w[j] * row[j] * row[j];
    const T norm = std::sqrt(q + T(kEps));
    r[i] = norm;
    T* dst = out.data() + i * c;
    for (int64_t j = 0; j < c; ++j) dst[j] = row[j] / norm;
  };
  if (c > kMaxLocal) {
    csr_times(s, z, out);
#pragma omp parallel for schedule(static) if (s.nnz() * c >= kParallelWork)
    for (int64_t i = 0; i < s.rows; ++i) project(i, out.data() + i * c);
    return;
  }
  with_class_count(c, [&](auto classes) {
    constexpr int C = decltype(classes)::value;
#pragma omp parallel for schedule(static) if (s.nnz() * c >= kParallelWork)
    for (int64_t i = 0; i < s.rows; ++i) {
      T acc[kMaxLocal];
      row_product<C>(s, z.data(), c, i, acc);
      project(i, acc);
    }
  });
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
                         int k, AcmTrace<T>* trace) {
  if (x.cols != w_in.rows() || w.size() != w_in.cols() || s.rows != x.rows || s.cols != x.rows)
    throw ArgumentError("acm: shapes of S, X, W and the metric do not fit");
  if (trace) {
    trace->z.resize(size_t(k) + 1);
    trace->r.resize(size_t(k));
    csr_times(x, w_in, trace->z[0]);
    for (int step = 1; step <= k; ++step) project_step(s, trace->z[step - 1], w, trace->z[step], trace->r[step - 1]);
    return trace->z[k];
  }
  AcmMatrix<T> z, next;
  AcmVector<T> r;
  csr_times(x, w_in, z);
  for (int step = 1; step <= k; ++step) {
    project_step(s, z, w, next, r);
    z.swap(next);
  }
  return z;
}

template <class T>
void acm_backward(const CsrMatrix& s, const CsrMatrix& x, const AcmVector<T>& w, const AcmTrace<T>& trace,
                  AcmMatrix<T> g, AcmMatrix<T>& grad_w_in, AcmVector<T>& grad_w) {
  const int k = int(trace.r.size());
  const int64_t n = g.rows(), c = g.cols();
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  AcmMatrix<T> partial = AcmMatrix<T>::Zero(blocks, c), du(n, c);
  grad_w = AcmVector<T>::Zero(c);
  for (int step = k; step >= 1; --step) {
    // Z = U / r with r = sqrt(sum_c w_c U_c^2 + eps): with s_i = <g_i, Z_i>,
    //   dL/dU_ic = (g_ic - w_c Z_ic s_i) / r_i,   dL/dw_c = -1/2 sum_i s_i Z_ic^2.
    const AcmMatrix<T>& z = trace.z[size_t(step)];
    const AcmVector<T>& r = trace.r[size_t(step) - 1];
    partial.setZero();
#pragma omp parallel for schedule(static) if (n * c * 16 >= kParallelWork)
    for (int64_t b = 0; b < blocks; ++b) {
      T* part = partial.data() + b * c;
      for (int64_t i = b * kBlock; i < std::min(n, (b + 1) * kBlock); ++i) {
        const T* zi = z.data() + i * c;
        const T* gi = g.data() + i * c;
        T* di = du.data() + i * c;
        T dot = 0;
        for (int64_t j = 0; j < c; ++j) dot += gi[j] * zi[j];
        for (int64_t j = 0; j < c; ++j) {
          di[j] = (gi[j] - w[j] * zi[j] * dot) / r[i];
          part[j] -= T(0.5) * dot * zi[j] * zi[j];
        }
      }
    }
    for (int64_t b = 0; b < blocks; ++b) grad_w += partial.row(b).transpose();
    csr_times(s, du, g);  // U = S Z_{k-1} and S is symmetric: dL/dZ_{k-1} = S dL/dU
  }
  // Z_0 = X W: dL/dW = X^T g (serial: a sum over the rows in a fixed order).
  grad_w_in = AcmMatrix<T>::Zero(x.cols, c);
  for (int64_t i = 0; i < x.rows; ++i)
    for (int64_t e = x.indptr[i]; e < x.indptr[i + 1]; ++e) {
      const T v = T(x.values[e]);
      T* out = grad_w_in.data() + int64_t(x.indices[e]) * c;
      const T* gi = g.data() + i * c;
      for (int64_t j = 0; j < c; ++j) out[j] += v * gi[j];
    }
}

template <class T>
double acm_loss_grad(const CsrMatrix& s, const CsrMatrix& x, const AcmMatrix<T>& w_in, const AcmVector<T>& w, int k,
                     const std::vector<int32_t>& rows, const std::vector<int32_t>& y, AcmMatrix<T>& grad_w_in,
                     AcmVector<T>& grad_w, AcmTrace<T>* trace) {
  AcmTrace<T> local;
  AcmTrace<T>& t = trace ? *trace : local;
  const AcmMatrix<T>& z = (acm_forward(s, x, w_in, w, k, &t), t.z[size_t(k)]);
  AcmMatrix<T> g = AcmMatrix<T>::Zero(z.rows(), z.cols());
  const double scale = 1.0 / double(rows.size());
  double loss = 0;
  for (size_t r = 0; r < rows.size(); ++r) {
    const auto zi = z.row(rows[r]);
    const double m = double(zi.maxCoeff());
    double sum = 0;
    for (Eigen::Index j = 0; j < zi.size(); ++j) sum += std::exp(double(zi[j]) - m);
    const double lse = m + std::log(sum);
    loss += lse - double(zi[y[r]]);
    for (Eigen::Index j = 0; j < zi.size(); ++j)
      g(rows[r], j) = T((std::exp(double(zi[j]) - lse) - (j == y[r] ? 1.0 : 0.0)) * scale);
  }
  acm_backward(s, x, w, t, std::move(g), grad_w_in, grad_w);
  return loss * scale;
}

#define SGC_ACM_INSTANTIATE(T)                                                                                    \
  template AcmMatrix<T> acm_forward(const CsrMatrix&, const CsrMatrix&, const AcmMatrix<T>&, const AcmVector<T>&, \
                                    int, AcmTrace<T>*);                                                           \
  template void acm_backward(const CsrMatrix&, const CsrMatrix&, const AcmVector<T>&, const AcmTrace<T>&,         \
                             AcmMatrix<T>, AcmMatrix<T>&, AcmVector<T>&);                                         \
  template double acm_loss_grad(const CsrMatrix&, const CsrMatrix&, const AcmMatrix<T>&, const AcmVector<T>&, int, \
                                const std::vector<int32_t>&, const std::vector<int32_t>&, AcmMatrix<T>&,          \
                                AcmVector<T>&, AcmTrace<T>*);
SGC_ACM_INSTANTIATE(float)
SGC_ACM_INSTANTIATE(double)
#undef SGC_ACM_INSTANTIATE

void acm_dropout(const CsrMatrix& x, double p, uint64_t seed, int epoch, CsrMatrix& out) {
  if (&out != &x) out = x;
  if (p <= 0) return;
  const float scale = float(1.0 / (1.0 - p));
  const uint64_t base = splitmix64(seed ^ splitmix64(0xAC3ull + uint64_t(epoch)));
#pragma omp parallel for schedule(static) if (x.nnz() >= kParallelWork)
  for (int64_t i = 0; i < x.rows; ++i) {
    Rng rng(base + uint64_t(i));
    for (int64_t e = x.indptr[i]; e < x.indptr[i + 1]; ++e)
      out.values[size_t(e)] = rng.uniform() < p ? 0.0f : x.values[size_t(e)] * scale;
  }
}

// ---- the Model -------------------------------------------------------------------

std::string AcmModel::prepare_key(const Config& c) const {
  return nlohmann::json{{"operator", operator_to_json(c.op)}, {"feature_norm", to_string(c.feature_norm)}}.dump();
}

void AcmModel::prepare(Dataset data, const Config& c, StageTimes* times) {
  acm_model().check(c);
  if (data.num_nodes() == 0) throw ArgumentError(data.name + ": the graph has no nodes");
  if (data.train.empty()) throw ArgumentError(data.name + ": the training split is empty");
  if (data.num_classes < 2)
    throw ArgumentError(data.name + ": " + std::to_string(data.num_classes) +
                        " class(es); classification needs at least two");
  Timer timer;
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
  Timer timer;

  // Glorot-uniform W; v uniform(-1/sqrt(C), 1/sqrt(C)), as the authors initialise them.
  Rng init(c.train.seed);
  Eigen::VectorXf theta(f * nc + nc);
  const double a = std::sqrt(6.0 / double(f + nc));
  for (int64_t i = 0; i < f * nc; ++i) theta[i] = float(init.uniform(-a, a));
  for (int64_t j = 0; j < nc; ++j) theta[f * nc + j] = float(init.uniform(-1.0 / std::sqrt(double(nc)), 1.0 / std::sqrt(double(nc))));

  Adam adam(theta.size(), {c.train.lr, 0.9, 0.999, 1e-8, c.train.weight_decay});
  DenseMatrix w_in(f, nc);
  AcmMatrix<double> grad_w_in_d;
  AcmVector<double> grad_metric_d;
  Eigen::VectorXf w = Eigen::VectorXf::Ones(nc), grad(theta.size());
  AcmTrace<double> trace;
  CsrMatrix dropped;
  double best_val = -1, last_loss = 0, best_test = -1;
  int best_epoch = -1;
  DenseMatrix best_w_in;
  Eigen::VectorXf best_w;
  auto unpack = [&] {
    if (mp.learn_metric) theta.tail(nc) = theta.tail(nc).cwiseAbs();  // the authors' v <- |v|
    w_in = Eigen::Map<const DenseMatrix>(theta.data(), f, nc);
    w = mp.learn_metric ? Eigen::VectorXf(theta.tail(nc)) : Eigen::VectorXf::Ones(nc);
  };
  for (int epoch = 0; epoch < c.train.epochs; ++epoch) {
    check_interrupt();
    unpack();
    acm_dropout(x_, mp.dropout, c.train.seed, epoch, dropped);
    const double loss = acm_loss_grad<double>(s_, dropped, w_in.cast<double>(), w.cast<double>(), k, train_,
                                              train_y_, grad_w_in_d, grad_metric_d, &trace);
    const double grad_norm = std::sqrt(grad_w_in_d.squaredNorm() + grad_metric_d.squaredNorm());
    if (!std::isfinite(loss) || !std::isfinite(grad_norm)) {
      char buf[300];
      std::snprintf(buf, sizeof buf,
                    "acm training diverged: the loss became %g at epoch %d (lr %g, weight decay %g); lower --lr",
                    loss, epoch + 1, c.train.lr, c.train.weight_decay);
      throw Error(buf);
    }
    last_loss = loss;
    const double clip = grad_norm > kMaxGradNorm ? kMaxGradNorm / grad_norm : 1.0;
    grad.head(f * nc) = (Eigen::Map<const Eigen::VectorXd>(grad_w_in_d.data(), f * nc) * clip).cast<float>();
    if (mp.learn_metric)
      grad.tail(nc) = (grad_metric_d * clip).cast<float>();
    else
      grad.tail(nc).setZero();  // v is not used (w = 1)
    adam.step(theta, grad);
    if (c.train.on_step) c.train.on_step(epoch + 1, loss);

    // Evaluation without dropout, after the step (the weights the checkpoint keeps).
    unpack();
    if (mp.checkpoint == Checkpoint::BestVal && !val_.empty()) {
      const DenseMatrix z = acm_forward<float>(s_, x_, w_in, w, k);
      const double val = accuracy(argmax_rows(z, val_), val_y_);
      if (!test_.empty()) best_test = std::max(best_test, accuracy(argmax_rows(z, test_), test_y_));
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
  if (!best_w_in.allFinite() || !best_w.allFinite()) throw Error("acm training diverged: non-finite weights; lower --lr");
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
    throw ArgumentError("predict: the graph has " + std::to_string(d.num_features()) +
                        " features per node, the model expects " + std::to_string(w_in_.rows()));
  const CsrMatrix s = normalized_operator(d.adjacency, c.op);
  const CsrMatrix x = sparse_features(d, c.feature_norm);
  return prediction_from(acm_forward<float>(s, x, w_in_, w_, c.op.k));
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
  const int64_t f = s.header.at("features").get<int64_t>();
  const int64_t nc = s.header.at("classes").get<int64_t>();
  if (f <= 0 || nc <= 1 || f > (int64_t(1) << 31) / nc) throw FormatError("invalid features/classes");
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
      acm_preset};
  return def;
}

}  // namespace sgc
