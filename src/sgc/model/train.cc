#include "sgc/model/train.h"

#include <cmath>

#include "sgc/error.h"
#include "sgc/model/adam.h"
#include "sgc/model/lbfgs.h"

namespace sgc {

void validate_train_options(const TrainOptions& opt) {
  if (opt.optimizer != "adam" && opt.optimizer != "lbfgs")
    throw ArgumentError("--optimizer: unknown optimizer '" + opt.optimizer + "' (expected adam or lbfgs)");
  if (opt.epochs <= 0) throw ArgumentError("--epochs: must be positive, got " + std::to_string(opt.epochs));
  if (!(opt.lr > 0) || !std::isfinite(opt.lr)) throw ArgumentError("--lr: must be a positive number");
  if (!(opt.weight_decay >= 0) || !std::isfinite(opt.weight_decay))
    throw ArgumentError("--weight-decay: must be a non-negative number");
}

TrainOutcome train_softmax_adam(FeatureRows x, const std::vector<int32_t>& y, int32_t classes,
                                const TrainOptions& opt) {
  validate_train_options(opt);
  TrainOutcome out{init_softmax(x.cols(), classes, opt.seed), 0.0};
  Adam adam(out.model.theta.size(), {opt.lr, 0.9, 0.999, 1e-8, opt.weight_decay});
  Eigen::VectorXf grad;
  for (int epoch = 0; epoch < opt.epochs; ++epoch) {
    out.final_loss = softmax_loss_grad(out.model, x, y, grad);
    adam.step(out.model.theta, grad);
    if (opt.on_step) opt.on_step(epoch + 1, out.final_loss);
  }
  out.evaluations = opt.epochs;
  return out;
}

TrainOutcome train_softmax_lbfgs(FeatureRows x, const std::vector<int32_t>& y, int32_t classes,
                                 const TrainOptions& opt) {
  validate_train_options(opt);
  TrainOutcome out{init_softmax(x.cols(), classes, opt.seed), 0.0};
  const float wd = float(opt.weight_decay);
  SoftmaxModel probe = out.model;
  LbfgsOptions lo;
  lo.max_iter = opt.epochs;
  lo.on_iteration = opt.on_step;
  const LbfgsResult r = lbfgs_minimize(out.model.theta, [&](const Eigen::VectorXf& theta, Eigen::VectorXf& grad) {
    probe.theta = theta;
    const double ce = softmax_loss_grad(probe, x, y, grad);
    if (wd != 0) grad += wd * theta;
    return ce + 0.5 * double(wd) * double(theta.squaredNorm());
  }, lo);
  out.evaluations = r.evaluations;
  if (wd == 0) {
    out.final_loss = r.loss;  // the objective is the cross-entropy
  } else {
    Eigen::VectorXf grad;
    out.final_loss = softmax_loss_grad(out.model, x, y, grad);
  }
  return out;
}

TrainOutcome train_softmax(FeatureRows x, const std::vector<int32_t>& y, int32_t classes, const TrainOptions& opt) {
  validate_train_options(opt);
  return opt.optimizer == "lbfgs" ? train_softmax_lbfgs(x, y, classes, opt) : train_softmax_adam(x, y, classes, opt);
}

}  // namespace sgc
