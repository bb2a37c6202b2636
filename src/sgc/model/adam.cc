// Adam as a registry entry (optimizer.h); the update itself is adam.h.
#include "sgc/model/adam.h"

#include "sgc/model/optimizer.h"

namespace sgc {

namespace {
MinimizeResult adam_minimize(Eigen::VectorXf& theta, const Objective& f, const TrainOptions& opt) {
  Adam adam(theta.size(), {opt.lr, 0.9, 0.999, 1e-8, opt.weight_decay});
  Eigen::VectorXf grad;
  MinimizeResult r;
  for (int epoch = 0; epoch < opt.epochs; ++epoch) {
    r.final_loss = f(theta, grad);
    adam.step(theta, grad);
    if (opt.on_step) opt.on_step(epoch + 1, r.final_loss);
  }
  r.evaluations = opt.epochs;
  return r;
}
}  // namespace

const OptimizerDef& adam_optimizer() {
  static const OptimizerDef def{"adam", "Adam (Kingma & Ba, 2015) with PyTorch's L2 weight decay, full batch", true,
                                adam_minimize};
  return def;
}

}  // namespace sgc
