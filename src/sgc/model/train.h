// Full-batch training of the softmax regression on propagated features.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sgc/dense.h"
#include "sgc/model/softmax_regression.h"

namespace sgc {

struct TrainOptions {
  std::string optimizer = "adam";  // "adam" | "lbfgs"
  double lr = 0.2;                 // Adam only
  int epochs = 100;                // Adam steps, or L-BFGS iterations
  double weight_decay = 0.0;       // L2: adds weight_decay * theta to the gradient
  uint64_t seed = 42;
  // Called after every Adam step (with the loss before it) or L-BFGS iteration
  // (with the loss after it); for progress reports and benchmarks. May be empty.
  std::function<void(int step, double loss)> on_step;
};

struct TrainOutcome {
  SoftmaxModel model;
  double final_loss = 0;  // training cross-entropy: before the last Adam step, after L-BFGS
  int evaluations = 0;    // loss and gradient evaluations
};

// Trains with opt.optimizer from torch.nn.Linear's initialisation.
TrainOutcome train_softmax(FeatureRows x, const std::vector<int32_t>& y, int32_t classes, const TrainOptions& opt);

// L-BFGS with a strong-Wolfe line search on mean cross-entropy + wd/2 |theta|^2
// (the same gradient as Adam's L2 weight decay), `epochs` iterations.
TrainOutcome train_softmax_lbfgs(FeatureRows x, const std::vector<int32_t>& y, int32_t classes,
                                 const TrainOptions& opt);

// Adam, full batch, `epochs` steps from torch.nn.Linear's initialisation.
TrainOutcome train_softmax_adam(FeatureRows x, const std::vector<int32_t>& y, int32_t classes,
                                const TrainOptions& opt);

// Checks the options' domains; throws sgc::ArgumentError naming the flag.
void validate_train_options(const TrainOptions& opt);

}  // namespace sgc
