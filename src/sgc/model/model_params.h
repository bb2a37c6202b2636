// Parameters of the models (the linear head's intercept; TSC, ACM): one struct in
// the Config and one table, as the operators' parameters (ops/operator.h),
// from which the CLI generates its flags and help, and which the JSON
// serialisation (model files, --json, Python) reads and writes. Each model
// lists the names it reads (ModelDef::params); a flag no chosen model reads
// is an error.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace sgc {

// How a model whose forward pass is random (TSC's aggregation masks) scores
// nodes after training.
enum class Inference {
  Expected,  // deterministic: the expected operator E[prod_l M_l] (default)
  Sampled,   // as the authors' code: masks drawn at every evaluation (seeded)
};

// Which epoch's weights a model trained for a fixed number of epochs keeps.
enum class Checkpoint {
  BestVal,  // the first epoch with the highest validation accuracy (default)
  Last,     // the last epoch
};

struct ModelParams {
  // TSC (Peng et al., KDD 2024)
  int hidden = 256;             // encoder width
  int encoder_layers = 1;       // linear layers of the encoder (their Pubmed model: 2)
  double lambda = 0.5;          // keep probability r_l = 1 - ln(1 + lambda/(l+1)), l >= 3
  double tau = 0.6;             // contrastive temperature
  int contrast_k = 1;           // contrastive steps: all when 1, else {1, k, k^2, ...} < L
  double contrast_dropout = 0;  // dropout on both sides of the contrastive pair
  double contrast_weight = 1;   // weight of the contrastive term in the loss
  int negatives = 0;            // 0: every node is a negative (exact); n > 0: n sampled per node
  Inference inference = Inference::Expected;
  // ACM (Zhou et al., PAKDD 2024)
  double dropout = 0.6;           // input-feature dropout
  bool learn_metric = true;       // learn the weights w of the sphere's metric (else w = 1)
  // TSC and ACM
  Checkpoint checkpoint = Checkpoint::BestVal;
  // linear: whether the softmax head has an intercept b (false: b = 0, as
  // torch's Linear(bias=False) in InfAttack's SGC victims)
  bool bias = true;
};

struct ModelParamDef {
  std::string_view name;
  enum class Type { Int, Real, Choice } type;
  std::string_view help;
  std::vector<std::string_view> choices;  // Type::Choice
  nlohmann::json (*get)(const ModelParams&);
  // From JSON; ParameterError naming the parameter for a wrong type or value.
  void (*set)(ModelParams&, const nlohmann::json&);
};

const std::vector<ModelParamDef>& model_params();
const ModelParamDef* find_model_param(std::string_view name);  // nullptr if none

// The parameters in `names` as {"name": value}.
nlohmann::json model_params_to_json(const ModelParams& p, const std::vector<std::string_view>& names);
// Sets every field of `j` (an object); ArgumentError for an unknown name.
void model_params_from_json(ModelParams& p, const nlohmann::json& j);
// Domain checks of every field; ParameterError naming the flag.
void validate_model_params(const ModelParams& p);

}  // namespace sgc
