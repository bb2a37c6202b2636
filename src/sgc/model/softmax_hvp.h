// Row subsets and curvature of the softmax regression (softmax_regression.h),
// for optimizers that sample mini-batches or use Hessian-vector products.
//
// With logits z_i = W^T x_i + b, probabilities p_i = softmax(z_i) and the mean
// loss L = (1/n) sum_i -log p_i[y_i] over the n rows of a batch, the Hessian
// in the logits of row i is diag(p_i) - p_i p_i^T, so for a direction
// v = [V (d x c), v_b (c)]:
//   dz_i  = V^T x_i + v_b                       (the logits' change along v)
//   r_i   = p_i * dz_i - p_i (p_i . dz_i)       (elementwise product)
//   H v   = [ (1/n) sum_i x_i r_i^T ,  (1/n) sum_i r_i ]
// exactly, at the cost of three products with the batch's features (z_i is
// recomputed for every v: one more than a gradient). The Hessian is positive
// semi-definite (the loss is convex).
#pragma once

#include <cstdint>
#include <vector>

#include "sgc/model/softmax_regression.h"

namespace sgc {

// Mean cross-entropy over the rows `rows` of x (all rows when empty) and,
// unless grad is null, its gradient. The same blocks and order as
// softmax_loss_grad, so the result does not depend on the thread count.
double softmax_loss_rows(const SoftmaxModel& m, FeatureRows x, const std::vector<int32_t>& y,
                         const std::vector<int64_t>& rows, Eigen::VectorXf* grad);

// hv = H v, H the Hessian of the mean cross-entropy over `rows` (all when empty) at m.theta.
void softmax_hvp(const SoftmaxModel& m, FeatureRows x, const std::vector<int32_t>& y,
                 const std::vector<int64_t>& rows, const Eigen::VectorXf& v, Eigen::VectorXf& hv);

}  // namespace sgc
