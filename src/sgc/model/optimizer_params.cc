// The parameters of particular optimizers (optimizer.h): one row each, with
// its domain. The command line generates a flag per row (--sketch-dim, ...),
// config_to_json/config_from_json write and read the rows the configured
// optimizer reads, and Python passes them by name.
#include <cmath>
#include <string>

#include "sgc/error.h"
#include "sgc/model/optimizer.h"
#include "sgc/util/printable.h"

namespace sgc {

namespace {

int64_t integer_of(const nlohmann::json& j, const char* name) {
  if (!j.is_number_integer()) throw ParameterError(name, "expected an integer, got " + j.dump());
  return j.get<int64_t>();
}
double real_of(const nlohmann::json& j, const char* name) {
  if (!j.is_number()) throw ParameterError(name, "expected a number, got " + j.dump());
  return j.get<double>();
}
int int_of(const nlohmann::json& j, const char* name) {
  const int64_t v = integer_of(j, name);
  if (v < -(int64_t(1) << 31) || v >= (int64_t(1) << 31)) throw ParameterError(name, j.dump() + " is out of range");
  return int(v);
}
void positive(bool ok, const char* name, const std::string& got) {
  if (!ok) throw ParameterError(name, "must be positive, got " + got);
}

}  // namespace

const std::vector<OptimizerParamDef>& optimizer_params() {
  static const std::vector<OptimizerParamDef> table{
      {"sketch_dim", true, "k: length of the compressed Adam moments (k >= the parameter count: no compression)",
       [](const TrainOptions& o) { return nlohmann::json(o.sketch_dim); },
       [](TrainOptions& o, const nlohmann::json& j) { o.sketch_dim = integer_of(j, "sketch_dim"); },
       [](const TrainOptions& o) { positive(o.sketch_dim > 0, "sketch_dim", std::to_string(o.sketch_dim)); }},
      {"sparsity", true, "s: gradient entries kept per step and the sparsity of the recovered update",
       [](const TrainOptions& o) { return nlohmann::json(o.sparsity); },
       [](TrainOptions& o, const nlohmann::json& j) { o.sparsity = integer_of(j, "sparsity"); },
       [](const TrainOptions& o) {
         positive(o.sparsity > 0, "sparsity", std::to_string(o.sparsity));
         if (o.sparsity > o.sketch_dim)
           throw ParameterError("sparsity", "s = " + std::to_string(o.sparsity) + " must not exceed --sketch-dim " +
                                                std::to_string(o.sketch_dim) + " (k measurements recover at most k entries)");
       }},
      {"chunks", true, "c: theta is split into c chunks, each with k/c measurements and sparsity s/c",
       [](const TrainOptions& o) { return nlohmann::json(o.chunks); },
       [](TrainOptions& o, const nlohmann::json& j) { o.chunks = int_of(j, "chunks"); },
       [](const TrainOptions& o) {
         positive(o.chunks > 0, "chunks", std::to_string(o.chunks));
         if (o.chunks > o.sparsity)
           throw ParameterError("chunks", std::to_string(o.chunks) + " chunks need --sparsity >= " +
                                              std::to_string(o.chunks) + " (one entry per chunk at least)");
       }},
      {"rho", false, "cubic regularisation rho of the model g.D + D.H D/2 + rho/6 |D|^3 (scrn 1e-3, scrn-zo 1)",
       [](const TrainOptions& o) { return nlohmann::json(o.rho); },
       [](TrainOptions& o, const nlohmann::json& j) { o.rho = real_of(j, "rho"); },
       [](const TrainOptions& o) { positive(o.rho > 0 && std::isfinite(o.rho), "rho", format_number(o.rho)); }},
      {"batch_size", true, "rows per mini-batch of gradients and Hessian-vector products (0: all rows)",
       [](const TrainOptions& o) { return nlohmann::json(o.batch_size); },
       [](TrainOptions& o, const nlohmann::json& j) { o.batch_size = integer_of(j, "batch_size"); },
       [](const TrainOptions& o) {
         if (o.batch_size < 0)
           throw ParameterError("batch_size", "must be >= 0 (0: all rows), got " + std::to_string(o.batch_size));
       }},
      {"cubic_iters", true, "gradient steps on the cubic model per iteration",
       [](const TrainOptions& o) { return nlohmann::json(o.cubic_iters); },
       [](TrainOptions& o, const nlohmann::json& j) { o.cubic_iters = int_of(j, "cubic_iters"); },
       [](const TrainOptions& o) {
         positive(o.cubic_iters > 0, "cubic_iters", std::to_string(o.cubic_iters));
         if (o.cubic_iters > kMaxIterations)
           throw ParameterError("cubic_iters", "must be at most " + std::to_string(kMaxIterations) + ", got " +
                                                   std::to_string(o.cubic_iters));
       }},
      {"epsilon", false, "target gradient norm: stop when the cubic model decreases by less than sqrt(eps^3/rho)/100",
       [](const TrainOptions& o) { return nlohmann::json(o.epsilon); },
       [](TrainOptions& o, const nlohmann::json& j) { o.epsilon = real_of(j, "epsilon"); },
       [](const TrainOptions& o) { positive(o.epsilon > 0 && std::isfinite(o.epsilon), "epsilon", format_number(o.epsilon)); }},
      {"smoothing", false, "Gaussian smoothing radius mu of the zeroth-order estimates",
       [](const TrainOptions& o) { return nlohmann::json(o.smoothing); },
       [](TrainOptions& o, const nlohmann::json& j) { o.smoothing = real_of(j, "smoothing"); },
       [](const TrainOptions& o) {
         positive(o.smoothing > 0 && std::isfinite(o.smoothing), "smoothing", format_number(o.smoothing));
       }},
      {"directions", true, "Gaussian directions per zeroth-order gradient or Hessian estimate",
       [](const TrainOptions& o) { return nlohmann::json(o.directions); },
       [](TrainOptions& o, const nlohmann::json& j) { o.directions = int_of(j, "directions"); },
       [](const TrainOptions& o) { positive(o.directions > 0, "directions", std::to_string(o.directions)); }},
  };
  return table;
}

const OptimizerParamDef* find_optimizer_param(std::string_view name) {
  for (const OptimizerParamDef& p : optimizer_params())
    if (p.name == name) return &p;
  return nullptr;
}

bool OptimizerDef::reads(std::string_view param) const {
  for (std::string_view p : params)
    if (p == param) return true;
  return false;
}

nlohmann::json optimizer_params_to_json(const TrainOptions& opt) {
  nlohmann::json j = nlohmann::json::object();
  if (opt.optimizer)
    for (std::string_view p : opt.optimizer->params) j[std::string(p)] = find_optimizer_param(p)->get(opt);
  return j;
}

void optimizer_params_from_json(TrainOptions& opt, const nlohmann::json& j) {
  if (!j.is_object()) throw ParameterError("optimizer_params", "expected an object, got " + j.dump());
  for (const auto& item : j.items()) {
    const OptimizerParamDef* p = find_optimizer_param(item.key());
    if (!p) {
      std::string known;
      for (const OptimizerParamDef& q : optimizer_params()) known += (known.empty() ? "" : ", ") + std::string(q.name);
      throw ArgumentError("unknown optimizer parameter '" + printable(item.key()) + "' (known: " + known + ")");
    }
    p->set(opt, item.value());
  }
}

}  // namespace sgc
