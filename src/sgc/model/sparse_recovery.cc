#include "sgc/model/sparse_recovery.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "sgc/error.h"
#include "sgc/random.h"

namespace sgc {

HashedSketch::HashedSketch(int64_t k, int64_t d, int nnz, uint64_t seed)
    : k_(k), d_(d), nnz_(int(std::clamp<int64_t>(std::min<int64_t>(nnz, k), 1, 4))), seed_(splitmix64(seed)) {
  if (k <= 0 || d <= 0) throw ArgumentError("sketch: k and d must be positive");
}

void HashedSketch::entry(int64_t j, int t, int64_t& row, float& sign) const {
  // Band t covers rows [t k / nnz, (t + 1) k / nnz): distinct rows per column.
  // One hash per column gives every band 16 bits (1 for the sign, 15 for the
  // row) while bands have at most 2^15 rows; wider bands take a hash each.
  const int64_t lo = t * k_ / nnz_, band = (t + 1) * k_ / nnz_ - lo;
  if (band <= (int64_t(1) << 15)) {
    const uint64_t bits = (splitmix64(seed_ ^ uint64_t(j)) >> (16 * t)) & 0xFFFF;
    row = lo + int64_t(((bits >> 1) * uint64_t(band)) >> 15);
    sign = (bits & 1) ? 1.0f : -1.0f;
    return;
  }
  const uint64_t h = splitmix64(seed_ ^ splitmix64(uint64_t(j) * uint64_t(nnz_) + uint64_t(t)));
  row = lo + int64_t((h >> 1) % uint64_t(band));
  sign = (h & 1) ? 1.0f : -1.0f;
}

void HashedSketch::apply(const std::vector<int64_t>& idx, const std::vector<float>& val, Eigen::VectorXf& y) const {
  y.setZero(k_);
  for (size_t i = 0; i < idx.size(); ++i)
    for (int t = 0; t < nnz_; ++t) {
      int64_t row;
      float sign;
      entry(idx[i], t, row, sign);
      y[row] += sign * val[i];
    }
}

void HashedSketch::correlate(const Eigen::VectorXd& r, Eigen::VectorXd& c) const {
  c.resize(d_);
#pragma omp parallel for schedule(static) if (d_ > 65536)
  for (int64_t j = 0; j < d_; ++j) {
    double s = 0;
    if (k_ / nnz_ + 1 <= (int64_t(1) << 15)) {  // the one-hash layout of entry(), inlined
      const uint64_t h = splitmix64(seed_ ^ uint64_t(j));
      for (int t = 0; t < nnz_; ++t) {
        const int64_t lo = t * k_ / nnz_, band = (t + 1) * k_ / nnz_ - lo;
        const uint64_t bits = (h >> (16 * t)) & 0xFFFF;
        const double v = r[lo + int64_t(((bits >> 1) * uint64_t(band)) >> 15)];
        s += (bits & 1) ? v : -v;
      }
    } else {
      for (int t = 0; t < nnz_; ++t) {
        int64_t row;
        float sign;
        entry(j, t, row, sign);
        s += sign * r[row];
      }
    }
    c[j] = s;
  }
}

std::vector<int64_t> top_entries(const Eigen::Ref<const Eigen::VectorXf>& v, int64_t s) {
  const int64_t d = v.size();
  std::vector<int64_t> idx(static_cast<size_t>(d));
  std::iota(idx.begin(), idx.end(), int64_t(0));
  if (s < d) {
    std::nth_element(idx.begin(), idx.begin() + s, idx.end(), [&](int64_t a, int64_t b) {
      const float fa = std::abs(v[a]), fb = std::abs(v[b]);
      return fa > fb || (fa == fb && a < b);
    });
    idx.resize(size_t(s));
    std::sort(idx.begin(), idx.end());
  }
  return idx;
}

namespace {

// The chosen columns' entries, for products with A_S and A_S^T.
struct Support {
  const HashedSketch* a;
  std::vector<int64_t> cols, rows;
  std::vector<float> signs;

