// One hop out = S in in fp32, with S either whole in device memory or
// streamed through two device slots in row blocks on every hop
// (gpu/streamed_s.h: when S does not fit beside the hop buffers). The product
// is spmm_pairs.cuh's kernel (the same bits run after run), or cuSPARSE's
// generic SpMM (CSR, row-major dense) when SGC_GPU_CUSPARSE=1: cuSPARSE 12's
// CSR algorithms all gave sums that differ from run to run in their last bits
// on an H200, so they are a comparison, not the default. A streamed block's
// rows of S are uploaded (offsets rebased to the block's first entry) and
// multiply all of `in` into the block's rows of `out`. The uploads run on a
// copy stream of their own (host_link.h), each once its slot's last product
// is done, so block b + 1 goes up while block b's product runs.
#pragma once

#include <cuda_runtime.h>
#include <cusparse.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sgc/gpu/cuda/cuda_util.cuh"
#include "sgc/gpu/cuda/device_csr.cuh"
#include "sgc/gpu/cuda/host_link.h"
#include "sgc/gpu/cuda/spmm_pairs.cuh"
#include "sgc/gpu/cuda_backend.h"
#include "sgc/gpu/env_switch.h"
#include "sgc/gpu/streamed_s.h"

namespace sgc::cuda {

// SGC_GPU_CUSPARSE=1: hops by cuSPARSE's SpMM (sums not repeatable bit for
// bit); unset or 0: by spmm_pairs.cuh's kernel.
inline bool cusparse_hops() { return env_switch("SGC_GPU_CUSPARSE"); }

// SGC_GPU_WIDE_INDICES=1: S is described with 64-bit indices whatever its
// size (the wide path's tests on small graphs); unset or 0: only where needed.
inline bool wide_indices_asked() { return env_switch("SGC_GPU_WIDE_INDICES"); }

// Whether S (rows x rows, nnz entries) times rows x d dense operands is
// described to cuSPARSE with 64-bit indices (DeviceCsr; cuSPARSE's hops only).
inline bool wide_indices(int64_t rows, int64_t nnz, int64_t d) {
  // The setting first, so that a bad value is refused on any graph.
  return wide_indices_asked() || nnz >= INT_MAX || rows >= INT_MAX || double(rows) * double(d) >= double(INT_MAX);
}

// Whether a streamed block of S (at most 2^30 entries and rows each) is
// described with 64-bit indices: when the dense operand it multiplies,
// rows x d, reaches 2^31 elements (as for DeviceCsr).
inline bool streamed_wide(int64_t rows, int64_t d) { return wide_indices(rows, 0, d); }

// 32-bit copies of 64-bit offsets (to) or 64-bit copies of 32-bit columns.
template <class To, class From>
__global__ void convert_index_kernel(To* to, const From* from, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    to[i] = To(from[i]);
}

// offsets[i] -= base, and its 32-bit copy, for a streamed block's row offsets.
static __global__ void rebase_offsets_kernel(int64_t* offsets, int32_t* offsets32, int64_t n, int64_t base) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t o = offsets[i] - base;
    offsets[i] = o;
    offsets32[i] = int32_t(o);
  }
}

// A CSR descriptor over device arrays: offsets and columns both 64-bit
// (wide) or both 32-bit, fp32 values.
inline void describe_csr(cusparseSpMatDescr_t* desc, int64_t rows, int64_t cols, int64_t nnz, const void* offsets,
                         const void* columns, const float* values, bool wide, const char* what) {
  const cusparseIndexType_t index = wide ? CUSPARSE_INDEX_64I : CUSPARSE_INDEX_32I;
  check(cusparseCreateCsr(desc, rows, cols, nnz, const_cast<void*>(offsets), const_cast<void*>(columns),
                          const_cast<float*>(values), index, index, CUSPARSE_INDEX_BASE_ZERO, CUDA_R_32F),
        what);
}

