// Every kernel variant this CPU can run (scalar, AVX2, AVX-512; the same ones
// SGC_KERNEL forces) against a double-precision product and against the
// scalar variant, and the 16-bit conversions against their definitions.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "sgc/data/powerlaw.h"
#include "sgc/graph/normalize.h"
#include "sgc/ops/kernels/kernel_table.h"
#include "sgc/ops/spmm.h"
#include "test_util.h"

namespace sgc {
namespace {

using kernels::Isa;
using kernels::KernelTable;
using kernels::Storage;

std::vector<const KernelTable*> variants() {
  std::vector<const KernelTable*> v;
  for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512})
    if (const KernelTable* t = kernels::table_for(isa)) v.push_back(t);
  return v;
}

kernels::Csr arrays(const CsrMatrix& a) { return {a.indptr.data(), a.indices.data(), a.values.data(), a.nnz()}; }

CsrMatrix test_graph() {
  PowerLawOptions o;
  o.nodes = 1500;
  o.features = 4;
  o.classes = 3;
  o.avg_degree = 10;
  o.seed = 11;
  return aug_norm_adj(make_powerlaw(o).adjacency);
}

float f32_of_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

TEST(Kernels, TheScalarVariantIsAlwaysThereAndTheDetectedOneRuns) {
  ASSERT_NE(kernels::table_for(Isa::Scalar), nullptr);
  ASSERT_NE(kernels::table_for(kernels::detected_isa()), nullptr);
  std::printf("variants on this CPU:");
  for (const KernelTable* t : variants()) std::printf(" %s (bf16 %s)", t->name, t->bf16_name);
  std::printf("\n");
}

TEST(Kernels, EveryVariantMatchesTheDoubleProductAndTheScalarVariant) {
  const CsrMatrix a = test_graph();
  const KernelTable& scalar = *kernels::table_for(Isa::Scalar);
  for (int64_t d : {1, 5, 16, 17, 40, 129}) {
    const DenseMatrix x = testing::random_dense(a.cols, d, uint64_t(d) + 3);
    const DenseMatrixD ref = testing::naive_product(a, x);
    DenseMatrix y_scalar(a.rows, d);
    std::vector<float> scratch(size_t(2 * d));
    scalar.spmm_rows(arrays(a), x.data(), Storage::F32, d, nullptr, 0, a.rows, y_scalar.data(), Storage::F32, d,
                     scratch.data(), 2, 4);
    for (const KernelTable* t : variants()) {
      DenseMatrix y(a.rows, d);
      t->spmm_rows(arrays(a), x.data(), Storage::F32, d, nullptr, 0, a.rows, y.data(), Storage::F32, d,
                   scratch.data(), 2, 4);
      EXPECT_LT(testing::max_rel_error(y, ref), 1e-5) << t->name << " rows, d = " << d;
      EXPECT_LT((y - y_scalar).cwiseAbs().maxCoeff(), 1e-5 * (1 + y_scalar.cwiseAbs().maxCoeff()))
          << t->name << " rows vs scalar, d = " << d;
      for (int64_t width : {16, 32, 64, 128}) {
        std::vector<float> panel(size_t(a.cols * width));
        DenseMatrix yp = DenseMatrix::Constant(a.rows, d, -1.0f);
        for (int64_t c0 = 0; c0 < d; c0 += width) {
          const int64_t w = std::min(width, d - c0);
          t->pack_panel(x.data(), Storage::F32, d, 0, a.cols, c0, w, panel.data(), width);
          t->spmm_panel(arrays(a), panel.data(), Storage::F32, width, nullptr, 0, a.rows, yp.data(), Storage::F32, d, c0,
                        w, 96);
        }
        // Within one variant the two kernels sum the same products in the same order.
        EXPECT_LT((yp - y).cwiseAbs().maxCoeff(), 1e-6 * (1 + y.cwiseAbs().maxCoeff()))
            << t->name << " panels of " << width << " vs rows, d = " << d;
      }
    }
  }
}

