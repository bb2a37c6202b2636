// sgc::gemm (OpenBLAS when the build found it, else Eigen) against a plain
// double-precision product: every transpose combination, blocks with an outer
// stride, alpha and beta, empty and k = 0 shapes, and bad shapes refused.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "sgc/gemm.h"
#include "test_util.h"

namespace sgc {
namespace {

DenseMatrixD reference(const DenseMatrix& a, Op op_a, const DenseMatrix& b, Op op_b) {
  const DenseMatrixD ad = a.cast<double>(), bd = b.cast<double>();
  const DenseMatrixD x = op_a == Op::None ? ad : DenseMatrixD(ad.transpose());
  const DenseMatrixD y = op_b == Op::None ? bd : DenseMatrixD(bd.transpose());
  return x * y;
}

using Gemm = void (*)(float, const MatrixRef&, Op, const MatrixRef&, Op, float, MutableMatrixRef);

TEST(Gemm, EveryTransposeAndBothBackendsMatchADoubleProduct) {
  const Gemm backends[] = {static_cast<Gemm>(&gemm), &gemm_eigen};
  for (Gemm g : backends)
    for (Op op_a : {Op::None, Op::Transpose})
      for (Op op_b : {Op::None, Op::Transpose}) {
        const Eigen::Index m = 130, k = 77, n = 45;  // odd sizes: every kernel edge
        const DenseMatrix a = op_a == Op::None ? testing::random_dense(m, k, 1) : testing::random_dense(k, m, 1);
        const DenseMatrix b = op_b == Op::None ? testing::random_dense(k, n, 2) : testing::random_dense(n, k, 2);
        const DenseMatrix c0 = testing::random_dense(m, n, 3);
        DenseMatrix c = c0;
        g(0.5f, a, op_a, b, op_b, -2.0f, c);
        const DenseMatrixD want = 0.5 * reference(a, op_a, b, op_b) - 2.0 * c0.cast<double>();
        EXPECT_LT((c.cast<double>() - want).cwiseAbs().maxCoeff(), 1e-4) << int(op_a) << int(op_b);
      }
}

TEST(Gemm, BlocksWithAnOuterStrideAndBetaZeroIgnoresNan) {
  const DenseMatrix big_a = testing::random_dense(50, 40, 4), big_b = testing::random_dense(60, 30, 5);
  DenseMatrix big_c = DenseMatrix::Constant(70, 50, std::numeric_limits<float>::quiet_NaN());
  const auto a = big_a.block(3, 5, 20, 17);   // 20 x 17, outer stride 40
  const auto b = big_b.block(10, 2, 17, 11);  // 17 x 11, outer stride 30
  auto c = big_c.block(7, 9, 20, 11);
  gemm(1.0f, a, Op::None, b, Op::None, 0.0f, c);
  const DenseMatrixD want = DenseMatrix(a).cast<double>() * DenseMatrix(b).cast<double>();
  EXPECT_LT((DenseMatrix(c).cast<double>() - want).cwiseAbs().maxCoeff(), 1e-5);
  // Nothing outside the block was written.
  EXPECT_TRUE(std::isnan(big_c(6, 9)));
  EXPECT_TRUE(std::isnan(big_c(7, 8)));
  EXPECT_TRUE(std::isnan(big_c(7, 20)));
  EXPECT_TRUE(std::isnan(big_c(27, 9)));
  // A one-row block.
  auto row = big_c.block(40, 0, 1, 11);
  gemm(1.0f, big_a.block(0, 0, 1, 17), Op::None, b, Op::None, 0.0f, row);
  const DenseMatrixD want_row = big_a.block(0, 0, 1, 17).cast<double>() * DenseMatrix(b).cast<double>();
  EXPECT_LT((DenseMatrix(row).cast<double>() - want_row).cwiseAbs().maxCoeff(), 1e-5);
}

TEST(Gemm, EmptyAndZeroDepthShapes) {
  DenseMatrix c = DenseMatrix::Constant(3, 4, 2.0f);
  gemm(1.0f, DenseMatrix(3, 0), Op::None, DenseMatrix(0, 4), Op::None, 0.5f, c);  // k = 0: c = beta c
  EXPECT_EQ(c, DenseMatrix::Constant(3, 4, 1.0f));
  gemm(1.0f, DenseMatrix(3, 0), Op::None, DenseMatrix(0, 4), Op::None, 0.0f, c);
  EXPECT_EQ(c, DenseMatrix::Zero(3, 4));
  const DenseMatrix none = gemm(DenseMatrix(0, 5), Op::None, DenseMatrix(5, 2), Op::None);
  EXPECT_EQ(none.rows(), 0);
  EXPECT_EQ(none.cols(), 2);
}

TEST(Gemm, MismatchedShapesAreRefused) {
  DenseMatrix c(3, 4);
  EXPECT_THROW(gemm(1.0f, DenseMatrix(3, 5), Op::None, DenseMatrix(6, 4), Op::None, 0.0f, c), ArgumentError);
  EXPECT_THROW(gemm(1.0f, DenseMatrix(3, 5), Op::None, DenseMatrix(5, 4), Op::Transpose, 0.0f, c), ArgumentError);
  EXPECT_THROW(gemm(1.0f, DenseMatrix(3, 5), Op::None, DenseMatrix(5, 3), Op::None, 0.0f, c), ArgumentError);
  EXPECT_FALSE(gemm_backend().empty());
}

}  // namespace
}  // namespace sgc
