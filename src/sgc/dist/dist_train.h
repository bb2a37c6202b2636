// Training and evaluation with the rows split over ranks.
//
// The loss is the mean cross-entropy over all training rows, of every rank:
// each rank computes the sum of its rows' losses and gradients (the same
// blocked kernel as one process, softmax_regression.h), the sums are added in
// rank order in double (Comm::sum_in_rank_order) and divided by the total row
// count. Every rank thus sees the same loss and gradient at the same point,
// and Adam and L-BFGS (its line search included) take the same steps on
// every rank from the same seeded start. Evaluation adds the per-class
// counts (hits, false positives, false negatives) over ranks.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "sgc/dist/comm.h"
#include "sgc/model/model.h"
#include "sgc/model/train.h"

namespace sgc::dist {

// ArgumentError unless opt.optimizer runs distributed (not one that samples
// rows or uses curvature), naming those that do.
void require_distributed_optimizer(const TrainOptions& opt);

// Trains opt.optimizer on this rank's rows (x, y) together with the other
// ranks'; dim: the feature columns (every rank, also one without rows).
// Optimizers that sample rows or use curvature (Problem-based) are refused.
TrainOutcome train_softmax_distributed(const Comm& comm, FeatureRows x, const std::vector<int32_t>& y,
                                       int64_t dim, int32_t classes, const TrainOptions& opt);

// Accuracy and macro-F1 over the rows of every rank (pred, truth: this rank's).
struct SplitScore {  // NaN scores for a split without rows, as accuracy() (eval/metrics.h)
  double accuracy = std::numeric_limits<double>::quiet_NaN(), macro_f1 = std::numeric_limits<double>::quiet_NaN();
  int64_t rows = 0;
};
SplitScore score_distributed(const Comm& comm, const std::vector<int32_t>& pred, const std::vector<int32_t>& truth,
                             int32_t classes);

}  // namespace sgc::dist
