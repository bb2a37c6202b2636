// Sparse x dense products reading X in pairs of columns: X and Y stored in
// 16 bits (bfloat16 or IEEE half: the GPU side of --precision bf16|fp16) or
// in fp32, sums in fp32: every hop of the GPU path (cuSPARSE's SpMM only when
// asked for: hopper.cuh). S in CSR (int64 row offsets, int32 columns, fp32
// values), X and Y row-major n x d, d even (fp32: any d). One warp a row;
// each lane holds P pairs of columns (a pass covers 64 P columns) as float2
// sums formed with fmaf in S's entry order, reading x's rows as pairs (a
// warp reads 64 P contiguous values an entry), and rounds each sum to the
// storage once (round to nearest even, as the CPU's kernels/ do). Rows far
// longer than a warp's even share are summed by a block in a fixed order of
// runs. A counter hands rows to warps (row_schedule.cuh: in S's order, or
// the heavy rows first); no sum depends on which warp or when: the same bits
// every run, in either order. Each pass of columns (kPassColumns) reads S
// again and gathers only its columns of X.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "sgc/gpu/cuda/cuda_util.cuh"
#include "sgc/gpu/cuda/row_schedule.cuh"

namespace sgc::cuda {

template <class T>
struct PairTraits;
template <>
struct PairTraits<__nv_bfloat16> {
  using Value = __nv_bfloat16;
  static constexpr int kWidth = 2;
  using Pair = __nv_bfloat162;
  static __device__ float2 widen(Pair p) { return __bfloat1622float2(p); }
  static __device__ Pair narrow(float a, float b) { return __floats2bfloat162_rn(a, b); }
  static __device__ float widen1(__nv_bfloat16 v) { return __bfloat162float(v); }
  static __device__ __nv_bfloat16 narrow1(float v) { return __float2bfloat16_rn(v); }
};
template <>
struct PairTraits<float> {
  using Value = float;
  static constexpr int kWidth = 2;
  using Pair = float2;
  static __device__ float2 widen(Pair p) { return p; }
  static __device__ Pair narrow(float a, float b) { return make_float2(a, b); }
  static __device__ float widen1(float v) { return v; }
  static __device__ float narrow1(float v) { return v; }
};
template <>
struct PairTraits<__half> {
  using Value = __half;
  static constexpr int kWidth = 2;
  using Pair = __half2;
  static __device__ float2 widen(Pair p) { return __half22float2(p); }
  static __device__ Pair narrow(float a, float b) { return __floats2half2_rn(a, b); }
  static __device__ float widen1(__half v) { return __half2float(v); }
  static __device__ __half narrow1(float v) { return __float2half_rn(v); }
};
// fp32 columns one at a time (an odd d: rows of x are not 8-byte aligned);
// a "pair" is one value, its second half unused.
struct SingleFloats {
  using Value = float;
  static constexpr int kWidth = 1;
  using Pair = float;
  static __device__ float2 widen(Pair p) { return make_float2(p, 0.0f); }
};

// Adds S's entries [p, end) of one row times x's rows to a lane's sums of
// its P pairs of columns from `first` (of `pairs`). The gathers of x's rows
// are what cost, each waiting hundreds of cycles on device memory, so the warp
// keeps many in flight: it reads 32 entries at once (coalesced), hands them
// round by shuffles, and issues the gathers of U entries before it adds any
// of them. The sums still take the entries one by one, in S's order.
template <class H, int P, int U>
__device__ __forceinline__ void add_entries(const int32_t* indices, const float* values, const typename H::Value* x,
                                            int64_t d, int64_t p, int64_t end, int64_t first, int64_t pairs,
                                            int lane, float2 (&sum)[P]) {
  using Pair = typename H::Pair;
  for (int64_t p0 = p; p0 < end; p0 += kWarp) {
    const int count = int(end - p0 < kWarp ? end - p0 : kWarp);
    int32_t column = 0;
    float value = 0.0f;
    if (lane < count) {
      column = indices[p0 + lane];
      value = values[p0 + lane];
    }
    for (int j0 = 0; j0 < count; j0 += U) {
      Pair got[U][P];
      float w[U];
#pragma unroll
      for (int u = 0; u < U; ++u) {
        const int j = j0 + u;  // past count: no gathers, no sums
        const Pair* row = reinterpret_cast<const Pair*>(x + int64_t(__shfl_sync(0xffffffffu, column, j & 31)) * d);
        w[u] = __shfl_sync(0xffffffffu, value, j & 31);
#pragma unroll
        for (int t = 0; t < P; ++t) {
          const int64_t pair = first + lane + int64_t(kWarp) * t;
          if (j < count && pair < pairs) got[u][t] = row[pair];
        }
      }
#pragma unroll
      for (int u = 0; u < U; ++u) {
        if (j0 + u >= count) break;
#pragma unroll
        for (int t = 0; t < P; ++t) {
          const int64_t pair = first + lane + int64_t(kWarp) * t;
          if (pair < pairs) {
            const float2 f = H::widen(got[u][t]);
            sum[t].x = fmaf(w[u], f.x, sum[t].x);
            sum[t].y = fmaf(w[u], f.y, sum[t].y);
          }
        }
      }
    }
  }
}

// Row r of y (columns [c0, c0 + 64 P)) from a lane's sums.
template <class H, class Out, int P>
__device__ __forceinline__ void store_pairs(Out* y, int64_t r, int64_t d, int64_t first, int64_t pairs, int lane,
                                            const float2 (&sum)[P]) {
#pragma unroll
  for (int t = 0; t < P; ++t) {
    const int64_t pair = first + lane + int64_t(kWarp) * t;
    if (pair >= pairs) continue;
    if constexpr (H::kWidth == 1)
      y[r * d + pair] = sum[t].x;
    else if constexpr (sizeof(Out) == 4)
      reinterpret_cast<float2*>(y + r * d)[pair] = sum[t];
    else
      reinterpret_cast<typename H::Pair*>(y + r * d)[pair] = H::narrow(sum[t].x, sum[t].y);
  }
}

// Row r of y = (S x)[rows] (S's row i), columns [c0, c0 + 64 P), summed by one warp.
template <class H, class Out, int P, int U>
__device__ __forceinline__ void sum_row(const int64_t* indptr, const int32_t* indices, const float* values,
                                        const typename H::Value* x, Out* y, int64_t r, int64_t i, int64_t d,
                                        int64_t first, int64_t pairs, int lane) {
  float2 sum[P];
#pragma unroll
  for (int t = 0; t < P; ++t) sum[t] = make_float2(0.0f, 0.0f);
  add_entries<H, P, U>(indices, values, x, d, indptr[i], indptr[i + 1], first, pairs, lane, sum);
  store_pairs<H, Out, P>(y, r, d, first, pairs, lane, sum);
}

// Columns [c0, c0 + 64 P) of rows 0..m of y = (S x)[rows] (rows null: every
// row, m = n), y stored as Out: T, or float for a last hop kept in fp32.
// With a block of S's rows [row0, row1) (indptr rebased to its first entry),
// y[r] is its r-th row (rows null, m = row1 - row0), or only the requested
// rows within the block are written (the others belong to other blocks).
// One warp a row. The warps take rows from a counter as `take` says
// (row_schedule.cuh: a few at a time, the listed heavy rows first) until none
// are left, so that a warp whose rows were long does not hold up the others
// (row lengths are heavy-tailed); which warp sums a row changes from run to
// run, how it sums it does not. Rows of more than take.long_row entries
// (long_row > 0) are left to spmm_long_rows_kernel.
template <class H, class Out, int P, int U>
__global__ void __launch_bounds__(kThreads)
    spmm_pairs_kernel(const int64_t* indptr, const int32_t* indices, const float* values,
                      const typename H::Value* x, Out* y, const int32_t* rows, int64_t m, int64_t d, int64_t c0,
                      int64_t row0, int64_t row1, RowTake take) {
  const int lane = threadIdx.x % kWarp;
  const int64_t pairs = d / H::kWidth, first = c0 / H::kWidth, grab = take.grab;
  const int64_t listed = take.heavy ? int64_t(*take.heavy_count) : 0;
  const bool use_list = take.heavy && listed <= take.heavy_capacity;
  // The counter's first `listed` takes are the listed rows, one each; then
  // the others, grab at a time.
  const int64_t heavy_takes = use_list ? listed * grab : 0;
  for (;;) {
    unsigned long long taken = 0;
    if (lane == 0) taken = atomicAdd(take.next, static_cast<unsigned long long>(grab));
    const int64_t t0 = int64_t(__shfl_sync(0xffffffffu, taken, 0));
    if (t0 < heavy_takes) {
      const int64_t r = take.heavy[t0 / grab];
      sum_row<H, Out, P, U>(indptr, indices, values, x, y, r, row_of(r, rows, row0, row1), d, first, pairs, lane);
      continue;
    }
    const int64_t r0 = t0 - heavy_takes;
    if (r0 >= m) return;
    const int64_t r1 = r0 + grab < m ? r0 + grab : m;
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t i = row_of(r, rows, row0, row1);  // the whole warp: one r
      if (i < 0) continue;
      const int64_t len = indptr[i + 1] - indptr[i];
      if (take.long_row > 0 && len > take.long_row) continue;
      if (use_list && len > take.heavy_row) continue;  // listed
      sum_row<H, Out, P, U>(indptr, indices, values, x, y, r, i, d, first, pairs, lane);
    }
  }
}

