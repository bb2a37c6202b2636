#include "sgc/model/config.h"

#include <cmath>
#include <limits>

#include "sgc/error.h"
#include "sgc/gpu/device.h"
#include "sgc/util/printable.h"
#include "sgc/model/model.h"
#include "sgc/util/named.h"

namespace sgc {

Protocol parse_protocol(const std::string& name) {
  if (name == "transductive") return Protocol::Transductive;
  if (name == "inductive") return Protocol::Inductive;
  throw ParameterError("protocol", "unknown value '" + printable(name) + "' (expected transductive or inductive)");
}

std::string to_string(Protocol p) { return p == Protocol::Inductive ? "inductive" : "transductive"; }

void validate_config(const Config& c) {
  if (!c.model) throw ParameterError("model", "no model");
  validate_operator(c.op);
  validate_train_options(c.train);
  validate_model_params(c.model_params);
  if (c.model->check) c.model->check(c);
  if (current_device() == Device::Cuda && !c.model->runs_on_gpu)
    throw ParameterError("device", "the " + std::string(c.model->name) + " model runs on the CPU only; use --device cpu");
}

nlohmann::json config_to_json(const Config& c) {
  nlohmann::json j = {{"model", std::string(c.model->name)},
          {"operator", operator_to_json(c.op)},
          {"feature_norm", to_string(c.feature_norm)},
          {"protocol", to_string(c.protocol)},
          {"optimizer", std::string(c.train.optimizer->name)},
          {"lr", c.train.lr},
          {"epochs", c.train.epochs},
          {"weight_decay", c.train.weight_decay},
          {"seed", c.train.seed}};
  if (!c.model->params.empty()) j["model_params"] = model_params_to_json(c.model_params, c.model->params);
  if (!c.train.optimizer->params.empty()) j["optimizer_params"] = optimizer_params_to_json(c.train);
  return j;
}

namespace {
std::string text_of(const nlohmann::json& v, const std::string& key) {
  if (!v.is_string()) throw ParameterError(key, "expected a string, got " + v.dump());
  return v.get<std::string>();
}
double number_of(const nlohmann::json& v, const std::string& key) {
  if (!v.is_number()) throw ParameterError(key, "expected a number, got " + v.dump());
  return v.get<double>();
}
}  // namespace

Config config_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw ArgumentError("configuration: expected an object, got " + j.dump());
  Config c;
  for (const auto& item : j.items()) {
    const std::string& key = item.key();  // named locals: clang 14 cannot capture structured bindings
    const nlohmann::json& v = item.value();
    if (key == "model") c.model = &find_model(text_of(v, key));
    else if (key == "operator") c.op = operator_from_json(v);
    else if (key == "feature_norm") c.feature_norm = as_parameter(key, [&] { return parse_feature_norm(text_of(v, key)); });
    else if (key == "protocol") c.protocol = parse_protocol(text_of(v, key));
    else if (key == "optimizer") use_optimizer(c.train, find_optimizer(text_of(v, key)));  // before optimizer_params
    else if (key == "lr") c.train.lr = number_of(v, key);
    else if (key == "weight_decay") c.train.weight_decay = number_of(v, key);
    else if (key == "model_params") model_params_from_json(c.model_params, v);
    else if (key == "optimizer_params") optimizer_params_from_json(c.train, v);
    else if (key == "epochs" || key == "seed") {
      if (!v.is_number_integer() || (key == "epochs" && (v.get<int64_t>() < 1 || v.get<int64_t>() > (1 << 30))) ||
          (key == "seed" && !v.is_number_unsigned() && v.get<int64_t>() < 0))
        throw ParameterError(key, "expected a positive integer, got " + v.dump());
      if (key == "epochs") c.train.epochs = int(v.get<int64_t>());
      else c.train.seed = v.get<uint64_t>();
    } else {
      throw ArgumentError("configuration: unknown field '" + key + "'");
    }
  }
  if (j.contains("optimizer_params"))
    for (const auto& item : j.at("optimizer_params").items())
      if (!c.train.optimizer->reads(item.key()))
        throw ParameterError(item.key(), "not a parameter of optimizer " + std::string(c.train.optimizer->name) +
                                             " (read by " + readers_of(optimizers(), item.key()) + ")");
  if (j.contains("model_params"))
    for (const auto& item : j.at("model_params").items())
      if (!c.model->reads(item.key()))
        throw ParameterError(item.key(), "not a parameter of model " + std::string(c.model->name) + " (read by " +
                                             readers_of(models(), item.key()) + ")");
  validate_config(c);
  return c;
}

namespace {
bool model_reads_numeric(const Config& c, std::string_view name) {
  const ModelParamDef* d = find_model_param(name);
  return d && d->type != ModelParamDef::Type::Choice && c.model->reads(name);
}
}  // namespace

double config_param(const Config& c, std::string_view name) {
  if (name == "lr") return c.train.lr;
  if (name == "weight_decay") return c.train.weight_decay;
  if (name == "epochs") return c.train.epochs;
  if (c.op.def->reads(name)) return find_param(name)->get(c.op).get<double>();
  if (c.train.optimizer->reads(name)) return find_optimizer_param(name)->get(c.train).get<double>();
  if (model_reads_numeric(c, name)) return find_model_param(name)->get(c.model_params).get<double>();
  throw ArgumentError("'" + std::string(name) + "': not a parameter of " + std::string(c.op.name()) +
                      " or of the training (lr, weight_decay, epochs)");
}

void set_config_param(Config& c, std::string_view name, double value) {
  if (name == "lr") c.train.lr = value;
  else if (name == "weight_decay") c.train.weight_decay = value;
  else if (name == "epochs") {
    // Beyond int's range the cast would wrap into a count that passes the checks.
    if (!(value <= double(std::numeric_limits<int>::max())))  // NaN too
      throw ParameterError("epochs", "must be at most " + std::to_string(kMaxIterations) + ", got " + format_number(value));
    if (value < double(std::numeric_limits<int>::min()))
      throw ParameterError("epochs", "must be positive, got " + format_number(value));
    c.train.epochs = int(std::lround(value));
  }
  else if (c.op.def->reads(name)) set_operator_param(c.op, name, value);
  else if (c.train.optimizer->reads(name)) {
    const OptimizerParamDef* d = find_optimizer_param(name);
    d->set(c.train, d->integer ? nlohmann::json(std::llround(value)) : nlohmann::json(value));
  }
  else if (model_reads_numeric(c, name)) {
    const ModelParamDef* d = find_model_param(name);
    d->set(c.model_params, d->type == ModelParamDef::Type::Int ? nlohmann::json(std::lround(value)) : nlohmann::json(value));
  }
  else
    throw ArgumentError("'" + std::string(name) + "': not a parameter of " + std::string(c.op.name()) +
                        " or of the training (lr, weight_decay, epochs)");
}

}  // namespace sgc
