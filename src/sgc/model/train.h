// Full-batch training of the softmax regression on propagated features, with
// any optimizer of the registry (optimizer.h).
#pragma once

#include <cstdint>
#include <vector>

#include "sgc/dense.h"
#include "sgc/model/optimizer.h"
#include "sgc/model/softmax_regression.h"

namespace sgc {

struct TrainOutcome {
  SoftmaxModel model;
  double final_loss = 0;  // training cross-entropy: before the last Adam step, after L-BFGS
  int evaluations = 0;    // loss and gradient evaluations
};

// Trains with opt.optimizer from torch.nn.Linear's initialisation.
TrainOutcome train_softmax(FeatureRows x, const std::vector<int32_t>& y, int32_t classes, const TrainOptions& opt);

}  // namespace sgc
