// Everything a run is configured by, in one struct that the command line,
// the Python module, the presets and the model files all set (as LightGBM's
// Config): which model, its propagation operator, the feature normalisation,
// the protocol and the training options. Names are parsed once, at the edge,
// into registry entries and enums.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sgc/data/feature_norm.h"
#include "sgc/model/model_params.h"
#include "sgc/model/optimizer.h"
#include "sgc/ops/operator.h"

namespace sgc {

struct ModelDef;
const ModelDef& default_model();  // the linear head on propagated features (SGC and its family)

// Transductive: every node's features are propagated over the whole graph.
// Inductive (SGC's Reddit protocol): the training rows are propagated over the
// graph induced on the training nodes only, the val/test rows over the full graph.
enum class Protocol { Transductive, Inductive };
Protocol parse_protocol(const std::string& name);  // "transductive" | "inductive"
std::string to_string(Protocol p);

struct Config {
  const ModelDef* model = &default_model();
  OperatorSpec op;
  FeatureNorm feature_norm = FeatureNorm::Row;
  Protocol protocol = Protocol::Transductive;
  TrainOptions train;
  ModelParams model_params;  // read by the models that list them (ModelDef::params)
};

// Checks every part; ArgumentError naming the flag.
void validate_config(const Config& c);

// {"model", "operator": operator_to_json, "feature_norm", "protocol",
//  "optimizer", "lr", "epochs", "weight_decay", "seed", "model_params" (those
//  the model reads, when it reads any), "optimizer_params" (likewise, for the
//  optimizer: optimizer_params() in optimizer.h)}: the one serialisation
// of a configuration (model files, --json, Python).
nlohmann::json config_to_json(const Config& c);
// Reads config_to_json's output; missing fields keep their defaults, unknown
// ones are errors. ArgumentError naming the field.
Config config_from_json(const nlohmann::json& j);

// Sets a numeric parameter by name: an operator parameter (k, t, alpha, ...),
// a numeric parameter of the model (tau, lambda, ...) or a training one (lr,
// weight_decay, epochs). Used by tune and sweep.
void set_config_param(Config& c, std::string_view name, double value);
// The value set_config_param(c, name, ...) would replace (ArgumentError as it).
double config_param(const Config& c, std::string_view name);

}  // namespace sgc
