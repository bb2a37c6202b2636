#include "sgc/model/train.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "sgc/error.h"
#include "sgc/gpu/device.h"
#include "sgc/gpu/gpu_operator.h"
#include "sgc/model/softmax_hvp.h"
#include "sgc/util/interrupt.h"
#include "sgc/util/progress.h"

namespace sgc {

namespace {
constexpr double kMaxLossOverUniform = 100;

// Divergence is an error, not a result.
[[noreturn]] void diverged(const TrainOptions& opt, int evaluation, double loss, double max_weight = -1) {
  char weights[64] = "";
  if (max_weight >= 0) std::snprintf(weights, sizeof weights, ", largest weight %g", max_weight);
  // The step's own knob: the learning rate, or the cubic term's weight rho
  // (larger: shorter steps); L-BFGS chooses its steps.
  const OptimizerDef& o = *opt.optimizer;
  char setting[96], advice[96];
  if (o.uses_lr) {
    std::snprintf(setting, sizeof setting, "lr %g, ", opt.lr);
    std::snprintf(advice, sizeof advice, "lower --lr or --weight-decay");
  } else if (o.reads("rho")) {
    std::snprintf(setting, sizeof setting, "rho %g, ", opt.rho);
    std::snprintf(advice, sizeof advice, "raise --rho (shorter steps; docs/optimizers.md) or lower --weight-decay");
  } else {
    setting[0] = '\0';
    std::snprintf(advice, sizeof advice, "lower --weight-decay");
  }
  char buf[560];
  std::snprintf(buf, sizeof buf,
                "training diverged: the loss became %g at evaluation %d%s (%s, %sweight decay %g); %s, or check the "
                "features' scale (normalisations without self-loops, such as lap or no_norm, grow the features with K)",
                loss, evaluation, weights, std::string(o.name).c_str(), setting, opt.weight_decay, advice);
  throw TrainingDiverged(buf);
}
}  // namespace

Problem softmax_problem(int64_t dim, int32_t classes, FeatureRows x, const std::vector<int32_t>& y,
                        std::shared_ptr<int64_t> rows_read) {
  auto probe = std::make_shared<SoftmaxModel>(dim, classes);
  if (!rows_read) rows_read = std::make_shared<int64_t>(0);
  const int64_t n = x.rows();
  auto rows_of = [n](const std::vector<int64_t>& idx) { return idx.empty() ? n : int64_t(idx.size()); };
  Problem p;
  p.rows = n;
  p.full = [probe, x, &y, rows_read, n](const Eigen::VectorXf& theta, Eigen::VectorXf& grad) {
    check_interrupt();
    probe->theta = theta;
    *rows_read += n;
    return softmax_loss_grad(*probe, x, y, grad);
  };
  p.batch = [probe, x, &y, rows_read, rows_of](const Eigen::VectorXf& theta, const std::vector<int64_t>& idx,
                                               Eigen::VectorXf* grad) {
    check_interrupt();
    probe->theta = theta;
    *rows_read += rows_of(idx);
    return softmax_loss_rows(*probe, x, y, idx, grad);
  };
  p.hvp = [probe, x, &y, rows_read, rows_of](const Eigen::VectorXf& theta, const std::vector<int64_t>& idx,
                                             const Eigen::VectorXf& v, Eigen::VectorXf& hv) {
    check_interrupt();
    probe->theta = theta;
    *rows_read += rows_of(idx);
    softmax_hvp(*probe, x, y, idx, v, hv);
  };
  return p;
}

TrainOutcome train_softmax(FeatureRows x, const std::vector<int32_t>& y, int32_t classes, const TrainOptions& opt,
                           bool bias, const DeviceSlice* x_on_device) {
  validate_train_options(opt);
  TrainOutcome out{init_softmax(x.cols(), classes, opt.seed)};
  // The intercept's entries of theta (its tail), zeroed when it is not fitted.
  const Eigen::Index b0 = x.cols() * classes;
  auto no_bias = [&](Eigen::VectorXf& v) {
    if (!bias && v.size() > b0) v.tail(v.size() - b0).setZero();
  };
  no_bias(out.model.theta);
  SoftmaxModel probe = out.model;  // trial points of a line search are evaluated here
  int evaluations = 0;
  auto rows_read = std::make_shared<int64_t>(0);
  // Row subsets and Hessian-vector products for the optimizers that sample; the
  // full-batch objective below is the one every optimizer shares.
  Problem problem = softmax_problem(x.cols(), classes, x, y, rows_read);
  const Problem rows_only = problem;
  // On the GPU the full-batch objective keeps x and y in device memory; row
  // subsets and Hessian-vector products (scrn, scrn-zo) stay on the host.
  std::unique_ptr<cuda::SoftmaxObjective> on_gpu;
  if (current_device() == Device::Cuda) on_gpu = softmax_objective_on_gpu(x, y, classes, x_on_device);
  problem.batch = [&](const Eigen::VectorXf& theta, const std::vector<int64_t>& idx, Eigen::VectorXf* grad) {
    ++evaluations;
    const double loss = rows_only.batch(theta, idx, grad);
    if (grad) no_bias(*grad);
    if (!std::isfinite(loss)) diverged(opt, evaluations, loss);
    return loss;
  };
  if (!bias)
    problem.hvp = [&](const Eigen::VectorXf& theta, const std::vector<int64_t>& idx, const Eigen::VectorXf& v,
                      Eigen::VectorXf& hv) {
      rows_only.hvp(theta, idx, v, hv);
      no_bias(hv);
    };
  problem.full = [&](const Eigen::VectorXf& theta, Eigen::VectorXf& grad) {
    ++evaluations;
    check_interrupt();
    double loss;
    if (on_gpu) {
      grad.resize(theta.size());
      loss = on_gpu->loss_grad(theta.data(), grad.data());
    } else if (&theta == &out.model.theta) {
      loss = softmax_loss_grad(out.model, x, y, grad);
    } else {
      probe.theta = theta;
      loss = softmax_loss_grad(probe, x, y, grad);
    }
    *rows_read += x.rows();
    no_bias(grad);
    if (!std::isfinite(loss)) diverged(opt, evaluations, loss);
    return loss;
  };
  // Every step or iteration advances the "train" stage (util/progress.h).
  ProgressStage progress("train", opt.epochs, "iterations");
  TrainOptions steps = opt;
  steps.on_step = [&](int step, double loss) {
    progress.set(step);
    if (opt.on_step) opt.on_step(step, loss);
  };
  const MinimizeResult r = minimize(out.model.theta, problem, steps);
  no_bias(out.model.theta);  // a guard for updates that are not coordinate-wise (sgc-compressed's recovery)
  // A finite loss far above a uniform guess's (ln C) is divergence too: the
  // steps could not follow the features' scale (lap or no_norm at depth). So
  // are weights so large that every probability saturates (a step size far
  // too large can still end at a zero training loss).
  const double uniform_loss = std::log(double(classes));
  if (!std::isfinite(r.final_loss) || !out.model.theta.allFinite() ||
      r.final_loss > kMaxLossOverUniform * uniform_loss || out.model.theta.cwiseAbs().maxCoeff() > kMaxWeight)
    diverged(opt, evaluations, r.final_loss, double(out.model.theta.cwiseAbs().maxCoeff()));
  out.final_loss = r.final_loss;
  out.evaluations = r.evaluations;
  out.passes = double(*rows_read) / double(x.rows());
  return out;
}

}  // namespace sgc