TEST(Kernels, SixteenBitStorageIsWidenedExactlyAndAccumulatedInFp32) {
  const CsrMatrix a = test_graph();
  const int64_t d = 37;
  const DenseMatrix x = testing::random_dense(a.cols, d, 5);
  for (Storage st : {Storage::BF16, Storage::F16}) {
    const KernelTable& scalar = *kernels::table_for(Isa::Scalar);
    std::vector<uint16_t> xs(size_t(x.size()));
    scalar.from_f32(x.data(), xs.data(), st, x.size());
    DenseMatrix xr(a.cols, d);  // the values the 16-bit matrix holds
    scalar.to_f32(xs.data(), st, xr.data(), xr.size());
    const DenseMatrixD ref = testing::naive_product(a, xr);
    std::vector<float> scratch(size_t(2 * d));
    for (const KernelTable* t : variants()) {
      DenseMatrix y(a.rows, d);
      t->spmm_rows(arrays(a), xs.data(), st, d, nullptr, 0, a.rows, y.data(), Storage::F32, d, scratch.data(), 2, 4);
      EXPECT_LT(testing::max_rel_error(y, ref), 1e-5) << t->name << " storage " << int(st);
      // 16-bit output: the fp32 result rounded once.
      std::vector<uint16_t> ys(size_t(a.rows * d));
      t->spmm_rows(arrays(a), xs.data(), st, d, nullptr, 0, a.rows, ys.data(), st, d, scratch.data(), 2, 4);
      std::vector<uint16_t> rounded(ys.size());
      scalar.from_f32(y.data(), rounded.data(), st, y.size());
      EXPECT_EQ(ys, rounded) << t->name << " storage " << int(st);
      // 16-bit panels (every width) widen the same values as they are read:
      // the same sums as whole rows, and bit for bit the sums over an fp32
      // panel of the widened values.
      for (int64_t width : {16, 32, 64, 128}) {
        std::vector<uint16_t> panel(size_t(a.cols * width));
        std::vector<float> panel32(size_t(a.cols * width));
        DenseMatrix yp(a.rows, d), yp32(a.rows, d);
        for (int64_t c0 = 0; c0 < d; c0 += width) {
          const int64_t w = std::min<int64_t>(width, d - c0);
          t->pack_panel(xs.data(), st, d, 0, a.cols, c0, w, panel.data(), width);
          t->spmm_panel(arrays(a), panel.data(), st, width, nullptr, 0, a.rows, yp.data(), Storage::F32, d, c0, w, 96);
          t->pack_panel(xr.data(), Storage::F32, d, 0, a.cols, c0, w, panel32.data(), width);
          t->spmm_panel(arrays(a), panel32.data(), Storage::F32, width, nullptr, 0, a.rows, yp32.data(),
                        Storage::F32, d, c0, w, 96);
        }
        EXPECT_LT((yp - y).cwiseAbs().maxCoeff(), 1e-6 * (1 + y.cwiseAbs().maxCoeff())) << t->name << " " << width;
        if (st == Storage::BF16) EXPECT_EQ(yp, yp32) << t->name << " panels of " << width;
      }
    }
  }
}

TEST(Kernels, SparseFeatureHopMatchesTheDenseOne) {
  const CsrMatrix a = test_graph();
  const DenseMatrix xd = testing::random_dense(a.cols, 50, 8);
  std::vector<Triplet> t;
  for (int64_t i = 0; i < xd.rows(); ++i)
    for (int64_t j = 0; j < xd.cols(); ++j)
      if ((i * 7 + j * 3) % 5 == 0) t.push_back({int32_t(i), int32_t(j), xd(i, j)});
  const CsrMatrix xs = csr_from_triplets(xd.rows(), xd.cols(), std::move(t), false);
  const DenseMatrixD ref = testing::naive_product(a, to_dense(xs));
  std::vector<float> scratch(50);
  for (const KernelTable* k : variants()) {
    DenseMatrix y(a.rows, 50);
    k->spmm_sparse(arrays(a), arrays(xs), 50, 0, a.rows, y.data(), Storage::F32, scratch.data());
    EXPECT_LT(testing::max_rel_error(y, ref), 1e-5) << k->name;
  }
}

