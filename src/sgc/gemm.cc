#include "sgc/gemm.h"

#include <algorithm>
#include <limits>

#include <omp.h>

#ifdef SGC_HAVE_OPENBLAS
#include <cblas.h>
#endif

namespace sgc {

namespace {

Eigen::Index rows_of(const MatrixRef& m, Op op) { return op == Op::None ? m.rows() : m.cols(); }
Eigen::Index cols_of(const MatrixRef& m, Op op) { return op == Op::None ? m.cols() : m.rows(); }

template <class A, class B, class C>
void eigen_product(float alpha, const A& a, const B& b, float beta, C&& c) {
  if (beta == 0) {
    c.noalias() = alpha * (a * b);
  } else {
    if (beta != 1) c *= beta;
    c.noalias() += alpha * (a * b);
  }
}

// Eigen runs single-threaded (EIGEN_DONT_PARALLELIZE): each thread takes one
// contiguous share of C's rows.
void eigen_gemm(float alpha, const MatrixRef& a, Op op_a, const MatrixRef& b, Op op_b, float beta, MutableMatrixRef& c) {
  const Eigen::Index m = c.rows();
  const int threads = omp_in_parallel() || m < 64 ? 1 : std::max(1, omp_get_max_threads());
  const Eigen::Index share = (m + threads - 1) / threads;
#pragma omp parallel for schedule(static, 1) if (threads > 1)
  for (Eigen::Index r0 = 0; r0 < m; r0 += share) {
    const Eigen::Index rows = std::min(share, m - r0);
    auto out = c.middleRows(r0, rows);
    if (op_a == Op::None) {
      const auto part = a.middleRows(r0, rows);
      if (op_b == Op::None) eigen_product(alpha, part, b, beta, out);
      else eigen_product(alpha, part, b.transpose(), beta, out);
    } else {
      const auto part = a.middleCols(r0, rows).transpose();
      if (op_b == Op::None) eigen_product(alpha, part, b, beta, out);
      else eigen_product(alpha, part, b.transpose(), beta, out);
    }
  }
}

// Checks the shapes; false when there is nothing to multiply (C then scaled by beta).
bool prepare(const MatrixRef& a, Op op_a, const MatrixRef& b, Op op_b, float beta, MutableMatrixRef& c) {
  const Eigen::Index m = rows_of(a, op_a), k = cols_of(a, op_a), n = cols_of(b, op_b);
  if (rows_of(b, op_b) != k || c.rows() != m || c.cols() != n)
    throw ArgumentError("gemm: shapes " + std::to_string(m) + "x" + std::to_string(k) + " times " +
                        std::to_string(rows_of(b, op_b)) + "x" + std::to_string(n) + " into " +
                        std::to_string(c.rows()) + "x" + std::to_string(c.cols()));
  if (m == 0 || n == 0) return false;
  if (k == 0) {
    if (beta == 0) c.setZero();
    else c *= beta;
    return false;
  }
  return true;
}

}  // namespace

void gemm_eigen(float alpha, const MatrixRef& a, Op op_a, const MatrixRef& b, Op op_b, float beta, MutableMatrixRef c) {
  if (prepare(a, op_a, b, op_b, beta, c)) eigen_gemm(alpha, a, op_a, b, op_b, beta, c);
}

void gemm(float alpha, const MatrixRef& a, Op op_a, const MatrixRef& b, Op op_b, float beta, MutableMatrixRef c) {
  if (!prepare(a, op_a, b, op_b, beta, c)) return;
#ifdef SGC_HAVE_OPENBLAS
  const Eigen::Index m = c.rows(), n = c.cols(), k = cols_of(a, op_a);
  // A leading dimension must be at least the row length, also for a 1-row block.
  auto ld = [](const auto& x) { return std::max<Eigen::Index>({Eigen::Index(1), x.outerStride(), x.cols()}); };
  const Eigen::Index largest = std::max({m, n, k, ld(a), ld(b), ld(c)});
  if (largest > std::numeric_limits<blasint>::max()) return eigen_gemm(alpha, a, op_a, b, op_b, beta, c);
  cblas_sgemm(CblasRowMajor, op_a == Op::None ? CblasNoTrans : CblasTrans, op_b == Op::None ? CblasNoTrans : CblasTrans,
              blasint(m), blasint(n), blasint(k), alpha, a.data(), blasint(ld(a)), b.data(), blasint(ld(b)), beta, c.data(),
              blasint(ld(c)));
#else
  eigen_gemm(alpha, a, op_a, b, op_b, beta, c);
#endif
}

DenseMatrix gemm(const MatrixRef& a, Op op_a, const MatrixRef& b, Op op_b) {
  DenseMatrix c(rows_of(a, op_a), cols_of(b, op_b));
  gemm(1.0f, a, op_a, b, op_b, 0.0f, c);
  return c;
}

std::string gemm_backend() {
#ifdef SGC_HAVE_OPENBLAS
  std::string s = "openblas";
  if (const char* config = openblas_get_config()) s += std::string(" (") + config + ")";
  if (const char* core = openblas_get_corename()) s += std::string(", kernel ") + core;
  return s;
#else
  return "eigen (baseline x86-64)";
#endif
}

}  // namespace sgc