  void add(int64_t j) {
    cols.push_back(j);
    for (int t = 0; t < a->nnz(); ++t) {
      int64_t row;
      float sign;
      a->entry(j, t, row, sign);
      rows.push_back(row);
      signs.push_back(sign);
    }
  }
  void times(const Eigen::VectorXd& x, Eigen::VectorXd& out) const {  // out = A_S x
    out.setZero(a->rows());
    for (size_t i = 0; i < rows.size(); ++i) out[rows[i]] += signs[i] * x[Eigen::Index(i / a->nnz())];
  }
  void times_t(const Eigen::VectorXd& r, Eigen::VectorXd& out) const {  // out = A_S^T r
    out.setZero(Eigen::Index(cols.size()));
    for (size_t i = 0; i < rows.size(); ++i) out[Eigen::Index(i / a->nnz())] += signs[i] * r[rows[i]];
  }
};

// Least squares min |A_S x - y| by conjugate gradients on the normal
// equations, warm-started from x (the sketch's columns are nearly orthogonal,
// so this converges in few iterations).
void least_squares(const Support& sup, const Eigen::VectorXd& y, Eigen::VectorXd& x) {
  Eigen::VectorXd b, ax, r, p, ap, tmp;
  sup.times_t(y, b);
  sup.times(x, ax);
  sup.times_t(ax, tmp);
  r = b - tmp;
  p = r;
  double rr = r.squaredNorm();
  const double stop = 1e-16 * std::max(b.squaredNorm(), 1e-300);  // |A^T r| <= 1e-8 |A^T y|
  const int max_iter = int(std::min<size_t>(sup.cols.size() + 10, 100));
  for (int it = 0; it < max_iter && rr > stop; ++it) {
    sup.times(p, ax);
    const double pap = ax.squaredNorm();  // p . A^T A p
    if (!(pap > 0)) break;
    const double alpha = rr / pap;
    x += alpha * p;
    sup.times_t(ax, ap);
    r -= alpha * ap;
    const double rr_new = r.squaredNorm();
    p = r + (rr_new / rr) * p;
    rr = rr_new;
  }
}

}  // namespace

SparseVec omp_recover(const HashedSketch& a, const Eigen::VectorXf& y, int64_t sparsity, int64_t atoms,
                      double rel_tol) {
  if (y.size() != a.rows()) throw ArgumentError("omp: measurements do not match the sketch's rows");
  sparsity = std::min(sparsity, a.cols());
  SparseVec out;
  if (a.identity()) {  // A = I: the best s-term approximation is y's s largest entries
    out.idx = top_entries(y.head(a.cols()), sparsity);
    for (int64_t j : out.idx) out.val.push_back(y[j]);
    return out;
  }
  atoms = std::max<int64_t>(1, atoms);
  const Eigen::VectorXd yd = y.cast<double>();
  const double stop = rel_tol * yd.norm();
  Support sup{&a, {}, {}, {}};
  std::vector<char> chosen(static_cast<size_t>(a.cols()), 0);
  Eigen::VectorXd x, r = yd, ax, c;
  // Several columns per round may pick wrong ones: let the support grow to 2 s
  // (at most k/2), then keep the s largest coefficients and solve again.
  const int64_t cap = atoms > 1 ? std::max(sparsity, std::min(2 * sparsity, a.rows() / 2)) : sparsity;
  while (int64_t(sup.cols.size()) < cap && r.norm() > stop) {
    a.correlate(r, c);
    for (int64_t j : sup.cols) c[j] = 0;
    const int64_t want = std::min(atoms, cap - int64_t(sup.cols.size()));
    // The `want` largest |a_j . r| (all columns have norm sqrt(nnz)); ties: lower index.
    std::vector<int64_t> cand(static_cast<size_t>(a.cols()));
    std::iota(cand.begin(), cand.end(), int64_t(0));
    std::nth_element(cand.begin(), cand.begin() + (want - 1), cand.end(), [&](int64_t p, int64_t q) {
      const double fp = std::abs(c[p]), fq = std::abs(c[q]);
      return fp > fq || (fp == fq && p < q);
    });
    std::sort(cand.begin(), cand.begin() + want, [&](int64_t p, int64_t q) {
      const double fp = std::abs(c[p]), fq = std::abs(c[q]);
      return fp > fq || (fp == fq && p < q);
    });
    int64_t added = 0;
    for (int64_t i = 0; i < want; ++i) {
      const int64_t j = cand[size_t(i)];
      if (chosen[size_t(j)] || c[j] == 0) continue;
      chosen[size_t(j)] = 1;
      sup.add(j);
      ++added;
    }
    if (added == 0) break;  // the residual is orthogonal to every column left
    x.conservativeResize(Eigen::Index(sup.cols.size()));
    x.tail(added).setZero();
    least_squares(sup, yd, x);
    sup.times(x, ax);
    r = yd - ax;
  }
  if (int64_t(sup.cols.size()) > sparsity) {
    const Eigen::VectorXf xf = x.cast<float>();
    Support kept{&a, {}, {}, {}};
    Eigen::VectorXd xk(sparsity);
    int64_t i = 0;
    for (int64_t pos : top_entries(xf, sparsity)) {
      kept.add(sup.cols[size_t(pos)]);
      xk[i++] = x[pos];
    }
    least_squares(kept, yd, xk);
    sup = std::move(kept);
    x = std::move(xk);
  }
  // Increasing indices.
  std::vector<size_t> order(sup.cols.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::sort(order.begin(), order.end(), [&](size_t p, size_t q) { return sup.cols[p] < sup.cols[q]; });
  for (size_t i : order) {
    out.idx.push_back(sup.cols[i]);
    out.val.push_back(float(x[Eigen::Index(i)]));
  }
  return out;
}

}  // namespace sgc
