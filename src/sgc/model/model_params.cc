#include "sgc/model/model_params.h"

#include <cmath>
#include <cstdio>

#include "sgc/error.h"
#include "sgc/util/printable.h"

namespace sgc {

namespace {

double real_in(const nlohmann::json& j, const char* name, double lo, double hi, bool lo_open, bool hi_open) {
  if (!j.is_number()) throw ParameterError(name, "expected a number, got " + j.dump());
  const double v = j.get<double>();
  const bool ok = std::isfinite(v) && (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi);
  if (!ok)
    throw ParameterError(name, "must be in " + std::string(lo_open ? "(" : "[") + format_number(lo) + ", " + format_number(hi) +
                                   (hi_open ? ")" : "]") + ", got " + j.dump());
  return v;
}

int int_in(const nlohmann::json& j, const char* name, int lo, int hi) {
  if (!j.is_number_integer()) throw ParameterError(name, "expected an integer, got " + j.dump());
  const int64_t v = j.get<int64_t>();
  if (v < lo || v > hi)
    throw ParameterError(name, "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + j.dump());
  return int(v);
}

std::string choice_of(const nlohmann::json& j, const char* name, std::initializer_list<const char*> choices) {
  std::string known;
  for (const char* c : choices) known += (known.empty() ? "" : ", ") + std::string(c);
  if (!j.is_string()) throw ParameterError(name, "expected one of " + known + ", got " + j.dump());
  const std::string v = j.get<std::string>();
  for (const char* c : choices)
    if (v == c) return v;
  throw ParameterError(name, "unknown value '" + printable(v) + "' (expected " + known + ")");
}

}  // namespace

const std::vector<ModelParamDef>& model_params() {
  using T = ModelParamDef::Type;
  using P = ModelParams;
  using J = nlohmann::json;
  static const std::vector<ModelParamDef> table{
      {"hidden", T::Int, "hidden width of the encoder", {},
       [](const P& p) { return J(p.hidden); },
       [](P& p, const J& j) { p.hidden = int_in(j, "hidden", 1, 1 << 16); }},
      {"encoder_layers", T::Int, "linear layers of the encoder (1 or 2)", {},
       [](const P& p) { return J(p.encoder_layers); },
       [](P& p, const J& j) { p.encoder_layers = int_in(j, "encoder_layers", 1, 2); }},
      {"lambda", T::Real, "aggregation rate: step l >= 3 keeps a column with probability 1 - ln(1 + lambda/(l+1))", {},
       [](const P& p) { return J(p.lambda); },
       [](P& p, const J& j) { p.lambda = real_in(j, "lambda", 0, 1e6, false, false); }},
      {"tau", T::Real, "temperature of the contrastive term", {},
       [](const P& p) { return J(p.tau); },
       [](P& p, const J& j) { p.tau = real_in(j, "tau", 1e-3, 1e3, false, false); }},
      {"contrast_k", T::Int, "contrastive constraint at every step when 1, else at steps 1, k, k^2, ... below L", {},
       [](const P& p) { return J(p.contrast_k); },
       [](P& p, const J& j) { p.contrast_k = int_in(j, "contrast_k", 1, 1 << 20); }},
      {"contrast_dropout", T::Real, "dropout on both representations of a contrastive pair, in [0, 1)", {},
       [](const P& p) { return J(p.contrast_dropout); },
       [](P& p, const J& j) { p.contrast_dropout = real_in(j, "contrast_dropout", 0, 1, false, true); }},
      {"contrast_weight", T::Real, "weight of the contrastive term (0: none)", {},
       [](const P& p) { return J(p.contrast_weight); },
       [](P& p, const J& j) { p.contrast_weight = real_in(j, "contrast_weight", 0, 1e6, false, false); }},
      {"negatives", T::Int, "contrastive negatives per node: 0 = every node (exact), n = n sampled", {},
       [](const P& p) { return J(p.negatives); },
       [](P& p, const J& j) { p.negatives = int_in(j, "negatives", 0, 1 << 20); }},
      {"inference", T::Choice, "scoring after training: expected (the expected operator, deterministic) or sampled "
                               "(masks drawn per evaluation, as the authors' code)", {"expected", "sampled"},
       [](const P& p) { return J(p.inference == Inference::Expected ? "expected" : "sampled"); },
       [](P& p, const J& j) {
         p.inference = choice_of(j, "inference", {"expected", "sampled"}) == "expected" ? Inference::Expected
                                                                                        : Inference::Sampled;
       }},
      {"dropout", T::Real, "input-feature dropout, in [0, 1)", {},
       [](const P& p) { return J(p.dropout); },
       [](P& p, const J& j) { p.dropout = real_in(j, "dropout", 0, 1, false, true); }},
      {"metric", T::Choice, "the sphere's metric weights w: learned (w = |v|, v trained) or unit (w = 1)",
       {"learned", "unit"},
       [](const P& p) { return J(p.learn_metric ? "learned" : "unit"); },
       [](P& p, const J& j) { p.learn_metric = choice_of(j, "metric", {"learned", "unit"}) == "learned"; }},
      {"checkpoint", T::Choice, "weights kept: best_val (first epoch with the best validation accuracy) or last",
       {"best_val", "last"},
       [](const P& p) { return J(p.checkpoint == Checkpoint::BestVal ? "best_val" : "last"); },
       [](P& p, const J& j) {
         p.checkpoint = choice_of(j, "checkpoint", {"best_val", "last"}) == "best_val" ? Checkpoint::BestVal
                                                                                      : Checkpoint::Last;
       }},
      {"bias", T::Choice, "the softmax head's intercept: fit (a trained b) or none (b = 0)", {"fit", "none"},
       [](const P& p) { return J(p.bias ? "fit" : "none"); },
       [](P& p, const J& j) { p.bias = choice_of(j, "bias", {"fit", "none"}) == "fit"; }},
  };
  return table;
}

const ModelParamDef* find_model_param(std::string_view name) {
  for (const ModelParamDef& p : model_params())
    if (p.name == name) return &p;
  return nullptr;
}

nlohmann::json model_params_to_json(const ModelParams& p, const std::vector<std::string_view>& names) {
  nlohmann::json j = nlohmann::json::object();
  for (std::string_view n : names)
    if (const ModelParamDef* d = find_model_param(n)) j[std::string(n)] = d->get(p);
  return j;
}

void model_params_from_json(ModelParams& p, const nlohmann::json& j) {
  if (!j.is_object()) throw ArgumentError("model parameters: expected an object, got " + j.dump());
  for (const auto& item : j.items()) {
    const ModelParamDef* d = find_model_param(item.key());
    if (!d) {
      std::string known;
      for (const ModelParamDef& q : model_params()) known += (known.empty() ? "" : ", ") + std::string(q.name);
      throw ArgumentError("unknown model parameter '" + printable(item.key()) + "' (known: " + known + ")");
    }
    d->set(p, item.value());
  }
}

void validate_model_params(const ModelParams& p) {
  // Every setter checks its domain; a round trip re-checks values set directly.
  for (const ModelParamDef& d : model_params()) {
    ModelParams copy;
    d.set(copy, d.get(p));
  }
}

}  // namespace sgc
