#include "sgc/model/linear_model.h"
#include "sgc/model/sparse_head.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <numeric>
#include <optional>
#include <random>
#include <stdexcept>

#include "sgc/error.h"
#include "sgc/eval/metrics.h"
#include "sgc/gpu/device.h"
#include "sgc/graph/normalize.h"
#include "sgc/graph/subgraph.h"
#include "sgc/model/train.h"
#include "sgc/ops/out_of_core.h"
#include "sgc/ops/receptive_field.h"
#include "sgc/ops/reference.h"
#include "sgc/util/budget.h"
#include "sgc/util/memory.h"
#include "sgc/util/printable.h"
#include "sgc/util/progress.h"
#include "sgc/util/timer.h"

namespace sgc {

namespace {

// The val rows, then the test rows.
std::vector<int32_t> eval_rows(const Dataset& d) {
  std::vector<int32_t> rows = d.val;
  rows.insert(rows.end(), d.test.begin(), d.test.end());
  return rows;
}

FeatureInput input_of(Dataset& d) {
  if (d.has_dense_features()) return FeatureInput(std::move(d.dense_features));
  return FeatureInput(d.features);
}

// Whether S (at most A's non-zeros plus the diagonal), the features and the
// operator's working memory and output for `out_rows` rows fit the budget together.
bool fits_in_memory(const Dataset& d, const OperatorSpec& op, int64_t out_rows) {
  const int64_t n = d.num_nodes();
  const int64_t x_bytes = d.has_dense_features() ? 4 * n * d.num_features() : csr_bytes(n, d.features.nnz());
  const int64_t work = operator_memory_bytes(op, n, d.num_features(), out_rows);
  return work >= 0 && csr_bytes(n, d.adjacency.nnz() + n) + x_bytes + work <= memory_budget();
}

// The features moved to a scratch file a chunk of rows at a time (x is freed).
MappedFeatures spill(DenseMatrix x) {
  MappedFeatures out = MappedFeatures::scratch(x.rows(), x.cols(), "the features");
  float* dst = out.mutable_data();
  const int64_t d = x.cols(), chunk = std::max<int64_t>(1, (int64_t(64) << 20) / std::max<int64_t>(1, 4 * d));
  for (int64_t r0 = 0; r0 < x.rows(); r0 += chunk) {
    const int64_t r1 = std::min<int64_t>(x.rows(), r0 + chunk);
    std::memcpy(dst + r0 * d, x.row(r0).data(), size_t((r1 - r0) * d) * 4);
    out.release_rows(r0, r1);
  }
  return out;
}

// The propagation on the GPU, S built there from A (run_operator_on_adjacency):
// transductive, the train, val and test rows (`rows`) in one run; inductive,
// the val/test rows over the whole graph and the training rows over the graph
// induced on them (gathered on the host, normalised on the GPU).
void propagate_on_gpu(Dataset& data, const Config& c, const std::vector<int32_t>& rows, Precomputed& p,
                      StageTimes* times) {
  Timer timer;
  const int64_t runs = c.protocol == Protocol::Transductive ? 1 : 2;
  ProgressStage progress("propagate", runs * planned_sparse_products(c.op), "hops");
  const bool dense = data.has_dense_features();
  const int64_t train_rows = int64_t(data.train.size());
  if (c.protocol == Protocol::Transductive) {
    OperatorResult all = run_operator_on_adjacency(data.adjacency, input_of(data), c.op, &rows, true);
    p.x = std::move(all.features);
    p.train_on_device = {all.on_device, 0};
    p.eval_on_device = {all.on_device, train_rows};
  } else {
    const std::vector<int32_t> rest = eval_rows(data);
    OperatorResult eval = run_operator_on_adjacency(
        data.adjacency, dense ? FeatureInput(view_of(data.dense_features)) : FeatureInput(data.features), c.op, &rest,
        true);
    const DenseMatrix eval_x = std::move(eval.features);
    p.eval_on_device = {eval.on_device, 0};
    const CsrMatrix a_train = induced_subgraph(data.adjacency, data.train);
    data.adjacency = CsrMatrix{};
    CsrMatrix sparse_train;  // outlives the FeatureInput that points to it
    if (!dense) sparse_train = select_rows(data.features, data.train);
    OperatorResult train = run_operator_on_adjacency(
        a_train, dense ? FeatureInput(gather_rows(data.dense_features, data.train)) : FeatureInput(sparse_train), c.op,
        nullptr, true);
    p.x = std::move(train.features);
    p.train_on_device = {train.on_device, 0};
    append_rows(p.x, eval_x);
  }
  if (times) times->propagate += timer.seconds();
}

}  // namespace

FeatureRows Precomputed::test_x() const {
  if (lazy_test) throw std::logic_error("Precomputed::test_x: the test rows are kept as S and X; read test_logits");
  return all().bottomRows(Eigen::Index(test_y.size()));
}

DenseMatrix Precomputed::test_logits(const SoftmaxModel& m) const {
  if (!lazy_test) return softmax_logits(m, test_x());
  DenseMatrix logits = lazy_test->times(m.weight());
  logits.rowwise() += m.bias();
  return logits;
}

Precomputed precompute(Dataset data, const Config& c, StageTimes* times) {
  validate_operator(c.op);
  if (data.num_nodes() == 0) throw ArgumentError(data.name + ": the graph has no nodes");
  if (data.train.empty()) throw ArgumentError(data.name + ": the training split is empty");
  if (data.num_classes < 2)
    throw ArgumentError(data.name + ": " + std::to_string(data.num_classes) +
                        " class(es); classification needs at least two");
  Precomputed p;
  p.classes = data.num_classes;
  p.train_y = split_labels(data, data.train, "train");
  p.val_y = split_labels(data, data.val, "val");
  p.test_y = split_labels(data, data.test, "test");

  Timer timer;
  p.feature_stats = normalize_features(data, c.feature_norm);
  if (times) times->normalize += timer.seconds();

  // Out of core when S, the features and the output do not fit the budget
  // together: the features go to a scratch file before S is built.
  std::vector<int32_t> rows = data.train;
  const std::vector<int32_t> rest = eval_rows(data);
  rows.insert(rows.end(), rest.begin(), rest.end());
  // Large sparse features on the CPU: the test rows are read through the
  // head, and the rest is propagated in column blocks within the budget.
  const bool lazy = c.protocol == Protocol::Transductive && !data.has_dense_features() && !data.test.empty() &&
                    sparse_head_pays(c.op, data.num_nodes(), data.num_features());
  const bool out_of_core =
      c.protocol == Protocol::Transductive && !lazy && !fits_in_memory(data, c.op, int64_t(rows.size()));
  std::optional<MappedFeatures> x_file;
  const int64_t dim = data.num_features();
  timer.reset();
  if (out_of_core && data.has_dense_features()) x_file = spill(std::move(data.dense_features));
  if (times) times->propagate += timer.seconds();

  timer.reset();
  release_free_heap();  // what loading and normalising left behind
  // On the GPU, S is built there from A (run_operator_on_adjacency): the
  // host does not normalise and A, not S, crosses the bus.
  const bool on_gpu = current_device() == Device::Cuda && !out_of_core;
  if (on_gpu) {
    propagate_on_gpu(data, c, rows, p, times);
    return p;
  }
  // Inductive with SGC's normalisation and sorted training ids: S and S_train
  // in one pass over A (bitwise the two built apart, without A_train).
  CsrMatrix s, s_train;
  const bool one_pass = c.protocol == Protocol::Inductive && c.op.norm == Normalization::AugNormAdj &&
                        std::adjacent_find(data.train.begin(), data.train.end(), std::greater_equal<int32_t>()) ==
                            data.train.end();
  if (one_pass) {
    AugNormPair both = aug_norm_adj_with_induced(data.adjacency, data.train, float(c.op.self_loop));
    s = std::move(both.full);
    s_train = std::move(both.sub);
  } else {
    s = normalized_operator(data.adjacency, c.op);
  }
  if (times) times->normalize += timer.seconds();

  // Features whose working memory exceeds the budget are propagated in column
  // blocks (ops/out_of_core.h), with the same result.
  BlockedRun run;
  if (c.protocol == Protocol::Transductive) {
    data.adjacency = CsrMatrix{};  // S is all the propagation needs
    timer.reset();
    ProgressStage progress("propagate", planned_sparse_products(c.op), "hops");  // advanced by each sparse product
    if (out_of_core) {
      auto out = std::make_shared<MappedFeatures>(MappedFeatures::scratch(
          int64_t(rows.size()), operator_output_columns(c.op, dim), "the propagated features"));
      const ColumnSource source = x_file ? ColumnSource(*x_file) : ColumnSource(data.features);
      run_operator_blocked_to(s, source, c.op, &rows, *out, memory_budget() - csr_bytes(s.rows, s.nnz()), &run);
      p.spilled = std::move(out);
    } else if (lazy) {
      // Only the train and val rows are made, a column block at a time; the
      // test rows stay S and X (linear_rows.h).
      // Where they are few, only their receptive field is (receptive_field.h).
      const std::vector<int32_t> head(rows.begin(), rows.begin() + int64_t(data.train.size() + data.val.size()));
      p.x = sparse_head_rows(s, data.features, c.op, head, data.name + ": the train and val rows' propagation", &run);
      p.lazy_test = std::make_shared<const LinearRows>(std::make_shared<const CsrMatrix>(std::move(s)),
                                                       std::move(data.features), c.op, data.test);
    } else {
      OperatorResult r = run_operator_bounded(s, input_of(data), c.op, &rows, &run);
      p.x = std::move(r.features);
      p.stored_16bit = r.stored_16bit;
    }
    if (run.blocks > 0) p.stored_16bit = run.stored_16bit;  // blocked: each block's count
    if (times) times->propagate += timer.seconds();
    if (times) times->column_blocks = run.blocks;
    if (times) times->stored_16bit = p.stored_16bit;
    return p;
  }

  // Inductive (SGC on Reddit): the training rows see only the graph induced on
  // the training nodes; val/test rows are propagated over the full graph.
  // The val/test rows go first, while S is still needed and nothing else is
  // held: SGC reads the features in place (a view), so the full-graph hop's
  // n x d output is the only other n x d buffer; other operators copy a view,
  // so they take the training rows out first and are handed the features.
  // Then S goes, the training rows are gathered and the features go, and the
  // training hops run on S_train alone.
  timer.reset();
  if (!one_pass) s_train = normalized_operator(induced_subgraph(data.adjacency, data.train), c.op);
  data.adjacency = CsrMatrix{};  // S and S_train are all the propagation needs
  release_free_heap();           // A (and A_train): the peak comes next
  if (times) times->normalize += timer.seconds();
  timer.reset();
  ProgressStage progress("propagate", 2 * planned_sparse_products(c.op), "hops");
  const bool dense = data.has_dense_features();
  const bool reads_view = dense && c.op.def == &default_operator();
  auto train_input = [&]() -> FeatureInput {
    if (dense) return FeatureInput(gather_rows(data.dense_features, data.train));
    // Sparse features: a CSR of the training rows (a view into it does not outlive it).
    data.features = select_rows(data.features, data.train);
    return FeatureInput(data.features);
  };
  std::optional<FeatureInput> x_train;
  if (!reads_view && dense) x_train.emplace(train_input());
  BlockedRun eval_run;
  DenseMatrix eval_x =
      run_operator_bounded(s, reads_view ? FeatureInput(view_of(data.dense_features)) : input_of(data), c.op, &rest,
                           &eval_run)
          .features;
  s = CsrMatrix{};
  if (!x_train) x_train.emplace(train_input());
  data.dense_features = DenseMatrix();
  release_free_heap();  // S and the full-graph hop
  p.x = run_operator_bounded(s_train, std::move(*x_train), c.op, nullptr, &run).features;
  x_train.reset();
  data.features = CsrMatrix{};
  s_train = CsrMatrix{};
  if (times) times->column_blocks = std::max(run.blocks, eval_run.blocks);
  // The training rows grow in place, so the result is never held twice.
  append_rows(p.x, eval_x);
  if (times) times->propagate += timer.seconds();
  return p;
}

bool sparse_head_pays(const OperatorSpec& op, int64_t n, int64_t d) {
  return current_device() == Device::Cpu && linear_rows_supported(op) && linear_rows_pay(n, d);
}

DenseMatrix sparse_head_rows(const CsrMatrix& s, const CsrMatrix& x, const OperatorSpec& op,
                             const std::vector<int32_t>& head, const std::string& what, BlockedRun* run) {
  const int64_t dim = x.cols;
  const std::optional<ReceptiveField> field = lean_receptive_field(s, op, head);
  const int64_t hop_rows = field ? field->widest() : s.rows;
  const ColumnSource source(x);
  const CsrMatrix* first = field ? field->first_hop() : &s;
  const int64_t dense_block_rows = first && source.dense_blocks_pay(*first) ? s.rows : 0;
  // The output holds every hop's columns (sign: (K + 1) d of them).
  const int64_t state = csr_bytes(s) + csr_bytes(x);
  const int64_t out_cols = operator_output_columns(op, dim);
  // An output above the budget by itself is said so (the blocks' message would find "0 bytes left").
  require_memory_estimate(double(state) + 4.0 * double(head.size()) * double(out_cols),
                          what + " (output " + std::to_string(head.size()) + " x " + std::to_string(out_cols) + ")");
  const int64_t out = 4 * int64_t(head.size()) * out_cols;
  const int64_t width =
      std::min(lean_block_width(op, hop_rows, dense_block_rows, dim, int64_t(head.size()), state),
               column_block_width(op, hop_rows, dim, int64_t(head.size()), memory_budget() - state - out, what,
                                  dense_block_rows));
  return field ? field->run_blocked(source, width, run) : run_operator_blocked(s, source, op, &head, width, run).features;
}

Evaluation fit_evaluate(const Precomputed& p, const TrainOptions& opt, StageTimes* times, SoftmaxModel* fitted,
                        bool bias) {
  // On the GPU, the rows the propagation left there are trained on and
  // evaluated where they are.
  const bool on_gpu = current_device() == Device::Cuda;
  const DeviceSlice* train_dev = on_gpu && p.train_on_device.rows ? &p.train_on_device : nullptr;
  const DeviceSlice* eval_dev = on_gpu && p.eval_on_device.rows ? &p.eval_on_device : nullptr;
  Timer timer;
  TrainOutcome trained = train_softmax(p.train_x(), p.train_y, p.classes, opt, bias, train_dev);
  if (times) times->train += timer.seconds();

  timer.reset();
  auto predict = [&](FeatureRows x, const DeviceSlice* dev) {
    return dev ? predict_from_logits(softmax_logits_on_gpu(trained.model, x, *dev)) : softmax_predict(trained.model, x);
  };
  Evaluation e;
  e.final_loss = trained.final_loss;
  e.train_evaluations = trained.evaluations;
  e.train_acc = accuracy(predict(p.train_x(), train_dev), p.train_y);
  if (!p.val_y.empty()) {
    const auto pred = predict(p.val_x(), eval_dev);
    e.val_acc = accuracy(pred, p.val_y);
    e.val_macro_f1 = macro_f1(pred, p.val_y, p.classes);
  }
  if (!p.test_y.empty()) {
    const DeviceSlice test_dev = eval_dev ? DeviceSlice{eval_dev->rows, eval_dev->row0 + int64_t(p.val_y.size())}
                                          : DeviceSlice{};
    const std::vector<int32_t> pred = p.lazy_test ? predict_from_logits(p.test_logits(trained.model))
                                                  : predict(p.test_x(), eval_dev ? &test_dev : nullptr);
    e.test_acc = accuracy(pred, p.test_y);
    e.test_macro_f1 = macro_f1(pred, p.test_y, p.classes);
  }
  if (fitted) *fitted = std::move(trained.model);
  if (times) times->evaluate += timer.seconds();
  return e;
}

DenseMatrix LinearModel::representation(Dataset data, const Config& c) const {
  normalize_features(data, c.feature_norm);
  const CsrMatrix s = normalized_operator(data.adjacency, c.op);
  return apply_operator(s, input_of(data), c.op);
}

// ---- the verifier ---------------------------------------------------------------

namespace {

Eigen::VectorXd column_of(const Dataset& d, int64_t j) {
  Eigen::VectorXd x = Eigen::VectorXd::Zero(d.num_nodes());
  if (d.has_dense_features()) {
    for (int64_t i = 0; i < d.num_nodes(); ++i) x[i] = d.dense_features(i, j);
  } else {
    for (int64_t i = 0; i < d.features.rows; ++i)
      for (int64_t e = d.features.indptr[i]; e < d.features.indptr[i + 1]; ++e)
        if (d.features.indices[e] == j) x[i] = d.features.values[e];
  }
  return x;
}

}  // namespace

VerifyReport verify_precomputed(Dataset d, const Config& c, const Precomputed& p, int columns, uint64_t seed) {
  normalize_features(d, c.feature_norm);
  const int64_t dim = d.num_features();
  std::vector<int64_t> cols(static_cast<size_t>(dim));
  std::iota(cols.begin(), cols.end(), int64_t{0});
  std::mt19937_64 rng(seed);
  std::shuffle(cols.begin(), cols.end(), rng);
  cols.resize(size_t(std::min<int64_t>(columns, dim)));

  const std::vector<int32_t> rest = eval_rows(d);
  const SparseD s = to_sparse_double(normalized_operator(d.adjacency, c.op));
  SparseD s_train;
  if (c.protocol == Protocol::Inductive)
    s_train = to_sparse_double(normalized_operator(induced_subgraph(d.adjacency, d.train), c.op));

  // Every compared value side by side: rows as p stores them (train, val,
  // test), one column per (feature column, block), in one comparison.
  const bool inductive = c.protocol == Protocol::Inductive;
  const int64_t nt = int64_t(d.train.size()), stored = nt + int64_t(p.lazy_test ? d.val.size() : rest.size());
  const int64_t rows = nt + int64_t(rest.size());
  const DenseView px = p.all();
  DenseMatrix computed;
  Eigen::MatrixXd reference;
  for (size_t k = 0; k < cols.size(); ++k) {
    const int64_t j = cols[k];
    const Eigen::VectorXd x = column_of(d, j);
    const std::vector<Eigen::VectorXd> ref = c.op.def->reference(s, x, c.op);
    std::vector<Eigen::VectorXd> ref_train;  // inductive: the train rows see the train graph only
    if (inductive) {
      Eigen::VectorXd xt(nt);
      for (int64_t r = 0; r < nt; ++r) xt[r] = x[d.train[size_t(r)]];
      ref_train = c.op.def->reference(s_train, xt, c.op);
    }
    const int64_t blocks = int64_t(ref.size());
    if (k == 0) {
      computed.resize(rows, blocks * int64_t(cols.size()));
      reference.resize(rows, blocks * int64_t(cols.size()));
    }
    // Lazy test rows: column j through the head with W = e_j (X e_j is X's column j exactly), a column per block.
    DenseMatrix test_rows;
    if (p.lazy_test) {
      DenseMatrix e_j = DenseMatrix::Zero(dim, 1);
      e_j(j, 0) = 1.0f;
      test_rows = p.lazy_test->times(view_of(e_j));
    }
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t at = int64_t(k) * blocks + b;
      for (int64_t r = 0; r < rows; ++r) {
        if (r < nt) reference(r, at) = inductive ? ref_train[size_t(b)][r] : ref[size_t(b)][d.train[size_t(r)]];
        else reference(r, at) = ref[size_t(b)][rest[size_t(r - nt)]];
        computed(r, at) = r < stored ? px(r, b * dim + j) : test_rows(r - stored, b);
      }
    }
  }
  // 16-bit storage asked for but nothing stored so (p.stored_16bit == 0): the fp32 run's tolerance.
  return compare_to_reference(computed, reference,
                              verify_tolerance(p.stored_16bit == 0 ? Precision::Fp32 : c.op.precision));
}

