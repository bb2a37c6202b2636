#include "sgc/model/softmax_regression.h"

#include <omp.h>

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
// Rows per block: each block's partial gradient is its own, the partials are
// added in block order (thread-count independent); within a block, sub-blocks
// small enough that the rows read by the forward product are still in L2 for
// the backward one.
constexpr Eigen::Index kBlockRows = 2048;
constexpr Eigen::Index kSubRows = 256;
constexpr Eigen::Index kInnerRows = 32;
}  // namespace

Eigen::Index head_columns(Eigen::Index c) { return (c + kernels::kHeadPad - 1) / kernels::kHeadPad * kernels::kHeadPad; }

void copy_to_head_layout(const float* w, Eigen::Index d, Eigen::Index c, float* out, Eigen::Index ld) {
  for (Eigen::Index k = 0; k < d; ++k)
    for (Eigen::Index j = 0; j < c; ++j) out[k * ld + j] = w[k * c + j];
}

namespace {
// W in the head's layout, zero in the padding columns.
std::vector<float> head_weights(const SoftmaxModel& m) {
  std::vector<float> w(size_t(m.dim * head_columns(m.classes)), 0.0f);
  copy_to_head_layout(m.theta.data(), m.dim, m.classes, w.data(), head_columns(m.classes));
  return w;
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
  const std::vector<float> w = head_weights(m);
  const Eigen::Index cp = head_columns(c);
  const float* b = m.theta.data() + d * c;
  const float* xd = x.data();
  const Eigen::Index ldx = x.outerStride();
  // A single block splits its own work: rows of logits in groups of
  // kInnerRows, features of the gradient in chunks that are multiples of 24
  // (of every variant's kHeadR, 4, 6 or 8: the kernels' feature tiles fall
  // where one thread's would). Only from ~1 ms of work a call (2^24 row x
  // feature x class products, Coauthor CS's 300 x 6,805 x 16: 2.2 -> 1.2 ms
  // on 2 threads): below that, waking the team each epoch cost more than it
  // saved in whole runs (Citeseer's 120 x 3,703 x 16).
  const bool inner = blocks == 1 && omp_get_max_threads() > 1 && int64_t(n) * d * cp >= (int64_t(1) << 24);
  const Eigen::Index feature_chunk =
      std::max<Eigen::Index>(24, (d + 4 * omp_get_max_threads() * 24 - 1) / (4 * omp_get_max_threads() * 24) * 24);
#pragma omp parallel for schedule(dynamic, 1) if (blocks > 1)
  for (Eigen::Index blk = 0; blk < blocks; ++blk) {
    const Eigen::Index r0 = blk * kBlockRows, rn = std::min(kBlockRows, n - r0);
    std::vector<float> gw(size_t(d * cp), 0.0f), p(size_t(kSubRows * cp));  // W's gradient, padded as W
    std::vector<float> row_sum(static_cast<size_t>(kSubRows)), row_label(static_cast<size_t>(kSubRows));
    Eigen::VectorXd gb = Eigen::VectorXd::Zero(c);
    double nll = 0;
    for (Eigen::Index s0 = 0; s0 < rn; s0 += kSubRows) {
      const Eigen::Index sn = std::min(kSubRows, rn - s0);
      const float* xb = xd + (r0 + s0) * ldx;
      // One block (the few labelled rows of a transductive split): its rows'
      // logits and its features' gradient rows are split among the threads
      // instead, each computed exactly as by one thread.
#pragma omp parallel for schedule(static) if (inner)
      for (Eigen::Index i0 = 0; i0 < sn; i0 += kInnerRows)
        k.head_logits(xb + i0 * ldx, ldx, std::min(kInnerRows, sn - i0), d, w.data(), cp, cp, p.data() + i0 * cp, cp);
      // Softmax minus the one-hot labels: dloss/dlogits * n.
      Eigen::VectorXf gb_sub = Eigen::VectorXf::Zero(c);
      k.head_softmax(p.data(), cp, sn, c, b, y.data() + r0 + s0, gb_sub.data(), row_sum.data(), row_label.data());
      for (Eigen::Index i = 0; i < sn; ++i) nll += std::log(double(row_sum[size_t(i)])) - double(row_label[size_t(i)]);
#pragma omp parallel for schedule(static) if (inner)
      for (Eigen::Index f0 = 0; f0 < d; f0 += feature_chunk)
        k.head_add_outer(xb + f0, ldx, sn, std::min(feature_chunk, d - f0), p.data(), cp, cp, gw.data() + f0 * cp, cp);
      gb += gb_sub.cast<double>();
    }
    Eigen::VectorXf g(d * c + c);
    for (Eigen::Index f = 0; f < d; ++f)
      for (Eigen::Index j = 0; j < c; ++j) g[f * c + j] = gw[size_t(f * cp + j)];
    g.tail(c) = gb.cast<float>();
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
  const Eigen::Index n = x.rows(), c = m.classes;
  DenseMatrix z(n, c);
  const kernels::KernelTable& k = kernels::active();
  const std::vector<float> w = head_weights(m);
  const Eigen::Index cp = head_columns(c);
  const auto b = m.bias();
#pragma omp parallel for schedule(static) if (n > kBlockRows)
  for (Eigen::Index r0 = 0; r0 < n; r0 += kBlockRows) {
    const Eigen::Index rn = std::min(kBlockRows, n - r0);
    DenseMatrix zp(rn, cp);
    k.head_logits(x.data() + r0 * x.outerStride(), x.outerStride(), rn, m.dim, w.data(), cp, cp, zp.data(), cp);
    z.middleRows(r0, rn) = zp.leftCols(c).rowwise() + b;
  }
  return z;
}

std::vector<int32_t> predict_from_logits(const DenseMatrix& z) {
  std::vector<int32_t> pred(z.rows());
  for (Eigen::Index i = 0; i < z.rows(); ++i) {
    Eigen::Index arg;
    z.row(i).maxCoeff(&arg);
    pred[i] = static_cast<int32_t>(arg);
  }
  return pred;
}

std::vector<int32_t> softmax_predict(const SoftmaxModel& m, FeatureRows x) {
  return predict_from_logits(softmax_logits(m, x));
}

}  // namespace sgc
