// See presets.h for the tables and their sources.
#include "sgc/presets.h"

#include "sgc/error.h"

namespace sgc {

namespace {
const PublishedSetting* published(const OperatorDef& op, std::string_view family, std::string_view name) {
  for (const PublishedSetting& p : op.published)
    if (p.family == family && p.dataset == name) return &p;
  return nullptr;
}

// `sgc tune`'s ranges of the optimizers' parameters (optimizer_params()) and
// the models' (model_params(); choices have none). They nest where the
// domains depend on each other (chunks <= sparsity <= sketch_dim anywhere in
// them), so every trial of a search is a valid configuration. A test checks
// that every numeric parameter has one, inside its domain.
struct ParamSpan {
  std::string_view name;
  double low, high;
  bool log;
};
constexpr ParamSpan kParamSpans[] = {
    // sgc-compressed
    {"sketch_dim", 1024, 65536, true},
    {"sparsity", 16, 1024, true},
    {"chunks", 1, 16, false},
    // scrn, scrn-zo
    {"rho", 1e-5, 10, true},
    {"batch_size", 16, 4096, true},
    {"cubic_iters", 5, 200, true},
    {"epsilon", 1e-6, 1e-2, true},
    {"smoothing", 1e-5, 1e-1, true},
    {"directions", 4, 256, true},
    // tsc
    {"hidden", 16, 1024, true},
    {"encoder_layers", 1, 2, false},
    {"lambda", 0.01, 5, true},  // keep probability 1 - ln(1 + lambda/4) > 0 at step 3
    {"tau", 0.05, 2, true},
    {"contrast_k", 1, 8, false},
    {"contrast_dropout", 0, 0.8, false},
    {"contrast_weight", 0.01, 10, true},
    {"negatives", 16, 1024, true},
    // acm
    {"dropout", 0, 0.9, false},
};

void use(Preset& p, const PublishedSetting& s) {
  for (const auto& [param, value] : s.params) set_operator_param(p.config.op, param, value);
  p.config.train.lr = s.lr;
  p.config.train.weight_decay = s.weight_decay;
  p.config.train.epochs = s.epochs;
  p.published_accuracy = s.accuracy;
  p.source = std::string(s.source);
}
}  // namespace

Preset preset_for(std::string_view family, std::string_view name, const OperatorDef& op, const ModelDef& model,
                  const std::function<bool()>& has_negative_features) {
  Preset p;
  p.config.model = &model;
  p.config.op.def = &op;
  p.source = "defaults";
  if (const PublishedSetting* s = published(op, family, name)) {
    use(p, *s);
  } else if (const PublishedSetting* sgc = published(default_operator(), family, name)) {
    // An operator without settings of its own for this data set trains as SGC
    // did there (its operator parameters keep their defaults).
    p.config.train.lr = sgc->lr;
    p.config.train.weight_decay = sgc->weight_decay;
    p.config.train.epochs = sgc->epochs;
  }
  // Gaussian class features (CSBM, and the attributes generated for bare graphs) are
  // signed, their scale set by the generator: they are used raw.
  if ((family == "synthetic" && (name == "csbm" || name == "products")) || family == "bare")
    p.config.feature_norm = FeatureNorm::None;
  p.baseline = family == "synthetic" && name == "csbm";
  if ((family == "synthetic" && name == "powerlaw") || family == "fastgcn_reddit") {
    p.config.feature_norm = FeatureNorm::ZScore;
    p.config.protocol = Protocol::Inductive;
    p.config.train.optimizer = &find_optimizer("lbfgs");
    p.config.train.epochs = 40;
    p.config.train.weight_decay = 0;
    p.source = "SGC Reddit protocol (Wu et al., ICML 2019)";
  }
  if (p.source == "defaults" && p.config.feature_norm == FeatureNorm::Row && has_negative_features &&
      has_negative_features()) {
    p.config.feature_norm = FeatureNorm::None;
    p.source = "defaults; features with negative values are not row-normalised";
  }
  if (model.preset) model.preset(family, name, p);
  return p;
}

std::vector<SearchRange> default_search(const OperatorDef& op, const OptimizerDef& optimizer) {
  std::vector<SearchRange> out;
  for (const SearchRange& r : op.search)
    if (r.by_default && (r.name != "lr" || optimizer.uses_lr)) out.push_back(r);
  return out;
}

SearchRange search_range(std::string_view name, const OperatorDef& op, const OptimizerDef& optimizer,
                         const ModelDef& model) {
  if (name == "lr" && !optimizer.uses_lr)
    throw ArgumentError("--search: lr: optimizer " + std::string(optimizer.name) +
                        " chooses its own steps and has no learning rate");
  for (const SearchRange& r : op.search)
    if (r.name == name) return r;
  if (name == "lr") return lr_search_range();
  if (name == "weight_decay") return weight_decay_search_range();
  if (op.reads(name)) {
    if (name == "k") return {"k", 1, 10, false, true};
    if (name == "t") return {"t", 1, 10, false, false};
    if (name == "alpha") return {"alpha", 0.05, 0.5, true, false};
    if (name == "tol") return {"tol", 1e-8, 1e-3, true, false};
    throw ArgumentError("--search: '" + std::string(name) + "' cannot be searched (not a number)");
  }
  const OptimizerParamDef* o = find_optimizer_param(name);
  const ModelParamDef* m = find_model_param(name);
  const bool optimizer_reads = o && optimizer.reads(name);
  if (optimizer_reads || (m && model.reads(name))) {
    if (m && m->type == ModelParamDef::Type::Choice)
      throw ArgumentError("--search: '" + std::string(name) + "' cannot be searched (a choice, not a number)");
    for (const ParamSpan& r : kParamSpans)
      if (r.name == name)
        return {std::string(name), r.low, r.high, r.log,
                optimizer_reads ? o->integer : m->type == ModelParamDef::Type::Int, false};
    throw ArgumentError("--search: '" + std::string(name) + "' has no search range");
  }
  auto list = [](const std::vector<std::string_view>& names) {
    std::string s;
    for (std::string_view p : names) s += (s.empty() ? "" : ", ") + std::string(p);
    return s.empty() ? std::string("none") : s;
  };
  std::string hint;
  if (o) {
    std::vector<std::string_view> readers;
    for (const OptimizerDef* d : optimizers())
      if (d->reads(name)) readers.push_back(d->name);
    hint = "; optimizers " + list(readers) + " read it (choose one with --optimizer)";
  } else if (m) {
    std::vector<std::string_view> readers;
    for (const ModelDef* d : models())
      if (d->reads(name)) readers.push_back(d->name);
    hint = "; models " + list(readers) + " read it (choose one with --model)";
  }
  throw ArgumentError("--search: '" + std::string(name) + "' is not a parameter of operator " + std::string(op.name) +
                      " (" + list(op.params) + "), optimizer " + std::string(optimizer.name) + " (" +
                      list(optimizer.params) + "), model " + std::string(model.name) + " (" + list(model.params) +
                      ") or the training (lr, weight_decay)" + hint);
}

}  // namespace sgc
