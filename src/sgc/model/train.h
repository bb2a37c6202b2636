// Full-batch training of the softmax regression on propagated features.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sgc/dense.h"
#include "sgc/model/softmax_regression.h"

namespace sgc {

struct TrainOptions {
  double lr = 0.2;
  int epochs = 100;
  double weight_decay = 0.0;
  uint64_t seed = 42;
};

struct TrainOutcome {
  SoftmaxModel model;
  double final_loss = 0;  // training loss before the last update
};

// Adam, full batch, `epochs` steps from torch.nn.Linear's initialisation.
TrainOutcome train_softmax_adam(FeatureRows x, const std::vector<int32_t>& y, int32_t classes,
                                const TrainOptions& opt);

// Checks the options' domains; throws sgc::ArgumentError naming the flag.
void validate_train_options(const TrainOptions& opt);

}  // namespace sgc
