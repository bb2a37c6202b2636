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

void use(Preset& p, const PublishedSetting& s) {
  for (const auto& [param, value] : s.params) set_operator_param(p.config.op, param, value);
  p.config.train.lr = s.lr;
  p.config.train.weight_decay = s.weight_decay;
  p.config.train.epochs = s.epochs;
  p.published_accuracy = s.accuracy;
  p.source = std::string(s.source);
}
}  // namespace

Preset preset_for(std::string_view family, std::string_view name, const OperatorDef& op, const ModelDef& model) {
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
  // Gaussian class features (CSBM, and the attributes generated for bare graphs) can sum
  // to ~0 in a row: row normalisation would blow them up.
  if ((family == "synthetic" && (name == "csbm" || name == "products")) || family == "bare")
    p.config.feature_norm = FeatureNorm::None;
  if ((family == "synthetic" && name == "powerlaw") || family == "fastgcn_reddit") {
    p.config.feature_norm = FeatureNorm::ZScore;
    p.config.protocol = Protocol::Inductive;
    p.config.train.optimizer = &find_optimizer("lbfgs");
    p.config.train.epochs = 40;
    p.config.train.weight_decay = 0;
    p.source = "SGC Reddit protocol (Wu et al., ICML 2019)";
  }
  if (model.preset) model.preset(family, name, p);
  return p;
}

std::vector<SearchRange> default_search(const OperatorDef& op) {
  std::vector<SearchRange> out;
  for (const SearchRange& r : op.search)
    if (r.by_default) out.push_back(r);
  return out;
}

SearchRange search_range(std::string_view name, const OperatorDef& op) {
  for (const SearchRange& r : op.search)
    if (r.name == name) return r;
  if (name == "lr") return {"lr", 0.01, 2, true, false};
  if (name == "weight_decay") return {"weight_decay", 1e-10, 1e-3, true, false};
  if (!op.reads(name))
    throw ArgumentError("--search: operator " + std::string(op.name) + " has no parameter '" + std::string(name) +
                        "' (it reads: " + [&] {
                          std::string s;
                          for (std::string_view p : op.params) s += std::string(p) + ", ";
                          return s;
                        }() + "and the training's lr, weight_decay)");
  if (name == "k") return {"k", 1, 10, false, true};
  if (name == "t") return {"t", 1, 10, false, false};
  if (name == "alpha") return {"alpha", 0.05, 0.5, true, false};
  if (name == "tol") return {"tol", 1e-8, 1e-3, true, false};
  throw ArgumentError("--search: '" + std::string(name) + "' cannot be searched (not a number)");
}

}  // namespace sgc
