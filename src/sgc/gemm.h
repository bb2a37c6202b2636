// Dense matrix products C = alpha op(A) op(B) + beta C on row-major float
// matrices (or blocks of them), the one place the engine's large dense
// products go: the contrastive term's N x N similarity blocks, TSC's encoder
// and its powers path.
//
// Through the system's OpenBLAS (its OpenMP build) when the build found it:
// OpenBLAS picks its kernel for the running CPU (AVX2, AVX-512, ...), while the
// engine's own code stays baseline x86-64, so Eigen's products would run on
// SSE2 only (2.3-2.5x slower on Zen 3 with 2 threads, bench/gemm_bench).
// Otherwise Eigen.
// Threads: the caller's OpenMP team (omp_get_max_threads()); a call made inside
// a parallel region runs on its own thread.
#pragma once

#include <string>

#include "sgc/dense.h"

namespace sgc {

using MatrixRef = Eigen::Ref<const DenseMatrix, 0, Eigen::OuterStride<>>;
using MutableMatrixRef = Eigen::Ref<DenseMatrix, 0, Eigen::OuterStride<>>;

enum class Op { None, Transpose };

// c = alpha op(a) op(b) + beta c; c's shape must already be op(a).rows x op(b).cols.
// beta = 0 ignores c's contents (it may hold NaN). Throws ArgumentError on a shape mismatch.
void gemm(float alpha, const MatrixRef& a, Op op_a, const MatrixRef& b, Op op_b, float beta, MutableMatrixRef c);

// The same through Eigen alone: the fallback, and bench/gemm_bench's baseline.
void gemm_eigen(float alpha, const MatrixRef& a, Op op_a, const MatrixRef& b, Op op_b, float beta, MutableMatrixRef c);

// a b as a new matrix.
DenseMatrix gemm(const MatrixRef& a, Op op_a, const MatrixRef& b, Op op_b);

// "openblas <version> (<its core for this CPU>)" or "eigen (baseline x86-64)": for `sgc info` and benchmarks.
std::string gemm_backend();

}  // namespace sgc
