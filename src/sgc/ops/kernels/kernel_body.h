// The kernels of kernel_table.h, compiled once per instruction set: each of
// kernels_{scalar,avx2,avx512}.cc defines SGC_KERNEL_NS (its namespace) and
// SGC_KERNEL_TABLE (the table's name) and includes this file. Everything
// here has internal linkage and calls no shared inline code (no std::
// algorithms, no Eigen): only builtins and the intrinsics of the file's own
// instruction set, so no AVX code can be merged into a baseline path.
//
// Formats: bfloat16 is the upper half of an fp32 (rounded to nearest even);
// binary16 is IEEE 754 half precision (F16C's vcvtps2ph / vcvtph2ps where the
// CPU has them, the same rounding in integer arithmetic otherwise).
#include <cstdint>

#if defined(__AVX2__) || defined(__F16C__)
#include <immintrin.h>
#endif

#include "sgc/ops/kernels/kernel_table.h"

#if !defined(SGC_KERNEL_NS) || !defined(SGC_KERNEL_TABLE)
#error "define SGC_KERNEL_NS and SGC_KERNEL_TABLE before including kernel_body.h"
#endif

namespace sgc::kernels {
namespace SGC_KERNEL_NS {
namespace {

inline float from_bits(uint32_t u) {
  float f;
  __builtin_memcpy(&f, &u, 4);
  return f;
}
inline uint32_t to_bits(float f) {
  uint32_t u;
  __builtin_memcpy(&u, &f, 4);
  return u;
}

inline float bf16_to_f32(uint16_t h) { return from_bits(uint32_t(h) << 16); }

inline uint16_t f32_to_bf16(float f) {
  const uint32_t u = to_bits(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return uint16_t((u >> 16) | 0x40u);  // NaN stays a (quiet) NaN
  return uint16_t((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);                  // round to nearest even
}

inline float f16_to_f32_soft(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16;
  const uint32_t e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
  if (e == 0) return m == 0 ? from_bits(sign) : from_bits(sign | to_bits(float(m) * 5.9604644775390625e-8f));
  if (e == 31) return from_bits(sign | 0x7f800000u | (m << 13));
  return from_bits(sign | ((e + 112) << 23) | (m << 13));
}

inline uint16_t f32_to_f16_soft(float f) {
  const uint32_t u = to_bits(f);
  const uint16_t sign = uint16_t((u >> 16) & 0x8000u);
  const uint32_t x = u & 0x7fffffffu;
  if (x > 0x7f800000u) return uint16_t(sign | 0x7e00u | ((x >> 13) & 0x3ffu));  // NaN, quiet, payload kept
  if (x >= 0x47800000u) return uint16_t(sign | 0x7c00u);                         // beyond binary16: infinity
  if (x < 0x38800000u) {                                                         // a binary16 subnormal or zero
    if (x < 0x33000000u) return sign;                                            // below half the smallest: 0
    const uint32_t e = x >> 23, m = (x & 0x7fffffu) | 0x800000u, shift = 126 - e;
    uint32_t r = m >> shift;
    const uint32_t rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (r & 1u))) ++r;
    return uint16_t(sign | r);
  }
  uint32_t h = ((x >> 23) - 112) << 10 | ((x >> 13) & 0x3ffu);
  const uint32_t rem = x & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;  // a carry into the exponent is right, up to infinity
  return uint16_t(sign | h);
}

void bf16_to_f32_n(const uint16_t* s, float* d, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) d[i] = bf16_to_f32(s[i]);
}

void f32_to_bf16_n(const float* s, uint16_t* d, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) d[i] = f32_to_bf16(s[i]);
}

#if defined(__AVX512F__)
// AVX-512 BF16's vcvtneps2bf16 (Cooper Lake, Zen 4 and later): the same
// rounding for normal numbers; it flushes fp32 subnormals to zero.
__attribute__((target("avx512bf16"))) void f32_to_bf16_native(const float* s, uint16_t* d, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + i), (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(s + i)));
  for (; i < n; ++i) d[i] = f32_to_bf16(s[i]);
}
#endif

