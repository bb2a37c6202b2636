#include "sgc/model/train.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "sgc/error.h"
#include "sgc/util/interrupt.h"

namespace sgc {

namespace {
// Divergence is an error, not a result.
[[noreturn]] void diverged(const TrainOptions& opt, int evaluation, double loss) {
  char buf[400];
  std::snprintf(buf, sizeof buf,
                "training diverged: the loss became %g at evaluation %d (%s, lr %g, weight decay %g); lower --lr or "
                "--weight-decay, or check the features' scale (normalisations without self-loops, such as lap or "
                "no_norm, grow the features with K)",
                loss, evaluation, std::string(opt.optimizer->name).c_str(), opt.lr, opt.weight_decay);
  throw Error(buf);
}
}  // namespace

TrainOutcome train_softmax(FeatureRows x, const std::vector<int32_t>& y, int32_t classes, const TrainOptions& opt) {
  validate_train_options(opt);
  TrainOutcome out{init_softmax(x.cols(), classes, opt.seed)};
  SoftmaxModel probe = out.model;  // trial points of a line search are evaluated here
  int evaluations = 0;
  const MinimizeResult r = opt.optimizer->minimize(
      out.model.theta,
      [&](const Eigen::VectorXf& theta, Eigen::VectorXf& grad) {
        ++evaluations;
        check_interrupt();
        double loss;
        if (&theta == &out.model.theta) {
          loss = softmax_loss_grad(out.model, x, y, grad);
        } else {
          probe.theta = theta;
          loss = softmax_loss_grad(probe, x, y, grad);
        }
        if (!std::isfinite(loss)) diverged(opt, evaluations, loss);
        return loss;
      },
      opt);
  if (!std::isfinite(r.final_loss) || !out.model.theta.allFinite()) diverged(opt, evaluations, r.final_loss);
  out.final_loss = r.final_loss;
  out.evaluations = r.evaluations;
  return out;
}

}  // namespace sgc
