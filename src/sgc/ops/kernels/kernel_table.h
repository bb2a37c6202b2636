// The hot loops of propagation, compiled three times (baseline x86-64, AVX2 +
// FMA + F16C, AVX-512) and chosen once at run time from what the CPU reports
// (cpuid via __builtin_cpu_supports), so one binary runs on any x86-64 and
// still uses the widest vectors the host has. SGC_KERNEL=scalar|avx2|avx512
// forces a variant (tests run each one against the scalar reference).
//
// The variants are the same source (kernel_body.h) in distinct namespaces,
// each in its own object with its own -m flags. They take raw pointers and
// use no inline function or template shared with the rest of the program:
// the linker keeps one copy of such code, and a copy compiled for AVX-512
// could otherwise end up on the baseline path (tests/portable_build_test.cc
// checks the objects with objdump). This header therefore has declarations
// and plain structs only.
#pragma once

#include <cstdint>

namespace sgc::kernels {

// The softmax head's class columns come in multiples of this (whole vectors
// of every variant): 41 classes are computed as 48.
constexpr int64_t kHeadPad = 16;

enum class Isa : int { Scalar = 0, Avx2 = 1, Avx512 = 2 };

// How a dense feature matrix is stored: fp32, or 16 bits (bfloat16: fp32's
// exponent, 8 significant bits; IEEE binary16: 5-bit exponent, 11 significant
// bits) with every product accumulated in fp32.
enum class Storage : int { F32 = 0, BF16 = 1, F16 = 2 };

// A CSR matrix as raw arrays.
struct Csr {
  const int64_t* indptr;
  const int32_t* indices;
  const float* values;
  int64_t nnz;
};

struct KernelTable {
  Isa isa;
  const char* name;       // "scalar", "avx2", "avx512"
  const char* bf16_name;  // how fp32 -> bf16 is converted ("avx2 integer rounding", "avx512bf16")

  // Whole rows: for r in [r0, r1), i = rows ? rows[r] : r,
  //   y[r * y_stride + c] = sum_p a.values[p] * x[a.indices[p] * d + c], c < d,
  // summed in index order p = a.indptr[i] .. a.indptr[i+1]. x is stored as
  // xt, y as yt; scratch holds 2 d floats (16-bit rows are widened there).
  // The first `prefetch_lines` cache lines of the row `prefetch` non-zeros
  // ahead are prefetched.
  void (*spmm_rows)(const Csr& a, const void* x, Storage xt, int64_t d, const int32_t* rows, int64_t r0, int64_t r1,
                    void* y, Storage yt, int64_t y_stride, float* scratch, int64_t prefetch, int64_t prefetch_lines);

  // Packs columns [c0, c0 + w) of rows [j0, j1) of x (row stride d, stored
  // as xt) into panel rows of `width` elements (w <= width; the rest zero),
  // stored as x is: a 16-bit panel holds twice the columns in the same cache.
  void (*pack_panel)(const void* x, Storage xt, int64_t d, int64_t j0, int64_t j1, int64_t c0, int64_t w,
                     void* panel, int64_t width);

  // Column panel: the same sums as spmm_rows over a packed panel of `width`
  // (16, 32, 64 or 128) columns stored as pt (widened exactly to fp32 as
  // read); writes columns [c0, c0 + w) of y.
  void (*spmm_panel)(const Csr& a, const void* panel, Storage pt, int64_t width, const int32_t* rows, int64_t r0,
                     int64_t r1, void* y, Storage yt, int64_t y_stride, int64_t c0, int64_t w, int64_t prefetch);

  // Sparse features: rows [r0, r1) of y (d columns, stored as yt) = a x for
  // x in CSR; scratch holds d floats.
  void (*spmm_sparse)(const Csr& a, const Csr& x, int64_t d, int64_t r0, int64_t r1, void* y, Storage yt,
                      float* scratch);

  // dst[0..n) = src[0..n) converted (round to nearest even; NaN stays NaN).
  void (*to_f32)(const void* src, Storage st, float* dst, int64_t n);
  void (*from_f32)(const float* src, void* dst, Storage dt, int64_t n);

  // Dense fp32 vectors (the sampled contrastive loss's row pairs): the sum of
  // x[i] y[i] over i < n, in a fixed lane order per variant; and y += a x.
  float (*dot)(const float* x, const float* y, int64_t n);
  void (*axpy)(float a, const float* x, float* y, int64_t n);

  // The softmax head (c classes, a few to a few dozen), as GEMM micro-kernels
  // (head_body.h). x is m x d (row stride ldx); W is feature-major, d rows of
  // ldw floats; `cols` columns are computed, a multiple of kHeadPad (callers
  // pad c with zero columns of W, and of p for the gradient, and ignore the rest):
  //   head_logits:    z[i ldz + j] = sum_k x[i ldx + k] w[k ldw + j],            j < cols
  //   head_add_outer: g[k ldg + j] += sum_i p[i ldp + j] x[i ldx + k], rows i in order, j < cols
  // A logit sums k in blocks in a fixed order, independent of m; a gradient
  // entry adds the rows one after another, so one call on m rows equals m calls on one.
  void (*head_logits)(const float* x, int64_t ldx, int64_t m, int64_t d, const float* w, int64_t ldw, int64_t cols,
                      float* z, int64_t ldz);
  void (*head_add_outer)(const float* x, int64_t ldx, int64_t m, int64_t d, const float* p, int64_t ldp, int64_t cols,
                         float* g, int64_t ldg);
  // Rows of logits z (stride ldz, a multiple of kHeadPad; c <= ldz classes)
  // in place: t = z + bias, e = exp(t - max t), s = sum e; the row becomes
  // e / s minus the one-hot label (zero beyond c) and is added to bias_grad
  // (rows in order); row_sum[i] = s, row_label[i] = t[label] - max t.
  void (*head_softmax)(float* z, int64_t ldz, int64_t m, int64_t c, const float* bias, const int32_t* labels,
                       float* bias_grad, float* row_sum, float* row_label);
};

// The variant in use: SGC_KERNEL if set (an ArgumentError if it names a
// variant this CPU cannot run), else the widest the CPU supports.
const KernelTable& active();
// The variant for `isa`, or nullptr when this CPU (or build) cannot run it.
const KernelTable* table_for(Isa isa);
// Widest variant the CPU supports, ignoring SGC_KERNEL.
Isa detected_isa();
const char* isa_name(Isa isa);

}  // namespace sgc::kernels
