// Training of the softmax regression on propagated features, with any
// optimizer of the registry (optimizer.h): full batch, or mini-batches and
// Hessian-vector products for the optimizers that take a Problem.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sgc/dense.h"
#include "sgc/error.h"
#include "sgc/model/optimizer.h"
#include "sgc/model/softmax_regression.h"

namespace sgc {

struct DeviceSlice;  // gpu/gpu_operator.h

// Training left float's range (the loss, the weights). what() says how and
// what to change; a model that knows its data set puts the name first.
class TrainingDiverged : public Error {
 public:
  using Error::Error;
  // "<data set>: <message>" (the message alone for a data set without a name).
  TrainingDiverged(const std::string& data_set, const std::string& message)
      : Error(data_set.empty() ? message : data_set + ": " + message) {}
};

// The largest weight magnitude a trained softmax regression may hold: beyond
// it every probability saturates, and training reports divergence. A saved
// model's weights are held to the same limit.
inline constexpr float kMaxWeight = 1e20f;

struct TrainOutcome {
  SoftmaxModel model;
  double final_loss = 0;  // training cross-entropy: before the last Adam step, after L-BFGS
  int evaluations = 0;    // loss and gradient evaluations
  double passes = 0;      // rows read by the loss, gradient and Hessian-vector evaluations / training rows
};

// The mean cross-entropy of a dim x classes softmax regression on (x, y) as
// a Problem: full-batch objective, row subsets and exact Hessian-vector
// products (softmax_hvp.h). x and y must outlive it; rows_read (if given)
// adds the rows each callback reads.
Problem softmax_problem(int64_t dim, int32_t classes, FeatureRows x, const std::vector<int32_t>& y,
                        std::shared_ptr<int64_t> rows_read = nullptr);

// Trains with opt.optimizer from torch.nn.Linear's initialisation. Without
// `bias` the intercept is held at 0 (torch's Linear(bias=False)): it starts
// at 0 and its gradient and Hessian-vector entries are zeroed, so no
// optimizer moves it. With --device cuda the full-batch objective runs on
// the GPU, on `x_on_device` (x's rows already in GPU memory) when given, else
// on x uploaded once.
TrainOutcome train_softmax(FeatureRows x, const std::vector<int32_t>& y, int32_t classes, const TrainOptions& opt,
                           bool bias = true, const DeviceSlice* x_on_device = nullptr);

}  // namespace sgc
