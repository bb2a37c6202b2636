// Softmax (multinomial logistic) regression, SGC's classifier:
//   p(y | f) = softmax(f W + b),  loss = mean over rows of -log p(y_i | f_i).
// The parameters live in one flat vector theta = [W (d x c, row-major), b (c)]
// so optimizers (Adam, L-BFGS) work on plain vectors.
// The products f W and f^T (P - Y) and the softmax between them run in the
// dispatched kernels (ops/kernels/kernel_table.h: head_logits, head_softmax,
// head_add_outer; register-tiled as a GEMM's micro-kernels), so the portable
// build uses the CPU's widest vectors here too.
#pragma once

#include <cstdint>
#include <vector>

#include "sgc/dense.h"

namespace sgc {

struct SoftmaxModel {
  int64_t dim = 0;
  int32_t classes = 0;
  Eigen::VectorXf theta;

  SoftmaxModel() = default;
  SoftmaxModel(int64_t d, int32_t c) : dim(d), classes(c), theta(Eigen::VectorXf::Zero(d * c + c)) {}
  Eigen::Map<const DenseMatrix> weight() const { return {theta.data(), dim, classes}; }
  Eigen::Map<const Eigen::RowVectorXf> bias() const { return {theta.data() + dim * classes, classes}; }
};

// torch.nn.Linear's default initialisation: W and b uniform in +-1/sqrt(d).
SoftmaxModel init_softmax(int64_t dim, int32_t classes, uint64_t seed);

// Feature rows as a view: a whole matrix or a block of consecutive rows.
using FeatureRows = Eigen::Ref<const DenseMatrix>;

// Mean cross-entropy over the rows of x (labels y, each in [0, classes)) and its
// gradient with respect to theta, written into grad (resized). Rows are
// processed in fixed blocks whose partial gradients are summed in block order,
// so the result does not depend on the thread count.
double softmax_loss_grad(const SoftmaxModel& m, FeatureRows x, const std::vector<int32_t>& y,
                         Eigen::VectorXf& grad);

// The head kernels' layout (kernel_table.h): W feature-major with the class
// count padded to head_columns(c), a multiple of kernels::kHeadPad. The copy
// writes a d x c row-major matrix into rows of ld floats, columns [0, c).
Eigen::Index head_columns(Eigen::Index c);
void copy_to_head_layout(const float* w, Eigen::Index d, Eigen::Index c, float* out, Eigen::Index ld);

// Logits f W + b for every row of x.
DenseMatrix softmax_logits(const SoftmaxModel& m, FeatureRows x);

// Class with the highest logit per row (ties -> lowest class id).
std::vector<int32_t> softmax_predict(const SoftmaxModel& m, FeatureRows x);
// The highest logit of each row (ties: the lowest class).
std::vector<int32_t> predict_from_logits(const DenseMatrix& z);

}  // namespace sgc
