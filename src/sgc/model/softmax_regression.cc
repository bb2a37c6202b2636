#include "sgc/model/softmax_regression.h"

#include <algorithm>
#include <cmath>

#include "sgc/error.h"
#include "sgc/ops/kernels/kernel_table.h"
#include "sgc/random.h"

namespace sgc {

SoftmaxModel init_softmax(int64_t dim, int32_t classes, uint64_t seed) {
  if (dim <= 0 || classes <= 0) throw ArgumentError("softmax regression needs dim > 0 and classes > 0");
  SoftmaxModel m(dim, classes);
  Rng rng(seed);
  const double bound = 1.0 / std::sqrt(double(dim));
  for (Eigen::Index i = 0; i < m.theta.size(); ++i) m.theta[i] = static_cast<float>(rng.uniform(-bound, bound));
  return m;
}

namespace {
constexpr Eigen::Index kBlockRows = 2048;
constexpr Eigen::Index kSubRows = 256;

// Softmax of each row in place (max-shifted); returns the sum of -log p(label).
double softmax_rows_nll(DenseMatrix& z, const int32_t* labels) {
  double nll = 0;
  for (Eigen::Index i = 0; i < z.rows(); ++i) {
    const float mx = z.row(i).maxCoeff();
    z.row(i).array() = (z.row(i).array() - mx).exp();
    const double sum = z.row(i).cast<double>().sum();
    nll -= std::log(double(z(i, labels[i])) / sum);
    z.row(i) /= static_cast<float>(sum);
  }
  return nll;
}
}  // namespace

double softmax_loss_grad(const SoftmaxModel& m, FeatureRows x, const std::vector<int32_t>& y,
                         Eigen::VectorXf& grad) {
  const Eigen::Index n = x.rows(), d = m.dim, c = m.classes;
  if (x.cols() != d) throw ArgumentError("softmax regression: features have " + std::to_string(x.cols()) +
                                         " columns, model expects " + std::to_string(d));
  if (static_cast<Eigen::Index>(y.size()) != n) throw ArgumentError("softmax regression: label count != rows");
  if (n == 0) throw ArgumentError("softmax regression: no training rows");
  for (int32_t label : y)
    if (label < 0 || label >= c) throw ArgumentError("softmax regression: label " + std::to_string(label) + " out of range");

  const Eigen::Index blocks = (n + kBlockRows - 1) / kBlockRows;
  std::vector<Eigen::VectorXf> partial(blocks);
  std::vector<double> block_nll(blocks);
  const kernels::KernelTable& k = kernels::active();
  const DenseMatrix wt = m.weight().transpose();  // a class's weights contiguous, as the kernels read them
  const auto b = m.bias();
#pragma omp parallel for schedule(dynamic, 1) if (blocks > 1)
  for (Eigen::Index blk = 0; blk < blocks; ++blk) {
    const Eigen::Index r0 = blk * kBlockRows, rn = std::min(kBlockRows, n - r0);
    DenseMatrix gt = DenseMatrix::Zero(c, d);  // W's gradient, transposed
    Eigen::VectorXf g = Eigen::VectorXf::Zero(d * c + c);
    double nll = 0;
    // Sub-blocks small enough that the rows read by the forward product are
    // still in L2 for the backward one.
    for (Eigen::Index s0 = 0; s0 < rn; s0 += kSubRows) {
      const Eigen::Index sn = std::min(kSubRows, rn - s0);
      const float* xb = x.data() + (r0 + s0) * x.outerStride();
      DenseMatrix p(sn, c);
      k.head_logits(xb, x.outerStride(), sn, d, wt.data(), c, p.data());
      p.rowwise() += b;
      nll += softmax_rows_nll(p, y.data() + r0 + s0);
      for (Eigen::Index i = 0; i < sn; ++i) p(i, y[r0 + s0 + i]) -= 1.0f;  // dloss/dlogits * n
      k.head_add_outer(xb, x.outerStride(), sn, d, p.data(), c, gt.data());
      g.tail(c) += p.colwise().sum().transpose();
    }
    Eigen::Map<DenseMatrix>(g.data(), d, c) = gt.transpose();
    block_nll[blk] = nll;
    partial[blk] = std::move(g);
  }
  grad = partial[0];
  double nll = block_nll[0];
  for (Eigen::Index blk = 1; blk < blocks; ++blk) {
    grad += partial[blk];
    nll += block_nll[blk];
  }
  grad /= static_cast<float>(n);
  return nll / double(n);
}

DenseMatrix softmax_logits(const SoftmaxModel& m, FeatureRows x) {
  if (x.cols() != m.dim) throw ArgumentError("softmax regression: features have " + std::to_string(x.cols()) +
                                             " columns, model expects " + std::to_string(m.dim));
  DenseMatrix z(x.rows(), m.classes);
  const kernels::KernelTable& k = kernels::active();
  const DenseMatrix wt = m.weight().transpose();
  const auto b = m.bias();
  const Eigen::Index n = x.rows();
#pragma omp parallel for schedule(static) if (n > kBlockRows)
  for (Eigen::Index r0 = 0; r0 < n; r0 += kBlockRows) {
    const Eigen::Index rn = std::min(kBlockRows, n - r0);
    k.head_logits(x.data() + r0 * x.outerStride(), x.outerStride(), rn, m.dim, wt.data(), m.classes,
                  z.data() + r0 * m.classes);
    z.middleRows(r0, rn).rowwise() += b;
  }
  return z;
}

std::vector<int32_t> softmax_predict(const SoftmaxModel& m, FeatureRows x) {
  const DenseMatrix z = softmax_logits(m, x);
  std::vector<int32_t> pred(z.rows());
  for (Eigen::Index i = 0; i < z.rows(); ++i) {
    Eigen::Index arg;
    z.row(i).maxCoeff(&arg);
    pred[i] = static_cast<int32_t>(arg);
  }
  return pred;
}

}  // namespace sgc
