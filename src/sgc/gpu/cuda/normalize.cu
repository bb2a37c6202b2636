// normalize_on_device (device_csr.cuh) and normalize_on_gpu (gpu/cuda_backend.h):
// S from A on the GPU by the per-node form of graph/normalization_form.h.
//
// One thread a row sums its degree in column order (double, as the host) and
// keeps l, r, c and whether the row needs a diagonal inserted; an inclusive
// scan (CUB) of the new row lengths gives S's row offsets; then one warp a row
// writes S's entries, the inserted diagonal placed before the first column
// beyond it (a warp minimum), every value formed by normalized_entry as on the
// host. Only A (and the form) crosses the bus.
#include <cub/device/device_scan.cuh>
#include <cuda_runtime.h>

#include <cstdint>
#include <string>

#include "sgc/error.h"
#include "sgc/gpu/cuda/cuda_util.cuh"
#include "sgc/gpu/cuda/device_csr.cuh"
#include "sgc/gpu/cuda_backend.h"

namespace sgc::cuda {

namespace {

__global__ void node_scales_kernel(NormalizationForm f, const int64_t* indptr, const int32_t* indices,
                                   const float* values, int64_t n, NodeScale* scale, uint8_t* insert,
                                   int64_t* length) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    bool diagonal = false;
    scale[i] = node_scale(f, row_degree(f, indptr, indices, values, i, &diagonal));
    insert[i] = f.stores_diagonal && !diagonal;
    length[i] = indptr[i + 1] - indptr[i] + insert[i];
  }
}

__global__ void fill_kernel(NormalizationForm f, const int64_t* a_indptr, const int32_t* a_indices,
                            const float* a_values, const NodeScale* scale, const uint8_t* insert,
                            const int64_t* s_indptr, int64_t n, int32_t* s_indices, float* s_values) {
  const int lane = threadIdx.x % kWarp;
  const int64_t warps = int64_t(gridDim.x) * kWarpsPerBlock;
  for (int64_t i = (blockIdx.x * int64_t(blockDim.x) + threadIdx.x) / kWarp; i < n; i += warps) {
    const int64_t begin = a_indptr[i], length = a_indptr[i + 1] - begin, out = s_indptr[i];
    const NodeScale row = scale[i];
    // Where an inserted diagonal goes: before the first column beyond i
    // (the end when none); entries from there on move one place right.
    long long first = length;
    if (insert[i]) {
      for (int64_t k = lane; k < length; k += kWarp)
        if (a_indices[begin + k] > i) {
          first = k;  // a lane's first hit is its smallest
          break;
        }
      for (int offset = kWarp / 2; offset > 0; offset /= 2) {
        const long long other = __shfl_xor_sync(0xffffffffu, first, offset);
        first = other < first ? other : first;
      }
      if (lane == 0) {
        s_indices[out + first] = int32_t(i);
        s_values[out + first] = normalized_entry(f, row, row.r, 0.0f, true);
      }
    }
    for (int64_t k = lane; k < length; k += kWarp) {
      const int32_t j = a_indices[begin + k];
      const int64_t at = out + k + (k >= first ? 1 : 0);
      s_indices[at] = j;
      s_values[at] = normalized_entry(f, row, scale[j].r, a_values[begin + k], j == i);
    }
  }
}

}  // namespace

DeviceCsrArrays normalize_on_device(const CsrRef& a, const NormalizationForm& f) {
  if (a.rows != a.cols)
    throw ArgumentError("GPU normalisation needs a square adjacency, got " + std::to_string(a.rows) + " x " +
                        std::to_string(a.cols));
  if (a.rows >= INT32_MAX) throw ArgumentError("GPU normalisation: node ids must fit 32 bits");
  const int64_t n = a.rows;
  require_device_memory(normalize_device_bytes(n, a.nnz),
                        "normalising a graph of " + std::to_string(n) + " nodes and " + std::to_string(a.nnz) +
                            " entries on the GPU");
  const DeviceCsrArrays adj = upload_csr(a);
  DeviceCsrArrays s;
  s.rows = s.cols = n;
  s.indptr = Buffer<int64_t>(size_t(n) + 1, "allocating S's row offsets");
  Buffer<NodeScale> scale(size_t(n), "allocating the node scales");
  Buffer<uint8_t> insert(size_t(n), "allocating the diagonal flags");
  {
    Buffer<int64_t> length(size_t(n), "allocating S's row lengths");
    node_scales_kernel<<<blocks_for(n), kThreads>>>(f, adj.indptr.get(), adj.indices.get(), adj.values.get(), n,
                                                     scale.get(), insert.get(), length.get());
    launched("the degrees and node scales");
    check(cudaMemset(s.indptr.get(), 0, sizeof(int64_t)), "S's first row offset");
    size_t temp_bytes = 0;
    check(cub::DeviceScan::InclusiveSum(nullptr, temp_bytes, length.get(), s.indptr.get() + 1, n),
          "sizing the scan");
    Buffer<char> temp(temp_bytes, "allocating the scan's workspace");
    check(cub::DeviceScan::InclusiveSum(temp.get(), temp_bytes, length.get(), s.indptr.get() + 1, n),
          "S's row offsets");
  }
  check(cudaMemcpy(&s.nnz, s.indptr.get() + n, sizeof(int64_t), cudaMemcpyDeviceToHost), "reading the size of S");
  s.indices = Buffer<int32_t>(size_t(s.nnz), "allocating S's columns");
  s.values = Buffer<float>(size_t(s.nnz), "allocating S's values");
  fill_kernel<<<warp_blocks(n), kThreads>>>(f, adj.indptr.get(), adj.indices.get(), adj.values.get(), scale.get(),
                                            insert.get(), s.indptr.get(), n, s.indices.get(), s.values.get());
  launched("normalising A");
  check(cudaDeviceSynchronize(), "normalising A");
  return s;
}

int64_t normalize_on_gpu(const CsrRef& a, const NormalizationForm& f, int64_t* indptr, int32_t* indices,
                         float* values, int64_t capacity) {
  const DeviceCsrArrays s = normalize_on_device(a, f);
  if (s.nnz > capacity)
    throw ArgumentError("GPU normalisation: S has " + std::to_string(s.nnz) + " entries, room was given for " +
                        std::to_string(capacity));
  copy_to_host(indptr, s.indptr.get(), size_t(s.rows + 1) * sizeof(int64_t), "copying S's row offsets back");
  copy_to_host(indices, s.indices.get(), size_t(s.nnz) * sizeof(int32_t), "copying S's columns back");
  copy_to_host(values, s.values.get(), size_t(s.nnz) * sizeof(float), "copying S's values back");
  return s.nnz;
}

}  // namespace sgc::cuda