// ---- the Model -------------------------------------------------------------------

std::string LinearModel::prepare_key(const Config& c) const {
  return nlohmann::json{{"operator", operator_to_json(c.op)},
                        {"feature_norm", to_string(c.feature_norm)},
                        {"protocol", to_string(c.protocol)}}
      .dump();
}

void LinearModel::prepare(Dataset data, const Config& c, StageTimes* times) {
  name_ = data.name;
  pre_ = precompute(std::move(data), c, times);
  stats_ = pre_.feature_stats;
}

Evaluation LinearModel::fit(const Config& c, StageTimes* times) {
  try {
    return fit_evaluate(pre_, c.train, times, &weights_, c.model_params.bias);
  } catch (const TrainingDiverged& e) {
    throw TrainingDiverged(name_, e.what());
  }
}

Prediction LinearModel::predict(Dataset d, const Config& c) const {
  if (operator_output_columns(c.op, d.num_features()) != weights_.dim)
    throw ArgumentError("the graph has " + std::to_string(d.num_features()) + " features per node (" +
                        std::to_string(operator_output_columns(c.op, d.num_features())) + " after " +
                        std::string(c.op.name()) + "), the model expects " + std::to_string(weights_.dim));
  if (c.feature_norm == FeatureNorm::ZScore)
    apply_zscore(d, stats_);  // the training graph's statistics
  else
    normalize_features(d, c.feature_norm);
  const CsrMatrix s = normalized_operator(d.adjacency, c.op);
  const DenseMatrix f = apply_operator(s, input_of(d), c.op);
  return prediction_from(softmax_logits(weights_, f));
}

