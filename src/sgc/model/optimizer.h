// The optimizer registry: how a model's parameters are fitted. Every
// optimizer minimises a loss given as an Objective (value and gradient at a
// point) for opt.epochs steps or iterations, applying the weight decay its
// own way. Each is one entry, defined in its own file (adam.cc, lbfgs.cc,
// sgc_compressed.cc, scrn.cc, scrn_zo.cc); to add one: a file with its
// OptimizerDef and one line in optimizers.cc. Optimizers that sample rows or
// use curvature take a Problem (the Objective plus mini-batch and
// Hessian-vector callbacks); their own parameters are fields of TrainOptions
// described once in optimizer_params() (flags, JSON, Python read that table).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

namespace sgc {

struct OptimizerDef;
const OptimizerDef& default_optimizer();  // Adam

// The most epochs (steps, iterations) of a training run, cubic-model steps
// of an iteration, or trials of a search one run may ask for: a larger count
// is a typo that would run for months, refused by name before any work.
inline constexpr int kMaxIterations = 10'000'000;

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

  // Parameters of particular optimizers (see optimizer_params() for their meaning and domains).
  int64_t sketch_dim = 16384;  // sgc-compressed: k, length of the compressed moments
  int64_t sparsity = 1024;     // sgc-compressed: s, gradient entries kept and the recovery's sparsity
  int chunks = 1;              // sgc-compressed: c, independent chunks of theta
  double rho = 1e-3;           // scrn, scrn-zo: cubic regularisation rho
  int64_t batch_size = 0;      // scrn, scrn-zo: rows per mini-batch (0: all rows)
  int cubic_iters = 50;        // scrn, scrn-zo: gradient steps on the cubic model
  double epsilon = 1e-4;       // scrn, scrn-zo: target gradient norm (stopping rule)
  double smoothing = 1e-3;     // scrn-zo: Gaussian smoothing radius mu
  int directions = 32;         // scrn-zo: Gaussian directions per estimate
};

// A loss that is a mean over rows, for optimizers that sample mini-batches or
// use curvature. Row sets are lists of row ids; an empty list means every row.
struct Problem {
  Objective full;    // the full-batch data loss and gradient
  int64_t rows = 0;  // rows of the data (0: the callbacks below see the whole data only)
  // Mean data loss over `idx`; its gradient into *grad unless grad is null.
  std::function<double(const Eigen::VectorXf& theta, const std::vector<int64_t>& idx, Eigen::VectorXf* grad)> batch;
  // H v, H the Hessian of the mean data loss over `idx` at theta.
  std::function<void(const Eigen::VectorXf& theta, const std::vector<int64_t>& idx, const Eigen::VectorXf& v,
                     Eigen::VectorXf& hv)>
      hvp;
};

struct MinimizeResult {
  double final_loss = 0;  // data loss: before the last Adam step, at the end for L-BFGS
  int evaluations = 0;    // loss and gradient evaluations
  int steps = 0;          // updates made (0: not counted; optimizers that stop early count them)
};

struct OptimizerDef {
  std::string_view name;
  std::string_view help;
  bool uses_lr = true;  // whether --lr means anything to it
  MinimizeResult (*minimize)(Eigen::VectorXf& theta, const Objective& f, const TrainOptions& opt) = nullptr;
  // Parameters of optimizer_params() it reads (besides lr, epochs, weight_decay, seed).
  std::vector<std::string_view> params = {};
  // Optimizers that sample rows or use Hessian-vector products; null: minimize(theta, problem.full, opt).
  MinimizeResult (*minimize_problem)(Eigen::VectorXf& theta, const Problem& p, const TrainOptions& opt) = nullptr;
  // Its own defaults of parameters it shares with others (scrn-zo's rho); null: TrainOptions'.
  void (*defaults)(TrainOptions&) = nullptr;

  bool reads(std::string_view param) const;
};

// Chooses `def` for o, with its defaults (before any parameter given for it is set).
void use_optimizer(TrainOptions& o, const OptimizerDef& def);

// Runs opt.optimizer on a Problem (minimize_problem when it has one, else minimize on p.full).
MinimizeResult minimize(Eigen::VectorXf& theta, const Problem& p, const TrainOptions& opt);

// A parameter of particular optimizers: its one description, from which the
// command-line flags (--name with dashes), JSON fields and Python keywords come.
struct OptimizerParamDef {
  std::string_view name;
  bool integer = false;
  std::string_view help;
  nlohmann::json (*get)(const TrainOptions&);
  void (*set)(TrainOptions&, const nlohmann::json&);  // ParameterError on a value of the wrong type
  void (*check)(const TrainOptions&);                  // ParameterError outside its domain
};
const std::vector<OptimizerParamDef>& optimizer_params();
const OptimizerParamDef* find_optimizer_param(std::string_view name);
// {name: value} of the parameters opt.optimizer reads (empty for adam and lbfgs).
nlohmann::json optimizer_params_to_json(const TrainOptions& opt);
// Sets the parameters of an object {name: value}; ArgumentError naming an unknown one.
void optimizer_params_from_json(TrainOptions& opt, const nlohmann::json& j);

// Every optimizer, in registry order.
const std::vector<const OptimizerDef*>& optimizers();
// The optimizer called `name`; ArgumentError listing the known ones otherwise.
const OptimizerDef& find_optimizer(std::string_view name);

// Checks the options' domains; throws sgc::ArgumentError naming the flag.
void validate_train_options(const TrainOptions& opt);

}  // namespace sgc
