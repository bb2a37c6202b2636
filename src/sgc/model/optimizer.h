// The optimizer registry: how a model's parameters are fitted. Every
// optimizer minimises a loss given as an Objective (value and gradient at a
// point) for opt.epochs steps or iterations, applying the weight decay its
// own way. Each is one entry, defined in its own file (adam.cc, lbfgs.cc);
// to add one: a file with its OptimizerDef and one line in optimizers.cc.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Dense>

namespace sgc {

struct OptimizerDef;
const OptimizerDef& default_optimizer();  // Adam

// f(theta, grad) returns the data loss at theta (no weight decay) and writes its gradient into grad.
using Objective = std::function<double(const Eigen::VectorXf& theta, Eigen::VectorXf& grad)>;

struct TrainOptions {
  const OptimizerDef* optimizer = &default_optimizer();
  double lr = 0.2;            // step size (optimizers that have one)
  int epochs = 100;           // steps, or quasi-Newton iterations
  double weight_decay = 0.0;  // L2: adds weight_decay * theta to the gradient
  uint64_t seed = 42;         // weight initialisation
  // Called after every step (Adam: with the loss before it) or iteration
  // (L-BFGS: with the loss after it); for progress reports and benchmarks. May be empty.
  std::function<void(int step, double loss)> on_step;
};

struct MinimizeResult {
  double final_loss = 0;  // data loss: before the last Adam step, at the end for L-BFGS
  int evaluations = 0;    // loss and gradient evaluations
};

struct OptimizerDef {
  std::string_view name;
  std::string_view help;
  bool uses_lr = true;  // whether --lr means anything to it
  MinimizeResult (*minimize)(Eigen::VectorXf& theta, const Objective& f, const TrainOptions& opt) = nullptr;
};

// Every optimizer, in registry order.
const std::vector<const OptimizerDef*>& optimizers();
// The optimizer called `name`; ArgumentError listing the known ones otherwise.
const OptimizerDef& find_optimizer(std::string_view name);
std::string optimizer_list();

// Checks the options' domains; throws sgc::ArgumentError naming the flag.
void validate_train_options(const TrainOptions& opt);

}  // namespace sgc
