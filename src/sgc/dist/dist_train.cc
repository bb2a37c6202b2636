#include "sgc/dist/dist_train.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "sgc/error.h"
#include "sgc/util/interrupt.h"

namespace sgc::dist {

void require_distributed_optimizer(const TrainOptions& opt) {
  if (!opt.optimizer->minimize_problem) return;
  std::string supported;
  for (const OptimizerDef* o : optimizers())
    if (!o->minimize_problem) supported += (supported.empty() ? "" : ", ") + std::string(o->name);
  throw ArgumentError("--optimizer: " + std::string(opt.optimizer->name) +
                      " samples rows or uses curvature, which distributed training does not support (" + supported +
                      " do)");
}

TrainOutcome train_softmax_distributed(const Comm& comm, FeatureRows x, const std::vector<int32_t>& y,
                                       int64_t dim, int32_t classes, const TrainOptions& opt) {
  validate_train_options(opt);
  require_distributed_optimizer(opt);
  if (x.rows() > 0 && x.cols() != dim) throw ArgumentError("distributed training: feature columns differ");
  const int64_t local = x.rows(), total = comm.sum(local);
  if (total == 0) throw ArgumentError("softmax regression: no training rows");
  TrainOutcome out{init_softmax(dim, classes, opt.seed)};  // the same on every rank
  SoftmaxModel probe = out.model;
  const int64_t size = dim * classes + classes;
  std::vector<double> buf(size_t(size) + 1);
  Eigen::VectorXf g;
  int evaluations = 0;
  Objective f = [&](const Eigen::VectorXf& theta, Eigen::VectorXf& grad) {
    ++evaluations;
    check_interrupt();
    std::fill(buf.begin(), buf.end(), 0.0);
    if (local > 0) {
      probe.theta = theta;
      const double loss = softmax_loss_grad(probe, x, y, g);  // means over this rank's rows
      for (int64_t i = 0; i < size; ++i) buf[size_t(i)] = double(g[i]) * double(local);
      buf[size_t(size)] = loss * double(local);
    }
    comm.sum_in_rank_order(buf);
    grad.resize(size);
    for (int64_t i = 0; i < size; ++i) grad[i] = float(buf[size_t(i)] / double(total));
    const double loss = buf[size_t(size)] / double(total);
    if (!std::isfinite(loss)) {
      char msg[300];
      std::snprintf(msg, sizeof msg,
                    "training diverged: the loss became %g at evaluation %d (%s, lr %g, weight decay %g); lower --lr "
                    "or --weight-decay",
                    loss, evaluations, std::string(opt.optimizer->name).c_str(), opt.lr, opt.weight_decay);
      throw TrainingDiverged(msg);  // the same value on every rank: all ranks throw together
    }
    return loss;
  };
  Problem p;
  p.full = f;
  const MinimizeResult r = minimize(out.model.theta, p, opt);
  if (!std::isfinite(r.final_loss) || !out.model.theta.allFinite())
    throw TrainingDiverged("training diverged: non-finite weights; lower --lr or --weight-decay");
  out.final_loss = r.final_loss;
  out.evaluations = r.evaluations;
  out.passes = double(evaluations);
  return out;
}

SplitScore score_distributed(const Comm& comm, const std::vector<int32_t>& pred, const std::vector<int32_t>& truth,
                             int32_t classes) {
  if (pred.size() != truth.size()) throw ArgumentError("metrics: predictions and labels differ in length");
  // [rows, hits, tp per class, fp per class, fn per class]
  std::vector<int64_t> c(2 + 3 * size_t(classes), 0);
  for (size_t i = 0; i < truth.size(); ++i) {
    if (truth[i] < 0 || truth[i] >= classes || pred[i] < 0 || pred[i] >= classes)
      throw ArgumentError("metrics: class id out of range");
    ++c[0];
    if (pred[i] == truth[i]) {
      ++c[1];
      ++c[2 + size_t(truth[i])];
    } else {
      ++c[2 + size_t(classes) + size_t(pred[i])];
      ++c[2 + 2 * size_t(classes) + size_t(truth[i])];
    }
  }
  comm.sum(c);
  SplitScore s;
  s.rows = c[0];
  if (c[0] == 0) return s;  // no rows on any rank: NaN, as accuracy() (eval/metrics.h)
  s.accuracy = double(c[1]) / double(c[0]);
  double sum = 0;
  int present = 0;
  for (int32_t k = 0; k < classes; ++k) {
    const int64_t tp = c[2 + size_t(k)], fp = c[2 + size_t(classes) + size_t(k)],
                  fn = c[2 + 2 * size_t(classes) + size_t(k)];
    if (tp + fp + fn == 0) continue;
    sum += 2.0 * double(tp) / double(2 * tp + fp + fn);
    ++present;
  }
  s.macro_f1 = present ? sum / present : 0.0;
  return s;
}

}  // namespace sgc::dist