// Warps a block of spmm_long_rows_kernel: 16 (512 threads, so that a lane's
// sums and gathers in flight fit the registers without spilling).
constexpr int kLongRowWarps = 16;

// The rows spmm_pairs_kernel leaves (more than long_row entries), from the
// list `listed` holds or, unlisted, found among all m rows: one block a row,
// its warps each summing one of its consecutive runs of the row's entries,
// and the runs' sums added in their order (a fixed order: the same bits
// every run), so that one long row does not hold a single warp for the whole
// product.
template <class H, class Out, int P, int U>
__global__ void __launch_bounds__(kWarp * kLongRowWarps)
    spmm_long_rows_kernel(const int64_t* indptr, const int32_t* indices, const float* values,
                          const typename H::Value* x, Out* y, const int32_t* rows, int64_t m, int64_t d, int64_t c0,
                          int64_t row0, int64_t row1, int64_t long_row, LongRows listed) {
  constexpr int kWarps = kLongRowWarps;
  __shared__ float2 runs[kWarps][P][kWarp];
  const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp;
  const int64_t pairs = d / H::kWidth, first = c0 / H::kWidth;
  const bool use_list = listed.rows && int64_t(*listed.count) <= listed.capacity;
  const int64_t count = use_list ? int64_t(*listed.count) : m;
  for (int64_t k = blockIdx.x; k < count; k += gridDim.x) {
    const int64_t r = use_list ? int64_t(listed.rows[k]) : k;
    const int64_t i = row_of(r, rows, row0, row1);  // the whole block: one r
    if (i < 0) continue;
    const int64_t begin = indptr[i], end = indptr[i + 1];
    if (end - begin <= long_row) continue;
    const int64_t run = (end - begin + kWarps - 1) / kWarps;
    const int64_t from = begin + warp * run < end ? begin + warp * run : end;
    const int64_t to = from + run < end ? from + run : end;
    float2 sum[P];
#pragma unroll
    for (int t = 0; t < P; ++t) sum[t] = make_float2(0.0f, 0.0f);
    add_entries<H, P, U>(indices, values, x, d, from, to, first, pairs, lane, sum);
#pragma unroll
    for (int t = 0; t < P; ++t) runs[warp][t][lane] = sum[t];
    __syncthreads();
    if (warp == 0) {
      for (int w = 1; w < kWarps; ++w)
#pragma unroll
        for (int t = 0; t < P; ++t) {
          sum[t].x += runs[w][t][lane].x;
          sum[t].y += runs[w][t][lane].y;
        }
      store_pairs<H, Out, P>(y, r, d, first, pairs, lane, sum);
    }
    __syncthreads();  // runs is reused for the next row
  }
}