void f16_to_f32_n(const uint16_t* s, float* d, int64_t n) {
  int64_t i = 0;
#if defined(__F16C__)
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(d + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i))));
#endif
  for (; i < n; ++i) d[i] = f16_to_f32_soft(s[i]);
}

void f32_to_f16_n(const float* s, uint16_t* d, int64_t n) {
  int64_t i = 0;
#if defined(__F16C__)
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(d + i), _mm256_cvtps_ph(_mm256_loadu_ps(s + i), _MM_FROUND_TO_NEAREST_INT));
#endif
  for (; i < n; ++i) d[i] = f32_to_f16_soft(s[i]);
}

void to_f32(const void* src, Storage st, float* dst, int64_t n) {
  if (st == Storage::BF16) return bf16_to_f32_n(static_cast<const uint16_t*>(src), dst, n);
  if (st == Storage::F16) return f16_to_f32_n(static_cast<const uint16_t*>(src), dst, n);
  __builtin_memcpy(dst, src, (__SIZE_TYPE__)(n) * 4);
}

void from_f32_with(const float* src, void* dst, Storage dt, int64_t n,
                   void (*bf16)(const float*, uint16_t*, int64_t)) {
  if (dt == Storage::BF16) return bf16(src, static_cast<uint16_t*>(dst), n);
  if (dt == Storage::F16) return f32_to_f16_n(src, static_cast<uint16_t*>(dst), n);
  __builtin_memcpy(dst, src, (__SIZE_TYPE__)(n) * 4);
}

void from_f32(const float* src, void* dst, Storage dt, int64_t n) { from_f32_with(src, dst, dt, n, f32_to_bf16_n); }

#if defined(__AVX512F__)
void from_f32_native(const float* src, void* dst, Storage dt, int64_t n) {
  from_f32_with(src, dst, dt, n, f32_to_bf16_native);
}
#endif

inline int64_t bytes_of(Storage s) { return s == Storage::F32 ? 4 : 2; }

// out[0..d) += v * in[0..d), in stored as st.
inline void axpy(float v, const void* in, Storage st, float* out, int64_t d) {
  if (st == Storage::F32) {
    const float* x = static_cast<const float*>(in);
#pragma omp simd
    for (int64_t c = 0; c < d; ++c) out[c] += v * x[c];
  } else if (st == Storage::BF16) {
    const uint16_t* x = static_cast<const uint16_t*>(in);
#pragma omp simd
    for (int64_t c = 0; c < d; ++c) out[c] += v * bf16_to_f32(x[c]);
  } else {
    const uint16_t* x = static_cast<const uint16_t*>(in);
    int64_t c = 0;
#if defined(__F16C__)
    const __m256 vv = _mm256_set1_ps(v);
    for (; c + 8 <= d; c += 8) {
      const __m256 xc = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + c)));
      _mm256_storeu_ps(out + c, _mm256_add_ps(_mm256_loadu_ps(out + c), _mm256_mul_ps(vv, xc)));
    }
#endif
    for (; c < d; ++c) out[c] += v * f16_to_f32_soft(x[c]);
  }
}

void spmm_rows(const Csr& a, const void* x, Storage xt, int64_t d, const int32_t* rows, int64_t r0, int64_t r1,
               void* y, Storage yt, int64_t y_stride, float* scratch, int64_t prefetch, int64_t prefetch_lines) {
  const char* xb = static_cast<const char*>(x);
  const int64_t row_bytes = d * bytes_of(xt);
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t i = rows ? rows[r] : r;
    float* out = yt == Storage::F32 ? static_cast<float*>(y) + r * y_stride : scratch + d;
    for (int64_t c = 0; c < d; ++c) out[c] = 0.0f;
    for (int64_t p = a.indptr[i]; p < a.indptr[i + 1]; ++p) {
      if (p + prefetch < a.nnz) {
        const char* ahead = xb + int64_t(a.indices[p + prefetch]) * row_bytes;
        for (int64_t line = 0; line < prefetch_lines; ++line) __builtin_prefetch(ahead + 64 * line, 0, 3);
      }
      axpy(a.values[p], xb + int64_t(a.indices[p]) * row_bytes, xt, out, d);
    }
    if (yt != Storage::F32) from_f32(out, static_cast<uint16_t*>(y) + r * y_stride, yt, d);
  }
}

