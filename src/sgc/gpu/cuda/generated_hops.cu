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
// The hops are spmm_pairs.cuh's, in bfloat16.
#include <cub/device/device_scan.cuh>
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <string>
#include <utility>

#include "sgc/error.h"
#include "sgc/gpu/cuda/cuda_util.cuh"
#include "sgc/gpu/cuda/spmm_pairs.cuh"
#include "sgc/gpu/cuda_backend.h"
#include "sgc/gpu/generated_graph.h"

namespace sgc::cuda {

namespace {

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

}  // namespace

GeneratedRun run_generated_hops(const GeneratedGraphSpec& g, int hops, const int32_t* rows, int64_t row_count,
                                float* out) {
  check_generated_spec(g);
  if (g.features % 2) throw ArgumentError("generated graph: the GPU reads features in 16-bit pairs: an even count");
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
  require_device_memory(generated_device_bytes(g), what);

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
  // No row is longer than max_row entries (a column named twice is one entry).
  const RowSchedule schedule(RowLengths{n, run.nnz, g.max_row});
  for (int h = 0; h < hops; ++h) {
    hop_pairs(indptr.get(), indices.get(), values.get(), cur, next, nullptr, n, d, schedule);
    std::swap(cur, next);
  }
  run.hops = clock.seconds();
  run.hop_bytes = double(run.nnz) * 8 + double(n + 1) * 8 + 2.0 * 2.0 * double(n) * double(d);

  if (row_count > 0) {
    Buffer<int32_t> drows(rows, size_t(row_count), "uploading the requested rows");
    Buffer<float> dout(size_t(row_count * d), "allocating the requested rows");
    gather_widened_kernel<<<blocks_for(row_count * d), kThreads>>>(dout.get(), cur, d, drows.get(), row_count, 1.0f);
    launched("gathering the requested rows");
    copy_to_host(out, dout.get(), size_t(row_count * d) * sizeof(float), "copying the requested rows back");
  }
  return run;
}

}  // namespace sgc::cuda