// Blocks of `threads` threads of `kernel` that fill the device once: its
// resident blocks on every multiprocessor.
template <class Kernel>
int resident_blocks(Kernel kernel, int threads) {
  int per_sm = 0;
  check(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, threads, 0), "reading a kernel's occupancy");
  return std::max(multiprocessors(), 1) * std::max(per_sm, 1);
}

// The hops' passes: 128 columns (2 pairs a lane). On an H200 (Reddit-shaped
// S, 22M entries, 602 columns) passes of 64, 128, 256 and 512 columns took
// 26, 25, 28 and 45 ms in fp32 and 22, 17, 22 and 39 ms in bfloat16; on a
// 2M-node S of 60M entries with 128 columns, 15, 13, 13, 13 and 12, 10, 10,
// 10. Wider passes hold more registers, so fewer warps share a
// multiprocessor to hide the gathers' latency; narrower ones read S and hand
// its entries round once more for every 64 columns.
constexpr int64_t kPassColumns = 128;

// Both kernels for a pass of columns with P pairs a lane, gathering U entries
// ahead: spmm_pairs_kernel on a grid that fills the device once (or covers m
// rows if that is fewer), its warps taking rows a few at a time (about 8
// takes a warp, so that the last ones even out; 1 to 64 rows a take). The
// long rows' kernel runs beside it on the schedule's second stream when the
// long rows are listed (heavy-first), else after it, checking every row.
template <class H, class Out, int P, int U>
void launch_pairs(const int64_t* indptr, const int32_t* indices, const float* values, const typename H::Value* x,
                  Out* y, const int32_t* rows, int64_t m, int64_t d, int64_t c0, int64_t row0, int64_t row1,
                  const RowSchedule& schedule) {
  const int64_t long_row = schedule.long_row();
  static const int blocks = resident_blocks(spmm_pairs_kernel<H, Out, P, U>, kThreads);
  const int grid = std::min(warp_blocks(m), blocks);
  const int64_t grab = std::clamp<int64_t>(m / (int64_t(grid) * kWarpsPerBlock * 8), 1, 64);
  constexpr int long_threads = kWarp * kLongRowWarps;
  static const int long_blocks = resident_blocks(spmm_long_rows_kernel<H, Out, P, U>, long_threads);
  check(cudaMemsetAsync(schedule.counter(), 0, sizeof(unsigned long long)), "zeroing the row counter");
  const bool beside = schedule.long_rows_beside();
  if (beside) {
    const LongRows listed = schedule.long_rows();
    schedule.begin_beside();
    spmm_long_rows_kernel<H, Out, P, U>
        <<<int(std::min<int64_t>(listed.capacity, long_blocks)), long_threads, 0, schedule.beside()>>>(
            indptr, indices, values, x, y, rows, m, d, c0, row0, row1, long_row, listed);
    launched("a sparse x dense product (long rows, listed)");
  }
  spmm_pairs_kernel<H, Out, P, U><<<grid, kThreads>>>(indptr, indices, values, x, y, rows, m, d, c0, row0, row1,
                                                      schedule.take(grab));
  launched("a sparse x dense product (pairs of columns)");
  if (beside) {
    schedule.end_beside();
  } else if (long_row > 0) {
    spmm_long_rows_kernel<H, Out, P, U><<<int(std::min<int64_t>(m, long_blocks)), long_threads>>>(
        indptr, indices, values, x, y, rows, m, d, c0, row0, row1, long_row, LongRows{});
    launched("a sparse x dense product (long rows)");
  }
}