// S on the device (int64 offsets, int32 columns), and for cuSPARSE's hops
// its descriptor: 32-bit offsets and columns while nnz < 2^31, else 64-bit
// ones (converted on the device). Also 64-bit when the dense operands (rows x
// dense_cols) reach 2^31 elements: cuSPARSE does not say that its 32-bit path
// forms their offsets in 64 bits.
class DeviceCsr {
 public:
  DeviceCsr(DeviceCsrArrays&& s, int64_t dense_cols, bool cusparse) : m_(std::move(s)) {
    if (!cusparse) return;
    if (!wide_indices(m_.rows, m_.nnz, dense_cols)) {
      indptr32_ = Buffer<int32_t>(size_t(m_.rows + 1), "S's 32-bit row offsets");
      convert_index_kernel<<<blocks_for(m_.rows + 1), kThreads>>>(indptr32_.get(), m_.indptr.get(), m_.rows + 1);
      launched("S's 32-bit row offsets");
      m_.indptr = Buffer<int64_t>();
      describe_csr(&desc_, m_.rows, m_.cols, m_.nnz, indptr32_.get(), m_.indices.get(), m_.values.get(), false,
                   "describing S");
    } else {
      indices64_ = Buffer<int64_t>(size_t(m_.nnz), "S's 64-bit column indices");
      convert_index_kernel<<<blocks_for(m_.nnz), kThreads>>>(indices64_.get(), m_.indices.get(), m_.nnz);
      launched("S's 64-bit column indices");
      m_.indices = Buffer<int32_t>();
      describe_csr(&desc_, m_.rows, m_.cols, m_.nnz, m_.indptr.get(), indices64_.get(), m_.values.get(), true,
                   "describing S");
    }
  }
  ~DeviceCsr() {
    if (desc_) cusparseDestroySpMat(desc_);
  }
  DeviceCsr(const DeviceCsr&) = delete;
  DeviceCsr& operator=(const DeviceCsr&) = delete;
  cusparseSpMatDescr_t desc() const { return desc_; }  // null unless for cuSPARSE
  const DeviceCsrArrays& arrays() const { return m_; }  // the kernel's layout unless for cuSPARSE
  int64_t nnz() const { return m_.nnz; }

 private:
  DeviceCsrArrays m_;
  Buffer<int32_t> indptr32_;
  Buffer<int64_t> indices64_;
  cusparseSpMatDescr_t desc_ = nullptr;
};

// A row-major n x d float buffer with its dense descriptor, zeroed once:
// cuSPARSE writes hops into it with beta = 0, and whether it then skips C or
// multiplies it by 0 is not documented, so fresh memory's NaN bits must not be
// there to turn into NaN results (one write of the buffer, once a run).
class DeviceDense {
 public:
  DeviceDense(int64_t n, int64_t d, const char* what) : data_(size_t(n * d), what), rows_(n), cols_(d) {
    if (n > 0 && d > 0) check(cudaMemset(data_.get(), 0, size_t(n * d) * sizeof(float)), what);
    check(cusparseCreateDnMat(&desc_, n, d, d, data_.get(), CUDA_R_32F, CUSPARSE_ORDER_ROW), what);
  }
  ~DeviceDense() {
    if (desc_) cusparseDestroyDnMat(desc_);
  }
  DeviceDense(const DeviceDense&) = delete;
  DeviceDense& operator=(const DeviceDense&) = delete;
  float* get() const { return data_.get(); }
  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }
  cusparseDnMatDescr_t desc() const { return desc_; }
  // The buffer, for the caller to keep; this object is done with.
  Buffer<float> release() {
    if (desc_) cusparseDestroyDnMat(std::exchange(desc_, nullptr));
    return std::move(data_);
  }

 private:
  Buffer<float> data_;
  int64_t rows_ = 0, cols_ = 0;
  cusparseDnMatDescr_t desc_ = nullptr;
};

// The host's S cut into row blocks (row_blocks), each uploaded into one of
// `slots` slots (place_s's) sized to the largest block, the slots taking turns
// (SlotTurns): a block's upload, on the concurrent copy stream, waits only
// for the product that last read its slot, so it runs beside the previous
// block's product. `wide`: each block also gets 64-bit columns (converted on
// the device) for a 64-bit description (streamed_wide).
class StreamedS {
 public:
  struct Block {
    int64_t row0 = 0, row1 = 0, nnz = 0;
    const int64_t* indptr = nullptr;    // row1 - row0 + 1 offsets from the block's first entry
    const int32_t* indptr32 = nullptr;  // the same in 32 bits (cuSPARSE's)
    const int32_t* indices = nullptr;
    const int64_t* indices64 = nullptr;  // the columns in 64 bits, for a wide slot; else null
    const float* values = nullptr;
  };

