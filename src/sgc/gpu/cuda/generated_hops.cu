// run_generated_hops (gpu/cuda_backend.h): a graph of papers100M's shape made
// in device memory (gpu/generated_graph.h, entry by entry, the same functions
// the host uses to check it) and propagated with X and the hops in bfloat16.
//
// Making S: row lengths by one kernel, their inclusive scan (CUB) gives the
// row offsets and the non-zero count, then one warp per row writes its
// columns and values (a value needs the column's row length, recomputed from
// its hash rather than read: no random access). Memory, for 111M nodes, 3.34e9
// non-zeros and 128 features: S 26.7 GB (int32 columns, fp32 values), offsets
// 0.9 GB, two 16-bit hop buffers of 28.4 GB: 84 GB, where fp32 hops (114 GB
// for the two) would not leave room for S on a 141 GB GPU.
//
// The hop: one warp per row, each lane holding P pairs of columns (d <= 64 P
// per pass) as float2 sums, S's entries in order, x's rows read as bfloat162
// (a warp reads 128 contiguous bytes per pair of columns per entry) and the
// sums rounded to bfloat16 once (round to nearest even, as the CPU's
// kernels/). The sums are fmaf in entry order: the CPU's 16-bit path with
// FMA forms the same ones.
#include <cub/device/device_scan.cuh>
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <climits>
#include <string>
#include <utility>

#include "sgc/error.h"
#include "sgc/gpu/cuda/cuda_util.cuh"
#include "sgc/gpu/cuda_backend.h"
#include "sgc/gpu/generated_graph.h"

namespace sgc::cuda {

namespace {

constexpr int kWarp = 32;
constexpr int kWarpsPerBlock = kThreads / kWarp;

// Enough blocks for one warp per row, within the grid's limit (the loops
// stride over the rest).
int warp_blocks(int64_t rows) {
  const int64_t b = (rows + kWarpsPerBlock - 1) / kWarpsPerBlock;
  return int(b < 1 ? 1 : b > (int64_t(1) << 30) ? (int64_t(1) << 30) : b);
}

__global__ void row_lengths_kernel(GeneratedGraphSpec g, int64_t* length) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < g.nodes; i += int64_t(gridDim.x) * blockDim.x)
    length[i] = generated_row_length(g, i);
}

__global__ void fill_rows_kernel(GeneratedGraphSpec g, const int64_t* indptr, int32_t* indices, float* values) {
  const int lane = threadIdx.x % kWarp;
  const int64_t warps = int64_t(gridDim.x) * kWarpsPerBlock;
  for (int64_t i = (blockIdx.x * int64_t(blockDim.x) + threadIdx.x) / kWarp; i < g.nodes; i += warps) {
    const int64_t begin = indptr[i], length = indptr[i + 1] - begin;
    for (int64_t k = lane; k < length; k += kWarp) {
      const int32_t j = generated_column(g, i, k);
      indices[begin + k] = j;
      values[begin + k] = generated_value(length, generated_row_length(g, j));
    }
  }
}

__global__ void features_kernel(GeneratedGraphSpec g, __nv_bfloat16* x) {
  const int64_t n = g.nodes * g.features;
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < n; e += int64_t(gridDim.x) * blockDim.x)
    x[e] = __float2bfloat16_rn(generated_feature(g, e / g.features, e % g.features));
}

// Columns [c0, c0 + 64 P) of y = S x (n x d, bfloat16, d even).
template <int P>
__global__ void spmm_bf16_kernel(const int64_t* indptr, const int32_t* indices, const float* values,
                                 const __nv_bfloat16* x, __nv_bfloat16* y, int64_t n, int64_t d, int64_t c0) {
  const int lane = threadIdx.x % kWarp;
  const int64_t warps = int64_t(gridDim.x) * kWarpsPerBlock;
  const int64_t pairs = d / 2, first = c0 / 2;
  for (int64_t i = (blockIdx.x * int64_t(blockDim.x) + threadIdx.x) / kWarp; i < n; i += warps) {
    float2 sum[P];
#pragma unroll
    for (int t = 0; t < P; ++t) sum[t] = make_float2(0.0f, 0.0f);
    for (int64_t p = indptr[i]; p < indptr[i + 1]; ++p) {
      const float v = values[p];
      const __nv_bfloat162* row = reinterpret_cast<const __nv_bfloat162*>(x + int64_t(indices[p]) * d);
#pragma unroll
      for (int t = 0; t < P; ++t) {
        const int64_t pair = first + lane + int64_t(kWarp) * t;
        if (pair < pairs) {
          const float2 f = __bfloat1622float2(row[pair]);
          sum[t].x = fmaf(v, f.x, sum[t].x);
          sum[t].y = fmaf(v, f.y, sum[t].y);
        }
      }
    }
    __nv_bfloat162* out = reinterpret_cast<__nv_bfloat162*>(y + i * d);
#pragma unroll
    for (int t = 0; t < P; ++t) {
      const int64_t pair = first + lane + int64_t(kWarp) * t;
      if (pair < pairs) out[pair] = __floats2bfloat162_rn(sum[t].x, sum[t].y);
    }
  }
}

// out[r, :] = x[rows[r], :] widened to fp32.
__global__ void gather_bf16_kernel(float* out, const __nv_bfloat16* x, int64_t d, const int32_t* rows, int64_t count) {
  const int64_t n = count * d;
  for (int64_t e = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; e < n; e += int64_t(gridDim.x) * blockDim.x)
    out[e] = __bfloat162float(x[int64_t(rows[e / d]) * d + e % d]);
}