// One pass of `width` columns at c0 (at most 64 of its pairs): one pair a
// lane where that covers it (the last, narrow pass), else two; gathering 8
// entries ahead.
template <class H, class Out>
void launch_pairs_pass(const int64_t* indptr, const int32_t* indices, const float* values,
                       const typename H::Value* x, Out* y, const int32_t* rows, int64_t m, int64_t d, int64_t c0,
                       int64_t width, int64_t row0, int64_t row1, const RowSchedule& schedule) {
  if (width <= kWarp * H::kWidth)
    launch_pairs<H, Out, 1, 8>(indptr, indices, values, x, y, rows, m, d, c0, row0, row1, schedule);
  else
    launch_pairs<H, Out, 2, 8>(indptr, indices, values, x, y, rows, m, d, c0, row0, row1, schedule);
}

// y = (S x)[rows] (m rows; rows null: every row, m = n) in passes of
// kPassColumns columns, d even, or any d for fp32 (an odd d reads one column
// at a time, in passes of half as many); rows handed to warps as `schedule`
// says; with S a block of rows [row0, row1) as in spmm_pairs_kernel.
template <class T, class Out>
void hop_pairs(const int64_t* indptr, const int32_t* indices, const float* values, const T* x, Out* y,
               const int32_t* rows, int64_t m, int64_t d, const RowSchedule& schedule, int64_t row0 = 0,
               int64_t row1 = INT64_MAX) {
  const bool single = std::is_same_v<T, float> && d % 2 != 0;
  const int64_t pass = single ? kPassColumns / 2 : kPassColumns;
  schedule.list(indptr, rows, m, row0, row1);
  for (int64_t c0 = 0; c0 < d; c0 += pass) {
    const int64_t width = d - c0 < pass ? d - c0 : pass;
    if constexpr (std::is_same_v<T, float>) {
      if (single) {
        launch_pairs_pass<SingleFloats>(indptr, indices, values, x, y, rows, m, d, c0, width, row0, row1, schedule);
        continue;
      }
    }
    launch_pairs_pass<PairTraits<T>>(indptr, indices, values, x, y, rows, m, d, c0, width, row0, row1, schedule);
  }
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