  StreamedS(const CsrRef& s, int64_t block_entries, int slots, bool wide = false)
      : s_(s),
        bounds_(row_blocks(s.indptr, s.rows, block_entries)),
        turns_(int(std::min<size_t>(size_t(std::clamp(slots, 1, kStreamSlots)), bounds_.size() - 1))) {
    int64_t rows = 0, entries = 0;
    for (size_t b = 0; b + 1 < bounds_.size(); ++b) {
      rows = std::max(rows, bounds_[b + 1] - bounds_[b]);
      entries = std::max(entries, s.indptr[bounds_[b + 1]] - s.indptr[bounds_[b]]);
    }
    for (int i = 0; i < turns_.slots(); ++i) {
      Slot& k = slots_[i];
      k.indptr = Buffer<int64_t>(size_t(rows) + 1, "allocating a streamed block's row offsets");
      k.indptr32 = Buffer<int32_t>(size_t(rows) + 1, "allocating a streamed block's row offsets");
      k.indices = Buffer<int32_t>(size_t(entries), "allocating a streamed block's columns");
      k.values = Buffer<float>(size_t(entries), "allocating a streamed block's values");
      if (wide) k.indices64 = Buffer<int64_t>(size_t(entries), "allocating a streamed block's 64-bit columns");
      k.free.make();
    }
  }
  int64_t rows() const { return s_.rows; }
  int64_t cols() const { return s_.cols; }
  size_t blocks() const { return bounds_.size() - 1; }

  // Uploads block b into the next free slot; the caller queues the block's
  // product on the default stream next (the slot's later reuse waits for it).
  Block load(size_t b) {
    SlotEvents events{slots_};
    Slot& slot = slots_[turns_.next(events)];
    Block k;
    k.row0 = bounds_[b];
    k.row1 = bounds_[b + 1];
    const int64_t base = s_.indptr[k.row0];
    k.nnz = s_.indptr[k.row1] - base;
    const int64_t offsets = k.row1 - k.row0 + 1;
    copy_to_device_concurrent(slot.indptr.get(), s_.indptr + k.row0, size_t(offsets) * sizeof(int64_t),
                              "uploading a block of S's row offsets");
    if (k.nnz > 0) {
      copy_to_device_concurrent(slot.indices.get(), s_.indices + base, size_t(k.nnz) * sizeof(int32_t),
                                "uploading a block of S's columns");
      copy_to_device_concurrent(slot.values.get(), s_.values + base, size_t(k.nnz) * sizeof(float),
                                "uploading a block of S's values");
    }
    // The uploads have arrived (the copies return then); these kernels queue
    // on the default stream, before the block's product.
    rebase_offsets_kernel<<<blocks_for(offsets), kThreads>>>(slot.indptr.get(), slot.indptr32.get(), offsets, base);
    launched("rebasing a block of S's row offsets");
    if (k.nnz > 0 && slot.indices64.get()) {
      convert_index_kernel<<<blocks_for(k.nnz), kThreads>>>(slot.indices64.get(), slot.indices.get(), k.nnz);
      launched("widening a block of S's columns");
    }
    k.indptr = slot.indptr.get();
    k.indptr32 = slot.indptr32.get();
    k.indices = slot.indices.get();
    k.indices64 = slot.indices64.get();
    k.values = slot.values.get();
    return k;
  }

 private:
  // An event, destroyed with its slot (also when a later slot's allocation fails).
  struct Event {
    cudaEvent_t e = nullptr;
    Event() = default;
    Event(const Event&) = delete;
    Event& operator=(const Event&) = delete;
    ~Event() {
      if (e) cudaEventDestroy(e);
    }
    void make() { check(cudaEventCreateWithFlags(&e, cudaEventDisableTiming), "creating a streamed slot's event"); }
  };
  struct Slot {
    Buffer<int64_t> indptr;
    Buffer<int32_t> indptr32, indices;
    Buffer<int64_t> indices64;
    Buffer<float> values;
    Event free;  // marked on the default stream after the slot's last product
  };
  // SlotTurns' queue: the slots' events on the default stream.
  struct SlotEvents {
    Slot* slots;
    void mark(int i) { check(cudaEventRecord(slots[i].free.e, 0), "marking a streamed slot"); }
    void wait(int i) { check(cudaEventSynchronize(slots[i].free.e), "waiting for a streamed slot"); }
  };

  CsrRef s_;
  std::vector<int64_t> bounds_;
  SlotTurns turns_;
  Slot slots_[kStreamSlots];
};

// out = S in, S resident or streamed: by spmm_pairs.cuh's kernel, its rows
// handed out as a schedule for S's row lengths says (row_schedule.cuh), or by
// cuSPARSE (S described for it) with a workspace grown as needed.
class Hopper {
 public:
  Hopper(const DeviceCsr& s, const RowLengths& lengths) : resident_(&s) {
    if (!s.desc()) schedule_.emplace(lengths);
  }
  Hopper(StreamedS& s, bool cusparse, const RowLengths& lengths) : streamed_(&s), cusparse_(cusparse) {
    if (!cusparse) schedule_.emplace(lengths);
  }