void hop_bf16(const int64_t* indptr, const int32_t* indices, const float* values, const __nv_bfloat16* x,
              __nv_bfloat16* y, int64_t n, int64_t d) {
  // Four pairs a lane (256 columns) a pass at most; fewer when d is smaller.
  for (int64_t c0 = 0; c0 < d; c0 += 256) {
    const int64_t width = d - c0 < 256 ? d - c0 : 256;
    if (width <= 64) spmm_bf16_kernel<1><<<warp_blocks(n), kThreads>>>(indptr, indices, values, x, y, n, d, c0);
    else if (width <= 128) spmm_bf16_kernel<2><<<warp_blocks(n), kThreads>>>(indptr, indices, values, x, y, n, d, c0);
    else spmm_bf16_kernel<4><<<warp_blocks(n), kThreads>>>(indptr, indices, values, x, y, n, d, c0);
    launched("a 16-bit sparse x dense product");
  }
}

}  // namespace

GeneratedRun run_generated_hops(const GeneratedGraphSpec& g, int hops, const int32_t* rows, int64_t row_count,
                                float* out) {
  if (g.nodes <= 0 || g.nodes >= INT_MAX) throw ArgumentError("generated graph: nodes must be in [1, 2^31)");
  if (g.features < 2 || g.features % 2) throw ArgumentError("generated graph: features must be even and >= 2");
  if (!(g.mean_row >= 1.0) || g.max_row < 1) throw ArgumentError("generated graph: mean and max row length >= 1");
  if (hops < 0) throw ArgumentError("generated graph: hops must be >= 0");
  if (row_count < 0 || (row_count > 0 && (!rows || !out))) throw ArgumentError("generated graph: rows without output");
  for (int64_t r = 0; r < row_count; ++r)
    if (rows[r] < 0 || rows[r] >= g.nodes)
      throw ArgumentError("generated graph: row " + std::to_string(rows[r]) + " outside the graph");
  const int64_t n = g.nodes, d = g.features;
  const double hop_buffers = 2.0 * 2.0 * double(n) * double(d);
  const std::string what = "a generated graph of " + std::to_string(n) + " nodes and " + std::to_string(d) +
                           " features in 16 bits";
  // Before anything is allocated, with the mean row length; again once S's size is known.
  require_device_memory(double(n) * g.mean_row * 8 + double(n) * 16 + hop_buffers, what);

  GeneratedRun run;
  EventClock clock;
  clock.start();
  Buffer<int64_t> indptr(size_t(n) + 1, "allocating the row offsets");
  {
    Buffer<int64_t> length(size_t(n), "allocating the row lengths");
    row_lengths_kernel<<<blocks_for(n), kThreads>>>(g, length.get());
    launched("the row lengths");
    check(cudaMemset(indptr.get(), 0, sizeof(int64_t)), "the first row offset");
    size_t temp_bytes = 0;
    check(cub::DeviceScan::InclusiveSum(nullptr, temp_bytes, length.get(), indptr.get() + 1, n), "sizing the scan");
    Buffer<char> temp(temp_bytes, "allocating the scan's workspace");
    check(cub::DeviceScan::InclusiveSum(temp.get(), temp_bytes, length.get(), indptr.get() + 1, n),
          "the row offsets");
  }
  check(cudaMemcpy(&run.nnz, indptr.get() + n, sizeof(int64_t), cudaMemcpyDeviceToHost), "reading the size of S");
  require_device_memory(double(run.nnz) * 8 + hop_buffers + 4.0 * double(row_count) * double(d), what);
  Buffer<int32_t> indices(size_t(run.nnz), "allocating S's columns");
  Buffer<float> values(size_t(run.nnz), "allocating S's values");
  fill_rows_kernel<<<warp_blocks(n), kThreads>>>(g, indptr.get(), indices.get(), values.get());
  launched("making S");
  Buffer<__nv_bfloat16> a(size_t(n * d), "allocating a hop buffer"), b(size_t(n * d), "allocating a hop buffer");
  features_kernel<<<blocks_for(n * d), kThreads>>>(g, a.get());
  launched("making X");
  run.generate = clock.seconds();

  clock.start();
  __nv_bfloat16* cur = a.get();
  __nv_bfloat16* next = b.get();
  for (int h = 0; h < hops; ++h) {
    hop_bf16(indptr.get(), indices.get(), values.get(), cur, next, n, d);
    std::swap(cur, next);
  }
  run.hops = clock.seconds();
  run.hop_bytes = double(run.nnz) * 8 + double(n + 1) * 8 + 2.0 * 2.0 * double(n) * double(d);

  if (row_count > 0) {
    Buffer<int32_t> drows(rows, size_t(row_count), "uploading the requested rows");
    Buffer<float> dout(size_t(row_count * d), "allocating the requested rows");
    gather_bf16_kernel<<<blocks_for(row_count * d), kThreads>>>(dout.get(), cur, d, drows.get(), row_count);
    launched("gathering the requested rows");
    check(cudaMemcpy(out, dout.get(), size_t(row_count * d) * sizeof(float), cudaMemcpyDeviceToHost),
          "copying the requested rows back");
  }
  return run;
}

}  // namespace sgc::cuda
