#include "sgc/model/train.h"

namespace sgc {

TrainOutcome train_softmax(FeatureRows x, const std::vector<int32_t>& y, int32_t classes, const TrainOptions& opt) {
  validate_train_options(opt);
  TrainOutcome out{init_softmax(x.cols(), classes, opt.seed)};
  SoftmaxModel probe = out.model;  // trial points of a line search are evaluated here
  const MinimizeResult r = opt.optimizer->minimize(
      out.model.theta,
      [&](const Eigen::VectorXf& theta, Eigen::VectorXf& grad) {
        if (&theta == &out.model.theta) return softmax_loss_grad(out.model, x, y, grad);
        probe.theta = theta;
        return softmax_loss_grad(probe, x, y, grad);
      },
      opt);
  out.final_loss = r.final_loss;
  out.evaluations = r.evaluations;
  return out;
}

}  // namespace sgc
