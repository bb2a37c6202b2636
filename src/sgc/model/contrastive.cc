#include "sgc/model/contrastive.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "sgc/error.h"
#include "sgc/gemm.h"
#include "sgc/ops/kernels/kernel_table.h"
#include "sgc/random.h"

namespace sgc {

namespace {

constexpr double kNormEps = 1e-12;  // F.normalize's floor on the norm

struct Normalized {
  DenseMatrix u;
  std::vector<float> norm;
};

Normalized normalize_rows(const DenseMatrix& z) {
  Normalized n{DenseMatrix(z.rows(), z.cols()), std::vector<float>(size_t(z.rows()))};
#pragma omp parallel for schedule(static)
  for (Eigen::Index r = 0; r < z.rows(); ++r) {
    const float norm = std::max(float(z.row(r).norm()), float(kNormEps));
    n.norm[size_t(r)] = norm;
    n.u.row(r) = z.row(r) / norm;
  }
  return n;
}

// Back through u = z / max(|z|, eps): dz = (du - u (u . du)) / |z|.
DenseMatrix normalize_backward(const Normalized& n, const DenseMatrix& du) {
  DenseMatrix dz(du.rows(), du.cols());
#pragma omp parallel for schedule(static)
  for (Eigen::Index r = 0; r < du.rows(); ++r) {
    const float norm = n.norm[size_t(r)];
    if (norm <= float(kNormEps)) {
      dz.row(r) = du.row(r) / norm;
    } else {
      const float dot = n.u.row(r).dot(du.row(r));
      dz.row(r) = (du.row(r) - dot * n.u.row(r)) / norm;
    }
  }
  return dz;
}

void check_inputs(const DenseMatrix& z1, const DenseMatrix& z2, double tau) {
  if (z1.rows() != z2.rows() || z1.cols() != z2.cols())
    throw ArgumentError("contrastive loss: the two representations differ in shape");
  if (z1.rows() < 2) throw ArgumentError("contrastive loss: needs at least two nodes");
  if (!(tau > 0)) throw ArgumentError("contrastive loss: tau must be > 0");
}

}  // namespace

int64_t contrastive_block_rows(int64_t nodes) {
  const int64_t budget = int64_t(64) << 20;  // two B x N float blocks
  const int64_t rows = budget / std::max<int64_t>(1, 2 * 4 * nodes);
  return std::clamp<int64_t>(rows, 16, 512);
}

ContrastiveResult contrastive_exact(const DenseMatrix& z1, const DenseMatrix& z2, double tau, int64_t block_rows) {
  check_inputs(z1, z2, tau);
  const Eigen::Index n = z1.rows(), d = z1.cols();
  const Normalized a = normalize_rows(z1), b = normalize_rows(z2);
  const DenseMatrix& u1 = a.u;
  const DenseMatrix& u2 = b.u;
  const Eigen::Index block = std::min<Eigen::Index>(n, block_rows > 0 ? block_rows : contrastive_block_rows(n));
  const float inv_tau = float(1.0 / tau), scale = float(1.0 / (double(n) * tau));
  DenseMatrix gu1 = DenseMatrix::Zero(n, d), gu2 = DenseMatrix::Zero(n, d);
  DenseMatrix p(block, n), q(block, n);
  std::vector<double> row_loss(static_cast<size_t>(n));

  for (Eigen::Index i0 = 0; i0 < n; i0 += block) {
    const Eigen::Index rows = std::min(block, n - i0);
    const auto u1_block = u1.middleRows(i0, rows);
    auto pb = p.topRows(rows), qb = q.topRows(rows);
    // Similarities, exponentials, denominators; P and Q overwrite them.
    gemm(1.0f, u1_block, Op::None, u1, Op::Transpose, 0.0f, pb);
    gemm(1.0f, u1_block, Op::None, u2, Op::Transpose, 0.0f, qb);
#pragma omp parallel for schedule(static)
    for (Eigen::Index r = 0; r < rows; ++r) {
      const Eigen::Index i = i0 + r;
      const double positive = q(r, i);
      p.row(r) = (p.row(r).array() * inv_tau).exp();
      q.row(r) = (q.row(r).array() * inv_tau).exp();
      p(r, i) = 0, q(r, i) = 0;
      double denom = 0;
      for (Eigen::Index j = 0; j < n; ++j) denom += double(p(r, j)) + double(q(r, j));
      row_loss[size_t(i)] = -positive / tau + std::log(denom);
      const float inv = float(1.0 / denom);
      p.row(r) *= inv;
      q.row(r) *= inv;
    }
    // Row side: d/du1_i of its own term.
    auto g1 = gu1.middleRows(i0, rows);
    gemm(scale, pb, Op::None, u1, Op::None, 1.0f, g1);
    gemm(scale, qb, Op::None, u2, Op::None, 1.0f, g1);
    g1 -= scale * u2.middleRows(i0, rows);
    // Column side: u1_j and u2_j in the other rows' terms.
    gemm(scale, pb, Op::Transpose, u1_block, Op::None, 1.0f, gu1);
    gemm(scale, qb, Op::Transpose, u1_block, Op::None, 1.0f, gu2);
    gu2.middleRows(i0, rows) -= scale * u1_block;  // the positive pair
  }
  ContrastiveResult out;
  for (double l : row_loss) out.loss += l;  // in row order: independent of the thread count
  out.loss /= double(n);
  out.grad1 = normalize_backward(a, gu1);
  out.grad2 = normalize_backward(b, gu2);
  return out;
}

ContrastiveResult contrastive_sampled(const DenseMatrix& z1, const DenseMatrix& z2, double tau, int negatives,
                                      uint64_t seed) {
  check_inputs(z1, z2, tau);
  if (negatives < 1) throw ArgumentError("contrastive loss: negatives must be >= 1");
  const Eigen::Index n = z1.rows(), d = z1.cols();
  const int k = negatives;
  const Normalized a = normalize_rows(z1), b = normalize_rows(z2);
  const DenseMatrix& u1 = a.u;
  const DenseMatrix& u2 = b.u;
  const double sample_scale = double(n - 1) / double(k);
  const float scale = float(1.0 / (double(n) * tau));
  std::vector<int32_t> other(size_t(n) * k);
  std::vector<float> pw(other.size()), qw(other.size());
  std::vector<double> row_loss(static_cast<size_t>(n));
  DenseMatrix gu1(n, d), gu2(n, d);
  // Row pairs through the dispatched vector kernels: this loop is most of a
  // TSC epoch, and the portable build's own code is baseline x86-64.
  const kernels::KernelTable& kt = kernels::active();
  auto row1 = [&](Eigen::Index r) { return u1.data() + r * d; };
  auto row2 = [&](Eigen::Index r) { return u2.data() + r * d; };

#pragma omp parallel for schedule(static)
  for (Eigen::Index i = 0; i < n; ++i) {
    Rng rng(splitmix64(seed ^ splitmix64(uint64_t(i))));
    double denom = 0;
    for (int s = 0; s < k; ++s) {
      int64_t j = int64_t(rng.below(uint64_t(n - 1)));
      if (j >= i) ++j;  // any node but i
      const size_t e = size_t(i) * k + s;
      other[e] = int32_t(j);
      pw[e] = float(std::exp(double(kt.dot(row1(i), row1(j), d)) / tau) * sample_scale);
      qw[e] = float(std::exp(double(kt.dot(row1(i), row2(j), d)) / tau) * sample_scale);
      denom += double(pw[e]) + double(qw[e]);
    }
    row_loss[size_t(i)] = -double(kt.dot(row1(i), row2(i), d)) / tau + std::log(denom);
    float* g = gu1.data() + i * d;
    for (Eigen::Index c = 0; c < d; ++c) g[c] = -row2(i)[c];
    for (int s = 0; s < k; ++s) {
      const size_t e = size_t(i) * k + s;
      pw[e] = float(pw[e] / denom), qw[e] = float(qw[e] / denom);
      kt.axpy(pw[e], row1(other[e]), g, d);
      kt.axpy(qw[e], row2(other[e]), g, d);
    }
    for (Eigen::Index c = 0; c < d; ++c) g[c] *= scale;
    gu2.row(i) = -scale * u1.row(i);
  }
  // Column side through the transposed pairs (counting sort by j), so each
  // thread owns the rows it adds to.
  std::vector<int64_t> start(size_t(n) + 1, 0);
  for (int32_t j : other) ++start[size_t(j) + 1];
  for (Eigen::Index j = 0; j < n; ++j) start[size_t(j) + 1] += start[size_t(j)];
  std::vector<int64_t> at(start.begin(), start.end() - 1), by_column(other.size());
  for (size_t e = 0; e < other.size(); ++e) by_column[size_t(at[size_t(other[e])]++)] = int64_t(e);
#pragma omp parallel for schedule(static)
  for (Eigen::Index j = 0; j < n; ++j)
    for (int64_t t = start[size_t(j)]; t < start[size_t(j) + 1]; ++t) {
      const int64_t e = by_column[size_t(t)];
      const Eigen::Index i = e / k;
      kt.axpy(scale * pw[size_t(e)], row1(i), gu1.data() + j * d, d);
      kt.axpy(scale * qw[size_t(e)], row1(i), gu2.data() + j * d, d);
    }
  ContrastiveResult out;
  for (double l : row_loss) out.loss += l;
  out.loss /= double(n);
  out.grad1 = normalize_backward(a, gu1);
  out.grad2 = normalize_backward(b, gu2);
  return out;
}

ContrastiveResult contrastive_dense_reference(const DenseMatrix& z1, const DenseMatrix& z2, double tau) {
  check_inputs(z1, z2, tau);
  const Eigen::Index n = z1.rows();
  const DenseMatrixD x1 = z1.cast<double>(), x2 = z2.cast<double>();
  DenseMatrixD u1 = x1, u2 = x2;
  for (Eigen::Index r = 0; r < n; ++r) {
    u1.row(r) /= std::max(x1.row(r).norm(), kNormEps);
    u2.row(r) /= std::max(x2.row(r).norm(), kNormEps);
  }
  DenseMatrixD refl = ((u1 * u1.transpose()) / tau).array().exp();
  DenseMatrixD between_raw = (u1 * u2.transpose()) / tau;
  DenseMatrixD between = between_raw.array().exp();
  refl.diagonal().setZero();
  const Eigen::VectorXd positive = between_raw.diagonal();
  between.diagonal().setZero();
  const Eigen::VectorXd denom = refl.rowwise().sum() + between.rowwise().sum();
  ContrastiveResult out;
  for (Eigen::Index r = 0; r < n; ++r) out.loss += std::log(denom(r)) - positive(r);  // std::log: GCC 12 misreads Eigen's AVX-512 log
  out.loss /= double(n);
  // Gradients in u, then through the normalisation.
  DenseMatrixD pm = refl, qm = between;
  for (Eigen::Index r = 0; r < n; ++r) pm.row(r) /= denom(r), qm.row(r) /= denom(r);
  const double s = 1.0 / (double(n) * tau);
  DenseMatrixD gu1 = s * (pm * u1 + pm.transpose() * u1 + qm * u2 - u2);
  DenseMatrixD gu2 = s * (qm.transpose() * u1 - u1);
  auto back = [](const DenseMatrixD& x, const DenseMatrixD& u, const DenseMatrixD& du) {
    DenseMatrixD dz(du.rows(), du.cols());
    for (Eigen::Index r = 0; r < du.rows(); ++r) {
      const double norm = std::max(x.row(r).norm(), kNormEps);
      dz.row(r) = (du.row(r) - u.row(r).dot(du.row(r)) * u.row(r)) / norm;
    }
    return dz;
  };
  out.grad1 = back(x1, u1, gu1).cast<float>();
  out.grad2 = back(x2, u2, gu2).cast<float>();
  return out;
}

}  // namespace sgc
