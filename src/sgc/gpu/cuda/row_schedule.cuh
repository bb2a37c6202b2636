// How a run's hops hand S's rows to spmm_pairs.cuh's warps, in the order
// SGC_GPU_ROW_ORDER asks for (gpu/row_split.h: which rows are long, which
// heavy, and why): a counter the warps take rows from, and for heavy-first
// the product's heavy and long rows listed on the device and a second stream
// the long rows are summed on beside the others.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <cstdlib>
#include <memory>

#include "sgc/gpu/cuda/cuda_util.cuh"
#include "sgc/gpu/row_split.h"

namespace sgc::cuda {

// Warps the device runs at once: its multiprocessors times the warps each holds.
inline int64_t resident_warps() {
  return int64_t(multiprocessors()) *
         (device_attribute(cudaDevAttrMaxThreadsPerMultiProcessor, "reading the thread limit") / kWarp);
}

inline RowOrder row_order_asked() { return parse_row_order(std::getenv("SGC_GPU_ROW_ORDER")); }

// The S a run's products are over: rows, entries (with the diagonal entries
// building S on the device adds) and its longest row (-1: unknown).
struct RowLengths {
  int64_t rows = 0, nnz = 0, longest = -1;
};

// S's output row for output row r (-1: not in this block of rows): r itself,
// or the requested row rows[r] when it lies in the block [row0, row1)
// (rebased).
__device__ __forceinline__ int64_t row_of(int64_t r, const int32_t* rows, int64_t row0, int64_t row1) {
  if (!rows) return r;
  const int64_t i = int64_t(rows[r]);
  return i < row0 || i >= row1 ? -1 : i - row0;
}

// How spmm_pairs_kernel's warps take a product's rows.
struct RowTake {
  unsigned long long* next = nullptr;  // the counter, zero at launch
  int64_t grab = 1;                    // rows a take
  int64_t long_row = 0;                // rows of more entries are spmm_long_rows_kernel's; 0: none
  // heavy-first: the rows of more than heavy_row entries (and not long),
  // heavy[0..*heavy_count), handed out first, one a take, then the others in
  // order. Null: none listed (stored order), or a count over the capacity
  // (never, by row_split.h's bound): then nothing is skipped as listed.
  const int32_t* heavy = nullptr;
  const int32_t* heavy_count = nullptr;
  int64_t heavy_capacity = 0, heavy_row = 0;
};

// The rows spmm_long_rows_kernel sums: listed (rows[0..*count), unless the
// count is over the capacity) or, rows null, every row, each checked.
struct LongRows {
  const int32_t* rows = nullptr;
  const int32_t* count = nullptr;
  int64_t capacity = 0;
};

// Lists output rows r < m of a product (rows and [row0, row1) as in
// spmm_pairs_kernel) by S's row length: long ones in long_rows, heavy ones in
// heavy; counts[0] and [1] count them (zero at launch). A list's order varies
// from run to run; what is summed how does not.
static __global__ void list_rows_kernel(const int64_t* indptr, const int32_t* rows, int64_t m, int64_t row0,
                                        int64_t row1, RowSplit split, int32_t* heavy, int32_t* long_rows,
                                        int32_t* counts) {
  for (int64_t r = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; r < m; r += int64_t(gridDim.x) * blockDim.x) {
    const int64_t i = row_of(r, rows, row0, row1);
    if (i < 0) continue;
    const int64_t len = indptr[i + 1] - indptr[i];
    if (split.long_row > 0 && len > split.long_row) {
      const int k = atomicAdd(&counts[1], 1);
      if (k < split.long_capacity) long_rows[k] = int32_t(r);
    } else if (split.heavy_row > 0 && len > split.heavy_row) {
      const int k = atomicAdd(&counts[0], 1);
      if (k < split.heavy_capacity) heavy[k] = int32_t(r);
    }
  }
}

// A run's schedule: the split for its S, the counter (zeroed before each
// launch on the default stream, where the launches queue one after another)
// and, heavy-first, the lists and the long rows' stream. Each run holds its
// own, so that a run on another host thread cannot zero its counter or
// rewrite its lists under this one's launch.
class RowSchedule {
 public:
  explicit RowSchedule(const RowLengths& s, RowOrder order = row_order_asked())
      : split_(split_rows(s.rows, s.nnz, s.longest, resident_warps(), order)),
        counter_(1, "allocating the row counter") {
    if (order != RowOrder::kHeavyFirst || (split_.heavy_row == 0 && split_.long_row == 0)) return;
    heavy_ = Buffer<int32_t>(size_t(split_.heavy_capacity), "allocating the list of heavy rows");
    long_ = Buffer<int32_t>(size_t(split_.long_capacity), "allocating the list of long rows");
    counts_ = Buffer<int32_t>(2, "allocating the row lists' counts");
    side_ = std::make_unique<SideStream>();
  }
  int64_t long_row() const { return split_.long_row; }
  unsigned long long* counter() const { return counter_.get(); }
  // Whether the long rows are listed and summed on the second stream
  // (heavy-first, where a row can be long); else a kernel on the default
  // stream after the others checks every row.
  bool long_rows_beside() const { return side_ && split_.long_capacity > 0; }