  void hop(const DeviceDense& in, DeviceDense& out) {
    const int64_t d = in.cols();
    if (resident_ && !resident_->desc()) {
      const DeviceCsrArrays& s = resident_->arrays();
      hop_pairs<float, float>(s.indptr.get(), s.indices.get(), s.values.get(), in.get(), out.get(), nullptr, s.rows,
                              d, *schedule_);
      return;
    }
    if (resident_) {
      if (resident_->nnz() == 0) {  // no entries (no self loops either): no product to ask for
        check(cudaMemset(out.get(), 0, size_t(out.rows() * out.cols()) * sizeof(float)), "zeroing an empty S's hop");
        return;
      }
      multiply(resident_->desc(), in.desc(), out.desc(), !sized_);  // one shape every hop: sized once
      sized_ = true;
      return;
    }
    for (size_t b = 0; b < streamed_->blocks(); ++b) {
      const StreamedS::Block k = streamed_->load(b);
      float* rows = out.get() + k.row0 * d;
      if (!cusparse_) {
        hop_pairs<float, float>(k.indptr, k.indices, k.values, in.get(), rows, nullptr, k.row1 - k.row0, d,
                                *schedule_);
        continue;
      }
      if (k.nnz == 0) {  // empty rows: no product to ask cuSPARSE for
        check(cudaMemset(rows, 0, size_t((k.row1 - k.row0) * d) * sizeof(float)), "zeroing empty rows");
        continue;
      }
      Descriptors m;
      const bool wide = k.indices64 != nullptr;
      describe_csr(&m.s, k.row1 - k.row0, streamed_->cols(), k.nnz, wide ? static_cast<const void*>(k.indptr) : k.indptr32,
                   wide ? static_cast<const void*>(k.indices64) : k.indices, k.values, wide, "describing a block of S");
      check(cusparseCreateDnMat(&m.y, k.row1 - k.row0, d, d, rows, CUDA_R_32F, CUSPARSE_ORDER_ROW),
            "describing a block of the output");
      multiply(m.s, in.desc(), m.y, true);
    }
  }

 private:
  // A block's descriptors, destroyed with it (the product reads them when it
  // is queued, not when it runs).
  struct Descriptors {
    cusparseSpMatDescr_t s = nullptr;
    cusparseDnMatDescr_t y = nullptr;
    Descriptors() = default;
    Descriptors(const Descriptors&) = delete;
    Descriptors& operator=(const Descriptors&) = delete;
    ~Descriptors() {
      if (s) cusparseDestroySpMat(s);
      if (y) cusparseDestroyDnMat(y);
    }
  };

  // CSR_ALG2: cuSPARSE's algorithm for row-major operands.
  static constexpr cusparseSpMMAlg_t kSpmmAlgorithm = CUSPARSE_SPMM_CSR_ALG2;

  // y = s x; `size`: ask what workspace this shape needs and grow it.
  void multiply(cusparseSpMatDescr_t s, cusparseDnMatDescr_t x, cusparseDnMatDescr_t y, bool size) {
    const float one = 1.0f, zero = 0.0f;
    cusparseHandle_t h = handles().sparse;
    size_t bytes = 0;
    if (size)
      check(cusparseSpMM_bufferSize(h, CUSPARSE_OPERATION_NON_TRANSPOSE, CUSPARSE_OPERATION_NON_TRANSPOSE, &one, s,
                                    x, &zero, y, CUDA_R_32F, kSpmmAlgorithm, &bytes),
            "sizing the SpMM workspace");
    if (!work_.get() || bytes > work_bytes_) {
      // A product still queued may use the old workspace.
      check(cudaDeviceSynchronize(), "waiting before the SpMM workspace grows");
      work_ = Buffer<char>();
      work_bytes_ = std::max<size_t>(bytes, 1);
      work_ = Buffer<char>(work_bytes_, "allocating the SpMM workspace");
    }
    check(cusparseSpMM(h, CUSPARSE_OPERATION_NON_TRANSPOSE, CUSPARSE_OPERATION_NON_TRANSPOSE, &one, s, x, &zero, y,
                       CUDA_R_32F, kSpmmAlgorithm, work_.get()),
          "sparse x dense product");
  }

  const DeviceCsr* resident_ = nullptr;
  StreamedS* streamed_ = nullptr;
  bool cusparse_ = false;  // a streamed S's blocks go to cuSPARSE
  std::optional<RowSchedule> schedule_;  // the kernel's (not cuSPARSE's)
  Buffer<char> work_;
  size_t work_bytes_ = 0;
  bool sized_ = false;
};

}  // namespace sgc::cuda
