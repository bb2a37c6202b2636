// Victim settings and the victim's scores on a perturbed graph (see victim.h).
#include "sgc/attack/victim.h"

#include <algorithm>

#include "sgc/attack/soft_labels.h"
#include "sgc/error.h"
#include "sgc/eval/metrics.h"
#include "sgc/model/linear_model.h"
#include "sgc/presets.h"

namespace sgc::attack {

namespace {

// InfAttack's SGC victims (their code's model settings).
double victim_weight_decay(const std::string& name) {
  if (name == "cora") return 1.656e-5;
  if (name == "citeseer") return 2.3545587e-5;
  if (name == "pubmed") return 7.4039e-5;
  return -1;
}

bool is_sgc(const Config& c) { return c.op.def == &default_operator(); }

}  // namespace

Config victim_config(const Dataset& d, const OperatorDef& op, const ModelDef& model, std::optional<int> k) {
  Config c = preset_for(d, op, model).config;
  if (&op == &default_operator() && &model == &default_model() && d.family == "planetoid" &&
      victim_weight_decay(d.name) > 0) {
    c.op.k = 2;
    c.feature_norm = FeatureNorm::Row;
    c.train.lr = 0.2;
    c.train.epochs = 200;
    c.train.weight_decay = victim_weight_decay(d.name);
    c.model_params.bias = false;  // their SGC is Linear(bias=False)
  }
  if (k) {
    if (!op.reads("k")) throw ArgumentError("--k: operator " + std::string(op.name) + " has no depth K");
    c.op.k = *k;
  }
  return c;  // checked by train_victim, after a caller's own settings (poly's --coeffs)
}

int attack_depth(const Config& victim) { return is_sgc(victim) ? std::max(1, victim.op.k) : 2; }

int default_add_candidates(const Dataset& d, int k) { return d.name == "pubmed" && k > 2 ? 200 : 0; }

Victim make_victim(const Dataset& d, const Config& c, std::shared_ptr<const Model> m) {
  Victim v;
  v.config = c;
  v.model = std::move(m);
  v.clean = v.model->predict(d, c);
  // The attack reads a logit per class of the graph: a model of another
  // class count would be read past its rows' end.
  if (v.clean.logits.cols() != d.num_classes)
    throw ArgumentError("--load: the model has " + std::to_string(v.clean.logits.cols()) + " classes, the graph " +
                        d.name + " " + std::to_string(d.num_classes) + "; attack a model trained on this graph");
  std::vector<int32_t> pred, truth;
  for (int32_t i : d.test)
    if (d.labels[size_t(i)] >= 0) pred.push_back(v.clean.label[size_t(i)]), truth.push_back(d.labels[size_t(i)]);
  v.test_accuracy = pred.empty() ? 0 : accuracy(pred, truth);
  return v;
}

Victim train_victim(const Dataset& d, const Config& c) {
  validate_config(c);
  std::shared_ptr<Model> m = make_model(c);
  m->prepare(d, c);
  m->fit(c);
  return make_victim(d, c, std::move(m));
}

std::vector<VictimSpec> robustness_victims(const Dataset& d) {
  std::vector<VictimSpec> out;
  out.push_back({"sgc", victim_config(d, default_operator())});
  for (const char* op : {"dgc", "ssgc", "ppr"}) out.push_back({op, victim_config(d, find_operator(op))});
  for (int k : {4, 8}) out.push_back({"sgc K=" + std::to_string(k), victim_config(d, default_operator(), default_model(), k)});
  return out;
}

VictimScorer::VictimScorer(const Dataset& d, const Victim& v)
    : d_(d), v_(v), g_(d.adjacency, v.config.op.self_loop), prop_(d.num_nodes()) {
  const Config& c = v.config;
  const auto* linear = dynamic_cast<const LinearModel*>(v.model.get());
  if (is_sgc(c)) {
    weights_.assign(size_t(c.op.k) + 1, 0.0);
    weights_.back() = 1.0;
  } else if (c.op.def->series) {
    weights_ = c.op.def->series(c.op);
  }
  local_ = linear && !weights_.empty() && c.op.norm == Normalization::AugNormAdj &&
           c.protocol == Protocol::Transductive &&
           (c.feature_norm == FeatureNorm::Row || c.feature_norm == FeatureNorm::None) &&
           linear->weights().dim == d.num_features();
  if (!local_) return;
  x_ = attack_features(d, c.feature_norm);
  w_ = linear->weights().weight().cast<double>();
  b_ = linear->weights().bias().cast<double>();
  acc_.assign(size_t(d.num_features()), 0.0);
}

void VictimScorer::apply(int32_t v, const std::vector<Flip>& flips) {
  g_.reset(v);
  for (const Flip& f : flips) f.added ? g_.add(f.u) : g_.remove(f.u);
}

Eigen::VectorXd VictimScorer::scores(int32_t v, const std::vector<Flip>& flips) {
  if (!local_) return full_scores(v, flips);
  apply(v, flips);
  prop_.rows(g_, int(weights_.size()) - 1, rows_);
  // p = sum_j w_j r_j, then p X W + b.
  std::vector<std::pair<int32_t, double>> p;
  for (size_t j = 0; j < rows_.size(); ++j) {
    if (weights_[j] == 0) continue;
    for (size_t i = 0; i < rows_[j].index.size(); ++i) p.push_back({rows_[j].index[i], weights_[j] * rows_[j].value[i]});
  }
  std::fill(acc_.begin(), acc_.end(), 0.0);
  for (const auto& [x, pw] : p)
    for (int64_t q = x_.indptr[size_t(x)]; q < x_.indptr[size_t(x) + 1]; ++q)
      acc_[size_t(x_.indices[size_t(q)])] += pw * x_.values[size_t(q)];
  Eigen::VectorXd s = b_.transpose();
  for (size_t f = 0; f < acc_.size(); ++f)
    if (acc_[f] != 0) s += acc_[f] * w_.row(Eigen::Index(f)).transpose();
  return s;
}

Eigen::VectorXd VictimScorer::full_scores(int32_t v, const std::vector<Flip>& flips) {
  apply(v, flips);
  Dataset copy = d_;
  copy.adjacency = g_.materialize();
  const Prediction p = v_.model->predict(std::move(copy), v_.config);
  return p.logits.row(v).transpose().cast<double>();
}

}  // namespace sgc::attack
