// The optimizer registry (optimizer.h). To add an optimizer: a file with its
// OptimizerDef and one line in the list below.
#include <cmath>

#include "sgc/error.h"
#include "sgc/model/optimizer.h"
#include "sgc/util/named.h"

namespace sgc {

// Each defined in the optimizer's own file.
const OptimizerDef& adam_optimizer();
const OptimizerDef& lbfgs_optimizer();
const OptimizerDef& sgc_compressed_optimizer();
const OptimizerDef& scrn_optimizer();
const OptimizerDef& scrn_zo_optimizer();

const std::vector<const OptimizerDef*>& optimizers() {
  static const std::vector<const OptimizerDef*> table{&adam_optimizer(), &lbfgs_optimizer(),
                                                        &sgc_compressed_optimizer(), &scrn_optimizer(),
                                                        &scrn_zo_optimizer()};
  return table;
}

const OptimizerDef& default_optimizer() { return adam_optimizer(); }

void use_optimizer(TrainOptions& o, const OptimizerDef& def) {
  o.optimizer = &def;
  if (def.defaults) def.defaults(o);
}

const OptimizerDef& find_optimizer(std::string_view name) {
  return find_named(optimizers(), name, "--optimizer", "optimizer");
}

void validate_train_options(const TrainOptions& opt) {
  if (!opt.optimizer) throw ParameterError("optimizer", "no optimizer");
  if (opt.epochs <= 0) throw ParameterError("epochs", "must be positive, got " + std::to_string(opt.epochs));
  if (opt.epochs > kMaxIterations)
    throw ParameterError("epochs", "must be at most " + std::to_string(kMaxIterations) + ", got " +
                                       std::to_string(opt.epochs));
  if (!(opt.lr > 0) || !std::isfinite(opt.lr)) throw ParameterError("lr", "must be a positive number");
  if (!(opt.weight_decay >= 0) || !std::isfinite(opt.weight_decay))
    throw ParameterError("weight_decay", "must be a non-negative number");
  for (const OptimizerParamDef& p : optimizer_params()) p.check(opt);
}

MinimizeResult minimize(Eigen::VectorXf& theta, const Problem& p, const TrainOptions& opt) {
  if (opt.optimizer->minimize_problem) return opt.optimizer->minimize_problem(theta, p, opt);
  return opt.optimizer->minimize(theta, p.full, opt);
}

}  // namespace sgc