  // Heavy-first: lists the product's heavy and long rows (before its passes).
  void list(const int64_t* indptr, const int32_t* rows, int64_t m, int64_t row0, int64_t row1) const {
    if (!side_) return;
    check(cudaMemsetAsync(counts_.get(), 0, 2 * sizeof(int32_t)), "zeroing the row lists' counts");
    list_rows_kernel<<<blocks_for(m), kThreads>>>(indptr, rows, m, row0, row1, split_, heavy_.get(), long_.get(),
                                                  counts_.get());
    launched("listing the heavy and long rows");
  }
  RowTake take(int64_t grab) const {
    RowTake t;
    t.next = counter_.get();
    t.grab = grab;
    t.long_row = split_.long_row;
    if (side_ && split_.heavy_capacity > 0) {
      t.heavy = heavy_.get();
      t.heavy_count = counts_.get();
      t.heavy_capacity = split_.heavy_capacity;
      t.heavy_row = split_.heavy_row;
    }
    return t;
  }
  LongRows long_rows() const {
    if (!long_rows_beside()) return LongRows{};
    return LongRows{long_.get(), counts_.get() + 1, split_.long_capacity};
  }

  // The long rows' stream, and the marks that order it with the default
  // stream: begin_beside before a pass's long-row kernel (it waits for what
  // the default stream queued before), end_beside after the pass's other
  // kernel (the default stream waits for the long rows).
  cudaStream_t beside() const { return side_->stream; }
  void begin_beside() const {
    check(cudaEventRecord(side_->ready, 0), "marking the default stream");
    check(cudaStreamWaitEvent(side_->stream, side_->ready, 0), "ordering the long rows' stream");
  }
  void end_beside() const {
    check(cudaEventRecord(side_->done, side_->stream), "marking the long rows' stream");
    check(cudaStreamWaitEvent(0, side_->done, 0), "waiting for the long rows");
  }

 private:
  // A stream that does not synchronise with the legacy default stream, at
  // the device's highest priority (the long rows' blocks are placed first),
  // and its two events; all destroyed together, also when one fails to make.
  struct SideStream {
    cudaStream_t stream = nullptr;
    cudaEvent_t ready = nullptr, done = nullptr;
    SideStream() {
      try {
        int least = 0, greatest = 0;
        check(cudaDeviceGetStreamPriorityRange(&least, &greatest), "reading stream priorities");
        check(cudaStreamCreateWithPriority(&stream, cudaStreamNonBlocking, greatest), "creating the long rows' stream");
        check(cudaEventCreateWithFlags(&ready, cudaEventDisableTiming), "creating a stream mark");
        check(cudaEventCreateWithFlags(&done, cudaEventDisableTiming), "creating a stream mark");
      } catch (...) {
        release();
        throw;
      }
    }
    ~SideStream() { release(); }
    SideStream(const SideStream&) = delete;
    SideStream& operator=(const SideStream&) = delete;
    void release() {
      if (done) cudaEventDestroy(done);
      if (ready) cudaEventDestroy(ready);
      if (stream) cudaStreamDestroy(stream);
      done = ready = nullptr;
      stream = nullptr;
    }
  };

  RowSplit split_;
  Buffer<unsigned long long> counter_;
  Buffer<int32_t> heavy_, long_, counts_;
  std::unique_ptr<SideStream> side_;
};

}  // namespace sgc::cuda
