// Sparse x dense products reading X in pairs of columns: X and Y stored in
// 16 bits (bfloat16 or IEEE half: the GPU side of --precision bf16|fp16) or
// in fp32, sums in fp32. S in CSR (int64 row offsets, int32 columns, fp32
// values), X and Y row-major n x d, d even. One warp per row; each lane holds
// P pairs of columns (a pass covers 64 P columns) as float2 sums formed with
// fmaf in S's entry order, reading x's rows as pairs (a warp reads 64 P
// contiguous values per entry), and rounds each sum to the storage once
// (round to nearest even, as the CPU's kernels/ do). Each pass reads S again
// and gathers only its columns of X: narrow passes keep the gathered columns
// of X in the L2 cache (pass_columns_for_l2).
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "sgc/gpu/cuda/cuda_util.cuh"

namespace sgc::cuda {

template <class T>
struct PairTraits;
template <>
struct PairTraits<__nv_bfloat16> {
  using Pair = __nv_bfloat162;
  static __device__ float2 widen(Pair p) { return __bfloat1622float2(p); }
  static __device__ Pair narrow(float a, float b) { return __floats2bfloat162_rn(a, b); }
  static __device__ float widen1(__nv_bfloat16 v) { return __bfloat162float(v); }
  static __device__ __nv_bfloat16 narrow1(float v) { return __float2bfloat16_rn(v); }
};
template <>
struct PairTraits<float> {
  using Pair = float2;
  static __device__ float2 widen(Pair p) { return p; }
  static __device__ Pair narrow(float a, float b) { return make_float2(a, b); }
  static __device__ float widen1(float v) { return v; }
  static __device__ float narrow1(float v) { return v; }
};
template <>
struct PairTraits<__half> {
  using Pair = __half2;
  static __device__ float2 widen(Pair p) { return __half22float2(p); }
  static __device__ Pair narrow(float a, float b) { return __floats2half2_rn(a, b); }
  static __device__ float widen1(__half v) { return __half2float(v); }
  static __device__ __half narrow1(float v) { return __float2half_rn(v); }
};

// Columns [c0, c0 + 64 P) of rows 0..m of y = (S x)[rows] (rows null: every
// row, m = n), y stored as Out: T, or float for a last hop kept in fp32.
// With a block of S's rows [row0, row1) (indptr rebased to its first entry),
// y[r] is its r-th row (rows null, m = row1 - row0), or only the requested
// rows within the block are written (the others belong to other blocks).
template <class T, class Out, int P>
__global__ void spmm_pairs_kernel(const int64_t* indptr, const int32_t* indices, const float* values, const T* x, Out* y,
                              const int32_t* rows, int64_t m, int64_t d, int64_t c0, int64_t row0, int64_t row1) {
  using H = PairTraits<T>;
  const int lane = threadIdx.x % kWarp;
  const int64_t warps = int64_t(gridDim.x) * kWarpsPerBlock;
  const int64_t pairs = d / 2, first = c0 / 2;
  for (int64_t r = (blockIdx.x * int64_t(blockDim.x) + threadIdx.x) / kWarp; r < m; r += warps) {
    int64_t i = r;  // S's row, within the block
    if (rows) {
      i = int64_t(rows[r]);
      if (i < row0 || i >= row1) continue;  // the whole warp: one r
      i -= row0;
    }
    float2 sum[P];
#pragma unroll
    for (int t = 0; t < P; ++t) sum[t] = make_float2(0.0f, 0.0f);
    for (int64_t p = indptr[i]; p < indptr[i + 1]; ++p) {
      const float v = values[p];
      const typename H::Pair* row = reinterpret_cast<const typename H::Pair*>(x + int64_t(indices[p]) * d);
#pragma unroll
      for (int t = 0; t < P; ++t) {
        const int64_t pair = first + lane + int64_t(kWarp) * t;
        if (pair < pairs) {
          const float2 f = H::widen(row[pair]);
          sum[t].x = fmaf(v, f.x, sum[t].x);
          sum[t].y = fmaf(v, f.y, sum[t].y);
        }
      }
    }
#pragma unroll
    for (int t = 0; t < P; ++t) {
      const int64_t pair = first + lane + int64_t(kWarp) * t;
      if (pair >= pairs) continue;
      if constexpr (sizeof(Out) == 4)
        reinterpret_cast<float2*>(y + r * d)[pair] = sum[t];
      else
        reinterpret_cast<typename H::Pair*>(y + r * d)[pair] = H::narrow(sum[t].x, sum[t].y);
    }
  }
}

// y = (S x)[rows] (m rows; rows null: every row, m = n), d even, in passes
// of `pass` columns (64, 128 or 256); with S a block of rows [row0, row1) as
// in spmm_pairs_kernel.
template <class T, class Out>
void hop_pairs(const int64_t* indptr, const int32_t* indices, const float* values, const T* x, Out* y,
               const int32_t* rows, int64_t m, int64_t d, int64_t pass = 256, int64_t row0 = 0,
               int64_t row1 = INT64_MAX) {
  for (int64_t c0 = 0; c0 < d; c0 += pass) {
    const int64_t width = d - c0 < pass ? d - c0 : pass;
    const int blocks = warp_blocks(m);
    if (width <= 64)
      spmm_pairs_kernel<T, Out, 1><<<blocks, kThreads>>>(indptr, indices, values, x, y, rows, m, d, c0, row0,
                                                                        row1);
    else if (width <= 128)
      spmm_pairs_kernel<T, Out, 2><<<blocks, kThreads>>>(indptr, indices, values, x, y, rows, m, d, c0, row0,
                                                                        row1);
    else
      spmm_pairs_kernel<T, Out, 4><<<blocks, kThreads>>>(indptr, indices, values, x, y, rows, m, d, c0, row0,
                                                                        row1);
    launched("a sparse x dense product (pairs of columns)");
  }
}

// The widest pass (256, 128 or 64 columns) whose columns of an n-row X in
// `bytes`-wide values fill at most half the device's L2 cache; 64 when those
// of a 64-column pass are within twice the L2 (the cache still holds a good
// part of them); else 256, the fewest passes over S, since no pass width
// keeps the gathers in the cache (papers100M's X).
inline int64_t pass_columns_for_l2(int64_t n, int bytes) {
  int dev = 0, l2 = 0;
  check(cudaGetDevice(&dev), "reading the current device");
  check(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, dev), "reading the L2 cache size");
  for (int64_t pass = 256; pass >= 64; pass /= 2)
    if (double(n) * double(pass) * bytes <= 0.5 * double(l2)) return pass;
  return double(n) * 64.0 * bytes <= 2.0 * double(l2) ? 64 : 256;
}

// y[0..n) = x[0..n) rounded to 16 bits.
template <class T>
__global__ void narrow_kernel(T* y, const float* x, int64_t n) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < n; e += int64_t(gridDim.x) * blockDim.x)
    y[e] = PairTraits<T>::narrow1(x[e]);
}

// out[r, :] = scale * x[rows ? rows[r] : r, :] widened to fp32, r < count.
template <class T>
__global__ void gather_widened_kernel(float* out, const T* x, int64_t d, const int32_t* rows, int64_t count, float scale) {
  const int64_t n = count * d;
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < n; e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = e / d;
    out[e] = scale * PairTraits<T>::widen1(x[(rows ? int64_t(rows[r]) : r) * d + e % d]);
  }
}

}  // namespace sgc::cuda
