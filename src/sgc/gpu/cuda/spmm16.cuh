// Sparse x dense products with X and Y stored in 16 bits (bfloat16 or IEEE
// half) and sums in fp32, the GPU side of --precision bf16|fp16: S in CSR
// (int64 row offsets, int32 columns, fp32 values), X and Y row-major n x d,
// d even. One warp per row; each lane holds P pairs of columns (a pass
// covers 64 P columns) as float2 sums formed with fmaf in S's entry order,
// reading x's rows as 32-bit pairs (a warp reads 128 contiguous bytes per
// entry and pair slot), and rounds each sum to 16 bits once (round to
// nearest even, as the CPU's kernels/ do).
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "sgc/gpu/cuda/cuda_util.cuh"

namespace sgc::cuda {

template <class T>
struct Half16;
template <>
struct Half16<__nv_bfloat16> {
  using Pair = __nv_bfloat162;
  static __device__ float2 widen(Pair p) { return __bfloat1622float2(p); }
  static __device__ Pair narrow(float a, float b) { return __floats2bfloat162_rn(a, b); }
  static __device__ float widen1(__nv_bfloat16 v) { return __bfloat162float(v); }
  static __device__ __nv_bfloat16 narrow1(float v) { return __float2bfloat16_rn(v); }
};
template <>
struct Half16<__half> {
  using Pair = __half2;
  static __device__ float2 widen(Pair p) { return __half22float2(p); }
  static __device__ Pair narrow(float a, float b) { return __floats2half2_rn(a, b); }
  static __device__ float widen1(__half v) { return __half2float(v); }
  static __device__ __half narrow1(float v) { return __float2half_rn(v); }
};

// Columns [c0, c0 + 64 P) of rows 0..m of y = (S x)[rows] (rows null: every
// row, m = n), y stored as Out: T, or float for a last hop kept in fp32.
template <class T, class Out, int P>
__global__ void spmm16_kernel(const int64_t* indptr, const int32_t* indices, const float* values, const T* x, Out* y,
                              const int32_t* rows, int64_t m, int64_t d, int64_t c0) {
  using H = Half16<T>;
  const int lane = threadIdx.x % kWarp;
  const int64_t warps = int64_t(gridDim.x) * kWarpsPerBlock;
  const int64_t pairs = d / 2, first = c0 / 2;
  for (int64_t r = (blockIdx.x * int64_t(blockDim.x) + threadIdx.x) / kWarp; r < m; r += warps) {
    const int64_t i = rows ? int64_t(rows[r]) : r;
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

// y = (S x)[rows] (m rows; rows null: every row, m = n), d even.
template <class T, class Out>
void hop16(const int64_t* indptr, const int32_t* indices, const float* values, const T* x, Out* y,
           const int32_t* rows, int64_t m, int64_t d) {
  for (int64_t c0 = 0; c0 < d; c0 += 256) {  // four pairs a lane a pass at most
    const int64_t width = d - c0 < 256 ? d - c0 : 256;
    const int blocks = warp_blocks(m);
    if (width <= 64)
      spmm16_kernel<T, Out, 1><<<blocks, kThreads>>>(indptr, indices, values, x, y, rows, m, d, c0);
    else if (width <= 128)
      spmm16_kernel<T, Out, 2><<<blocks, kThreads>>>(indptr, indices, values, x, y, rows, m, d, c0);
    else
      spmm16_kernel<T, Out, 4><<<blocks, kThreads>>>(indptr, indices, values, x, y, rows, m, d, c0);
    launched("a 16-bit sparse x dense product");
  }
}

// y[0..n) = x[0..n) rounded to 16 bits.
template <class T>
__global__ void narrow_kernel(T* y, const float* x, int64_t n) {
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < n; e += int64_t(gridDim.x) * blockDim.x)
    y[e] = Half16<T>::narrow1(x[e]);
}

// out[r, :] = scale * x[rows ? rows[r] : r, :] widened to fp32, r < count.
template <class T>
__global__ void gather16_kernel(float* out, const T* x, int64_t d, const int32_t* rows, int64_t count, float scale) {
  const int64_t n = count * d;
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < n; e += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = e / d;
    out[e] = scale * Half16<T>::widen1(x[(rows ? int64_t(rows[r]) : r) * d + e % d]);
  }
}

}  // namespace sgc::cuda