void pack_panel(const void* x, Storage xt, int64_t d, int64_t j0, int64_t j1, int64_t c0, int64_t w, void* panel,
                int64_t width) {
  const char* xb = static_cast<const char*>(x);
  const int64_t eb = bytes_of(xt);
  char* pb = static_cast<char*>(panel);
  for (int64_t j = j0; j < j1; ++j) {
    __builtin_memcpy(pb + j * width * eb, xb + (j * d + c0) * eb, (__SIZE_TYPE__)(w * eb));
    __builtin_memset(pb + (j * width + w) * eb, 0, (__SIZE_TYPE__)((width - w) * eb));
  }
}

// acc[0..W) += v * in[0..W), in stored as PT and widened exactly.
template <int W, Storage PT>
inline void panel_axpy(float v, const void* in, float* acc) {
  if constexpr (PT == Storage::F32) {
    const float* x = static_cast<const float*>(in);
#pragma omp simd
    for (int j = 0; j < W; ++j) acc[j] += v * x[j];
  } else if constexpr (PT == Storage::BF16) {
    const uint16_t* x = static_cast<const uint16_t*>(in);
#pragma omp simd
    for (int j = 0; j < W; ++j) acc[j] += v * bf16_to_f32(x[j]);
  } else {
    const uint16_t* x = static_cast<const uint16_t*>(in);
#if defined(__F16C__)
    const __m256 vv = _mm256_set1_ps(v);
    for (int j = 0; j < W; j += 8) {
      const __m256 xc = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + j)));
      _mm256_storeu_ps(acc + j, _mm256_add_ps(_mm256_loadu_ps(acc + j), _mm256_mul_ps(vv, xc)));
    }
#else
    for (int j = 0; j < W; ++j) acc[j] += v * f16_to_f32_soft(x[j]);
#endif
  }
}

template <int W, Storage PT>
void panel_rows(const Csr& a, const void* panel, const int32_t* rows, int64_t r0, int64_t r1, void* y, Storage yt,
                int64_t y_stride, int64_t c0, int64_t w, int64_t prefetch) {
  constexpr int64_t row_bytes = W * (PT == Storage::F32 ? 4 : 2);
  const char* pb = static_cast<const char*>(panel);
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t i = rows ? rows[r] : r;
    alignas(64) float acc[W];
    for (int j = 0; j < W; ++j) acc[j] = 0.0f;
    for (int64_t p = a.indptr[i]; p < a.indptr[i + 1]; ++p) {
      if (p + prefetch < a.nnz) {
        const char* ahead = pb + int64_t(a.indices[p + prefetch]) * row_bytes;
        for (int64_t line = 0; line < (row_bytes + 63) / 64; ++line) __builtin_prefetch(ahead + 64 * line, 0, 3);
      }
      panel_axpy<W, PT>(a.values[p], pb + int64_t(a.indices[p]) * row_bytes, acc);
    }
    if (yt == Storage::F32) {
      float* out = static_cast<float*>(y) + r * y_stride + c0;
      for (int64_t j = 0; j < w; ++j) out[j] = acc[j];
    } else {
      from_f32(acc, static_cast<uint16_t*>(y) + r * y_stride + c0, yt, w);
    }
  }
}

template <Storage PT>
void spmm_panel_as(const Csr& a, const void* panel, int64_t width, const int32_t* rows, int64_t r0, int64_t r1,
                   void* y, Storage yt, int64_t y_stride, int64_t c0, int64_t w, int64_t prefetch) {
  switch (width) {
    case 16: return panel_rows<16, PT>(a, panel, rows, r0, r1, y, yt, y_stride, c0, w, prefetch);
    case 32: return panel_rows<32, PT>(a, panel, rows, r0, r1, y, yt, y_stride, c0, w, prefetch);
    case 64: return panel_rows<64, PT>(a, panel, rows, r0, r1, y, yt, y_stride, c0, w, prefetch);
    default: return panel_rows<128, PT>(a, panel, rows, r0, r1, y, yt, y_stride, c0, w, prefetch);
  }
}