TEST(Kernels, ConversionsRoundToNearestEvenInEveryVariant) {
  // Every finite 16-bit value survives the round trip; midpoints between two
  // neighbours go to the even one; overflow goes to infinity; NaN stays NaN.
  for (const KernelTable* t : variants())
    for (Storage st : {Storage::BF16, Storage::F16}) {
      std::vector<uint16_t> all(65536), back(65536);
      for (int i = 0; i < 65536; ++i) all[size_t(i)] = uint16_t(i);
      std::vector<float> wide(65536);
      t->to_f32(all.data(), st, wide.data(), 65536);
      t->from_f32(wide.data(), back.data(), st, 65536);
      const int exp_bits = st == Storage::BF16 ? 8 : 5, man_bits = st == Storage::BF16 ? 7 : 10;
      for (int i = 0; i < 65536; ++i) {
        const bool nan = ((i >> man_bits) & ((1 << exp_bits) - 1)) == (1 << exp_bits) - 1 && (i & ((1 << man_bits) - 1));
        const bool subnormal = ((i >> man_bits) & ((1 << exp_bits) - 1)) == 0 && (i & ((1 << man_bits) - 1));
        if (nan) {
          EXPECT_TRUE(std::isnan(wide[size_t(i)])) << t->name << " " << i;
          continue;
        }
        if (subnormal && st == Storage::BF16 && std::strcmp(t->bf16_name, "avx512bf16") == 0) continue;  // flushed
        ASSERT_EQ(back[size_t(i)], all[size_t(i)]) << t->name << " storage " << int(st) << " value " << i;
      }
      // Midpoints: 1 + half an ulp rounds down to 1 (even), 1 + 3 half-ulps up to 1 + 2 ulps.
      const float ulp = std::ldexp(1.0f, -man_bits);
      const float mids[] = {1.0f + 0.5f * ulp, 1.0f + 1.5f * ulp, -1.0f - 0.5f * ulp, 1e30f, 70000.0f};
      uint16_t h[5];
      float r[5];
      t->from_f32(mids, h, st, 5);
      t->to_f32(h, st, r, 5);
      EXPECT_EQ(r[0], 1.0f) << t->name;
      EXPECT_EQ(r[1], 1.0f + 2 * ulp) << t->name;
      EXPECT_EQ(r[2], -1.0f) << t->name;
      if (st == Storage::F16) {
        EXPECT_TRUE(std::isinf(r[3]) && std::isinf(r[4])) << t->name;
      } else {
        EXPECT_NEAR(r[3], 1e30f, 1e30f / 128) << t->name;
      }
      const float qnan = f32_of_bits(0x7fc00001u);
      uint16_t hn;
      float rn;
      t->from_f32(&qnan, &hn, st, 1);
      t->to_f32(&hn, st, &rn, 1);
      EXPECT_TRUE(std::isnan(rn)) << t->name;
    }
}

TEST(Kernels, VariantsConvertAlike) {
  const DenseMatrix x = testing::random_dense(1000, 33, 2) * 1000.0f;
  const KernelTable& scalar = *kernels::table_for(Isa::Scalar);
  for (const KernelTable* t : variants())
    for (Storage st : {Storage::BF16, Storage::F16}) {
      std::vector<uint16_t> a(size_t(x.size())), b(size_t(x.size()));
      scalar.from_f32(x.data(), a.data(), st, x.size());
      t->from_f32(x.data(), b.data(), st, x.size());
      EXPECT_EQ(a, b) << t->name << " storage " << int(st);
    }
}

TEST(Kernels, VectorDotAndAxpyMatchDoubleInEveryVariant) {
  for (int64_t n : {1, 7, 16, 33, 256, 1001}) {
    const DenseMatrix xy = testing::random_dense(2, n, uint64_t(n) + 5);
    const float* x = xy.data();
    const float* y = xy.data() + n;
    double ref = 0, mag = 0;
    for (int64_t i = 0; i < n; ++i) ref += double(x[i]) * y[i], mag += std::abs(double(x[i]) * y[i]);
    for (const KernelTable* t : variants()) {
      EXPECT_LE(std::abs(t->dot(x, y, n) - ref), 1e-6 * mag + 1e-30) << t->name << " dot, n = " << n;
      std::vector<float> out(y, y + n);
      t->axpy(-0.75f, x, out.data(), n);
      for (int64_t i = 0; i < n; ++i)
        ASSERT_NEAR(out[size_t(i)], y[i] - 0.75 * double(x[i]), 1e-6 * (1 + std::abs(y[i]) + std::abs(x[i])))
            << t->name << " axpy, n = " << n << ", i = " << i;
    }
  }
}

