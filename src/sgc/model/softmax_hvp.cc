#include "sgc/model/softmax_hvp.h"

#include <algorithm>
#include <cmath>

#include "sgc/error.h"
#include "sgc/ops/kernels/kernel_table.h"

namespace sgc {

namespace {
// Rows per block: at most 1024 and about 4 MiB of gathered features (wide inputs, e.g. sign's hops).
Eigen::Index block_rows(Eigen::Index d) { return std::clamp<Eigen::Index>((Eigen::Index(1) << 20) / std::max<Eigen::Index>(d, 1), 16, 1024); }

// Rows [r0, r0 + rn) of the batch: a view of x, or x's rows listed in `rows` gathered into tmp.
FeatureRows batch_block(FeatureRows x, const std::vector<int64_t>& rows, Eigen::Index r0, Eigen::Index rn,
                        DenseMatrix& tmp) {
  if (rows.empty()) return x.middleRows(r0, rn);
  tmp.resize(rn, x.cols());
  for (Eigen::Index i = 0; i < rn; ++i) tmp.row(i) = x.row(Eigen::Index(rows[size_t(r0 + i)]));
  return tmp;
}

Eigen::Index batch_rows(FeatureRows x, const std::vector<int64_t>& rows) {
  for (int64_t r : rows)
    if (r < 0 || r >= x.rows()) throw ArgumentError("softmax regression: batch row " + std::to_string(r) + " out of range");
  return rows.empty() ? x.rows() : Eigen::Index(rows.size());
}
}  // namespace

double softmax_loss_rows(const SoftmaxModel& m, FeatureRows x, const std::vector<int32_t>& y,
                         const std::vector<int64_t>& rows, Eigen::VectorXf* grad) {
  const Eigen::Index n = batch_rows(x, rows);
  if (grad) {
    if (rows.empty()) return softmax_loss_grad(m, x, y, *grad);
    DenseMatrix xb(n, x.cols());
    std::vector<int32_t> yb(static_cast<size_t>(n));
    for (Eigen::Index i = 0; i < n; ++i) {
      xb.row(i) = x.row(Eigen::Index(rows[size_t(i)]));
      yb[size_t(i)] = y[size_t(rows[size_t(i)])];
    }
    return softmax_loss_grad(m, xb, yb, *grad);
  }
  // The loss alone: logits and log-sum-exp, no backward product.
  if (n == 0) throw ArgumentError("softmax regression: no training rows");
  const Eigen::Index kBlock = block_rows(x.cols()), blocks = (n + kBlock - 1) / kBlock;
  std::vector<double> nll(size_t(blocks), 0.0);
  const auto w = m.weight();
  const auto b = m.bias();
#pragma omp parallel for schedule(dynamic, 1) if (blocks > 1)
  for (Eigen::Index blk = 0; blk < blocks; ++blk) {
    const Eigen::Index r0 = blk * kBlock, rn = std::min(kBlock, n - r0);
    DenseMatrix tmp;
    const FeatureRows xb = batch_block(x, rows, r0, rn, tmp);
    DenseMatrix z = xb * w;
    z.rowwise() += b;
    double s = 0;
    for (Eigen::Index i = 0; i < rn; ++i) {
      const int64_t row = rows.empty() ? r0 + i : rows[size_t(r0 + i)];
      const int32_t label = y[size_t(row)];
      if (label < 0 || label >= m.classes) throw ArgumentError("softmax regression: label out of range");
      const float mx = z.row(i).maxCoeff();
      const double lse = std::log((z.row(i).array() - mx).exp().cast<double>().sum()) + mx;
      s += lse - double(z(i, label));
    }
    nll[size_t(blk)] = s;
  }
  double total = 0;
  for (double s : nll) total += s;
  return total / double(n);
}

void softmax_hvp(const SoftmaxModel& m, FeatureRows x, const std::vector<int32_t>& y,
                 const std::vector<int64_t>& rows, const Eigen::VectorXf& v, Eigen::VectorXf& hv) {
  (void)y;  // the Hessian of the cross-entropy does not depend on the labels
  const Eigen::Index n = batch_rows(x, rows), d = m.dim, c = m.classes;
  if (x.cols() != d) throw ArgumentError("softmax regression: features do not match the model");
  if (v.size() != m.theta.size()) throw ArgumentError("softmax_hvp: direction has the wrong size");
  if (n == 0) throw ArgumentError("softmax regression: no training rows");
  const Eigen::Index kBlock = block_rows(d), blocks = (n + kBlock - 1) / kBlock;
  std::vector<Eigen::VectorXf> partial(static_cast<size_t>(blocks));
  // The gradient's kernels (softmax_regression.cc): the three products run at
  // the CPU's widest vector width, which this file's own build flags need not have.
  const kernels::KernelTable& k = kernels::active();
  // [W | V] in the head's layout: one product gives each row's logits and their change along v.
  const Eigen::Index cp = head_columns(c), cw = 2 * cp;
  std::vector<float> wv(size_t(d * cw), 0.0f);
  copy_to_head_layout(m.theta.data(), d, c, wv.data(), cw);
  copy_to_head_layout(v.data(), d, c, wv.data() + cp, cw);
  const Eigen::Map<const Eigen::ArrayXf> b(m.theta.data() + d * c, c), vb(v.data() + d * c, c);
#pragma omp parallel for schedule(dynamic, 1) if (blocks > 1)
  for (Eigen::Index blk = 0; blk < blocks; ++blk) {
    const Eigen::Index r0 = blk * kBlock, rn = std::min(kBlock, n - r0);
    DenseMatrix tmp;
    const FeatureRows xb = batch_block(x, rows, r0, rn, tmp);
    std::vector<float> z(size_t(rn * cw));
    k.head_logits(xb.data(), xb.outerStride(), rn, d, wv.data(), cw, cw, z.data(), cw);
    Eigen::VectorXf g = Eigen::VectorXf::Zero(d * c + c);
    for (Eigen::Index i = 0; i < rn; ++i) {
      Eigen::Map<Eigen::ArrayXf> p(z.data() + i * cw, c), dz(z.data() + i * cw + cp, c);
      p += b;
      dz += vb;
      const float mx = p.maxCoeff();
      p = (p - mx).exp();
      p /= p.sum();
      const float pdz = (p * dz).sum();
      p *= dz - pdz;  // r_i = p*dz - p (p . dz), over p: the gradient product reads it there
      for (Eigen::Index j = c; j < cp; ++j) z[size_t(i * cw + j)] = 0.0f;
      g.tail(c) += p.matrix();
    }
    std::vector<float> gw(size_t(d * cp), 0.0f);
    k.head_add_outer(xb.data(), xb.outerStride(), rn, d, z.data(), cw, cp, gw.data(), cp);
    for (Eigen::Index f = 0; f < d; ++f)
      for (Eigen::Index j = 0; j < c; ++j) g[f * c + j] = gw[size_t(f * cp + j)];
    partial[size_t(blk)] = std::move(g);
  }
  hv = partial[0];
  for (Eigen::Index blk = 1; blk < blocks; ++blk) hv += partial[size_t(blk)];
  hv /= float(n);
}

}  // namespace sgc