ModelState LinearModel::state() const {
  ModelState s;
  s.header = {{"dim", weights_.dim}, {"classes", weights_.classes}};
  if (!stats_.mean.empty()) {
    s.header["zscore_mean"] = stats_.mean;
    s.header["zscore_std"] = stats_.std;
  }
  s.weights.assign(weights_.theta.data(), weights_.theta.data() + weights_.theta.size());
  return s;
}

void LinearModel::set_state(const ModelState& s, const Config& c) {
  const int64_t dim = state_integer(s, "dim", 1, int64_t(1) << 31);
  const int32_t classes = int32_t(state_integer(s, "classes", 1, int64_t(1) << 30));
  if (dim > (int64_t(1) << 31) / classes) throw FormatError("invalid dim/classes: dim x classes above 2^31");
  // The operator's output has its columns per input feature (sign: K + 1).
  const int64_t per_feature = operator_output_columns(c.op, 1);
  if (per_feature <= 0 || dim % per_feature != 0)
    throw FormatError("dim " + std::to_string(dim) + " does not fit the operator " + operator_summary(c.op) +
                      " (" + std::to_string(per_feature) + " output columns per input feature)");
  if (int64_t(s.weights.size()) != dim * classes + classes)
    throw FormatError("expected " + std::to_string(dim * classes + classes) + " weights, got " +
                      std::to_string(s.weights.size()));
  stats_ = ZScoreStats{};
  if (c.feature_norm == FeatureNorm::ZScore) {
    stats_.mean = state_floats(s, "zscore_mean");
    stats_.std = state_floats(s, "zscore_std");
    // One per input feature (sign's output has K + 1 columns per feature).
    if (int64_t(stats_.mean.size()) != dim / per_feature || int64_t(stats_.std.size()) != dim / per_feature)
      throw FormatError("z-score statistics do not have one entry per input feature");
  }
  weights_ = SoftmaxModel(dim, classes);
  std::copy(s.weights.begin(), s.weights.end(), weights_.theta.data());
  if (!weights_.theta.allFinite()) throw FormatError("non-finite weights");
  Eigen::Index at = 0;
  if (weights_.theta.size() > 0 && weights_.theta.cwiseAbs().maxCoeff(&at) > kMaxWeight)
    throw FormatError("weight " + format_number(weights_.theta[at]) + " (entry " + std::to_string(at) +
                      ") is outside [-" + format_number(kMaxWeight) + ", " + format_number(kMaxWeight) +
                      "]: training stops as diverged beyond that");
}

const ModelDef& linear_model() {
  static const ModelDef def = [] {
    ModelDef d{"linear", "softmax regression on operator-propagated features (SGC and its family)",
               [] { return std::unique_ptr<Model>(new LinearModel); }};
    d.params = {"bias"};
    d.runs_on_gpu = true;
    d.has_verifier = true;  // verify_precomputed
    return d;
  }();
  return def;
}

}  // namespace sgc