// Higham's bound for any order of summing n rounded products: gamma_n times the sum of their magnitudes.
double gamma_bound(int64_t n) {
  const double u = std::ldexp(1.0, -24);
  return double(n) * u / (1 - double(n) * u);
}

// The softmax head's products in every variant against a double product, for
// class counts around the vector widths (c padded to whole kHeadPad columns),
// odd feature counts, row counts that are no multiple of any tile, and
// strides wider than the rows; a logit does not depend on the rows beside it
// and the gradient adds the rows in order (one call on m rows equals m calls on one).
TEST(Kernels, HeadProductsMatchDoubleInEveryVariant) {
  const std::vector<std::array<int64_t, 2>> shapes{{1, 1}, {5, 17}, {9, 602}, {37, 130}, {13, 129}, {300, 603}};
  for (const auto& [m, d] : shapes)
    for (int64_t c : {1, 2, 7, 16, 41, 47, 80}) {
      const int64_t cols = (c + kernels::kHeadPad - 1) / kernels::kHeadPad * kernels::kHeadPad;
      ASSERT_EQ(cols % kernels::kHeadPad, 0);
      const int64_t ldx = d + 3, ldw = cols + 5, ldz = cols + 3, ldp = cols + 1, ldg = cols + 7;
      const uint64_t seed = uint64_t(m * 1000 + d * 10 + c);
      const DenseMatrix x = testing::random_dense(m, ldx, seed + 1);
      const DenseMatrix w = testing::random_dense(d, ldw, seed + 2);
      const DenseMatrix p = testing::random_dense(m, ldp, seed + 3);
      const DenseMatrix g0 = testing::random_dense(d, ldg, seed + 4);
      const std::string shape = " m " + std::to_string(m) + " d " + std::to_string(d) + " c " + std::to_string(c);
      for (const KernelTable* t : variants()) {
        DenseMatrix z = DenseMatrix::Constant(m, ldz, 7.0f), g = g0;
        t->head_logits(x.data(), ldx, m, d, w.data(), ldw, cols, z.data(), ldz);
        t->head_add_outer(x.data(), ldx, m, d, p.data(), ldp, cols, g.data(), ldg);
        for (int64_t i = 0; i < m; ++i) {
          for (int64_t j = 0; j < cols; ++j) {
            double ref = 0, mag = 0;
            for (int64_t k = 0; k < d; ++k) ref += double(x(i, k)) * w(k, j), mag += std::abs(double(x(i, k)) * w(k, j));
            ASSERT_LE(std::abs(z(i, j) - ref), gamma_bound(d) * mag + 1e-30)
                << t->name << shape << ": logit " << i << "," << j;
          }
          for (int64_t j = cols; j < ldz; ++j) ASSERT_EQ(z(i, j), 7.0f) << t->name << shape << ": wrote past cols";
        }
        for (int64_t k = 0; k < d; ++k) {
          for (int64_t j = 0; j < cols; ++j) {
            double ref = g0(k, j), mag = std::abs(ref);
            for (int64_t i = 0; i < m; ++i) ref += double(p(i, j)) * x(i, k), mag += std::abs(double(p(i, j)) * x(i, k));
            ASSERT_LE(std::abs(g(k, j) - ref), gamma_bound(m + 1) * mag + 1e-30)
                << t->name << shape << ": gradient " << k << "," << j;
          }
          for (int64_t j = cols; j < ldg; ++j) ASSERT_EQ(g(k, j), g0(k, j)) << t->name << shape << ": wrote past cols";
        }
        DenseMatrix z_rows = DenseMatrix::Constant(m, ldz, 7.0f), g_rows = g0;
        for (int64_t i = 0; i < m; ++i) {
          t->head_logits(x.data() + i * ldx, ldx, 1, d, w.data(), ldw, cols, z_rows.data() + i * ldz, ldz);
          t->head_add_outer(x.data() + i * ldx, ldx, 1, d, p.data() + i * ldp, ldp, cols, g_rows.data(), ldg);
        }
        EXPECT_TRUE(z == z_rows) << t->name << shape << ": a logit depends on the other rows of the call";
        EXPECT_TRUE(g == g_rows) << t->name << shape << ": rows not added in order";
      }
    }
}