void spmm_panel(const Csr& a, const void* panel, Storage pt, int64_t width, const int32_t* rows, int64_t r0,
                int64_t r1, void* y, Storage yt, int64_t y_stride, int64_t c0, int64_t w, int64_t prefetch) {
  if (pt == Storage::BF16) return spmm_panel_as<Storage::BF16>(a, panel, width, rows, r0, r1, y, yt, y_stride, c0, w, prefetch);
  if (pt == Storage::F16) return spmm_panel_as<Storage::F16>(a, panel, width, rows, r0, r1, y, yt, y_stride, c0, w, prefetch);
  spmm_panel_as<Storage::F32>(a, panel, width, rows, r0, r1, y, yt, y_stride, c0, w, prefetch);
}

void spmm_sparse(const Csr& a, const Csr& x, int64_t d, int64_t r0, int64_t r1, void* y, Storage yt, float* scratch) {
  for (int64_t i = r0; i < r1; ++i) {
    float* out = yt == Storage::F32 ? static_cast<float*>(y) + i * d : scratch;
    for (int64_t c = 0; c < d; ++c) out[c] = 0.0f;
    for (int64_t p = a.indptr[i]; p < a.indptr[i + 1]; ++p) {
      const float v = a.values[p];
      const int32_t j = a.indices[p];
      for (int64_t q = x.indptr[j]; q < x.indptr[j + 1]; ++q) out[x.indices[q]] += v * x.values[q];
    }
    if (yt != Storage::F32) from_f32(out, static_cast<uint16_t*>(y) + i * d, yt, d);
  }
}

float dot(const float* x, const float* y, int64_t n) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; ++i) s += x[i] * y[i];
  return s;
}

void axpy(float a, const float* x, float* y, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] += a * x[i];
}

#include "sgc/ops/kernels/head_body.h"

}  // namespace
}  // namespace SGC_KERNEL_NS

extern const KernelTable SGC_KERNEL_TABLE;
const KernelTable SGC_KERNEL_TABLE = {
    // bf16 rounding in integer arithmetic, vectorised by the compiler for the table's ISA.
    SGC_KERNEL_ISA,           SGC_KERNEL_NAME,         SGC_KERNEL_NAME " integer rounding",
    SGC_KERNEL_NS::spmm_rows, SGC_KERNEL_NS::pack_panel, SGC_KERNEL_NS::spmm_panel,
    SGC_KERNEL_NS::spmm_sparse, SGC_KERNEL_NS::to_f32,  SGC_KERNEL_NS::from_f32,
    SGC_KERNEL_NS::dot,       SGC_KERNEL_NS::axpy,
    SGC_KERNEL_NS::head_logits, SGC_KERNEL_NS::head_add_outer, SGC_KERNEL_NS::head_softmax,
};

#if defined(__AVX512F__)
// The same with AVX-512 BF16's conversion (chosen when the CPU has it).
extern const KernelTable SGC_KERNEL_TABLE_BF16;
const KernelTable SGC_KERNEL_TABLE_BF16 = {
    SGC_KERNEL_ISA,           SGC_KERNEL_NAME,         "avx512bf16",
    SGC_KERNEL_NS::spmm_rows, SGC_KERNEL_NS::pack_panel, SGC_KERNEL_NS::spmm_panel,
    SGC_KERNEL_NS::spmm_sparse, SGC_KERNEL_NS::to_f32,  SGC_KERNEL_NS::from_f32_native,
    SGC_KERNEL_NS::dot,       SGC_KERNEL_NS::axpy,
    SGC_KERNEL_NS::head_logits, SGC_KERNEL_NS::head_add_outer, SGC_KERNEL_NS::head_softmax,
};
#endif

}  // namespace sgc::kernels