// The head's softmax rows in every variant against double: probabilities
// minus the one-hot label, zero padding, the row sums and label logits that
// give the loss, and the bias gradient (logits spread wide enough that some
// probabilities underflow).
TEST(Kernels, HeadSoftmaxMatchesDoubleInEveryVariant) {
  const double u = std::ldexp(1.0, -24);
  for (int64_t c : {1, 2, 7, 16, 41, 47, 80}) {
    const int64_t m = 37, ldz = (c + kernels::kHeadPad - 1) / kernels::kHeadPad * kernels::kHeadPad;
    const DenseMatrix z0 = testing::random_dense(m, ldz, uint64_t(c) + 7) * 120.0f;
    const DenseMatrix bias = testing::random_dense(1, c, uint64_t(c) + 8);
    std::vector<int32_t> labels(static_cast<size_t>(m));
    for (int64_t i = 0; i < m; ++i) labels[size_t(i)] = int32_t((i * 7 + 3) % c);
    for (const KernelTable* t : variants()) {
      DenseMatrix z = z0;
      std::vector<float> gb(static_cast<size_t>(c), 0.5f), sums(static_cast<size_t>(m)), lab(static_cast<size_t>(m));
      t->head_softmax(z.data(), ldz, m, c, bias.data(), labels.data(), gb.data(), sums.data(), lab.data());
      std::vector<double> gb_ref(size_t(c), 0.5), gb_mag(size_t(c), 0.5);
      for (int64_t i = 0; i < m; ++i) {
        // e_j's error: a few ulp for exp, plus |t_j - max| ulp from rounding t_j - max in float.
        std::vector<double> e(static_cast<size_t>(c)), e_err(static_cast<size_t>(c));
        double mx = -1e300, s = 0, s_err = 0;
        for (int64_t j = 0; j < c; ++j) mx = std::max(mx, double(z0(i, j) + bias(0, j)));
        for (int64_t j = 0; j < c; ++j) {
          const double x = double(z0(i, j) + bias(0, j)) - mx;
          s += e[size_t(j)] = std::exp(x);
          s_err += e_err[size_t(j)] = (std::abs(x) + 4) * u * e[size_t(j)];
        }
        s_err += double(c) * u * s;
        const std::string at = std::string(t->name) + " c " + std::to_string(c) + " row " + std::to_string(i);
        ASSERT_LE(std::abs(sums[size_t(i)] - s), s_err) << at << ": row sum";
        const int32_t y = labels[size_t(i)];
        ASSERT_LE(std::abs(lab[size_t(i)] - (double(z0(i, y) + bias(0, y)) - mx)), 2 * u * (std::abs(mx) + 1)) << at;
        for (int64_t j = 0; j < c; ++j) {
          const double q = e[size_t(j)] / s, p = q - (j == y ? 1.0 : 0.0);
          const double tol = q * (e_err[size_t(j)] / e[size_t(j)] + s_err / s + 2 * u) + u * std::abs(p) + 1e-37;
          ASSERT_LE(std::abs(z(i, j) - p), tol) << at << ", class " << j;
          gb_ref[size_t(j)] += p, gb_mag[size_t(j)] += std::abs(p) + tol / u;
        }
        for (int64_t j = c; j < ldz; ++j) ASSERT_EQ(z(i, j), 0.0f) << at << ": padding";
      }
      for (int64_t j = 0; j < c; ++j)
        ASSERT_LE(std::abs(gb[size_t(j)] - gb_ref[size_t(j)]), double(m + 2) * u * gb_mag[size_t(j)])
            << t->name << " c " << c << ": bias gradient " << j;
    }
  }
}

}  // namespace
}  // namespace sgc
