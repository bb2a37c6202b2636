// The CUDA backend (gpu/cuda_backend.h): operators' hop plans with the SpMM
// kernel of spmm_pairs.cuh (cuSPARSE's when asked: hopper.cuh), and the probes
// gpu_bench reads. Compiled into the module libsgc_cuda.so only
// (module_entry.cu exports it), loaded by the core on first use
// (gpu/cuda_loader.cc); the softmax head is softmax_head.cu.
//
// Hops: S (CSR; uploaded, or built on the device from A) and X are uploaded
// once; two n x d row-major buffers hold the current and next hop (the same
// bits run after run: Gpu.RunsAreRepeatable); a series keeps
// its running sum in a third buffer only when more than one weight is
// non-zero (SGC's e_K needs none); only the requested rows are copied back.
// When S does not fit beside those buffers it is streamed through the device
// in row blocks on every hop (hopper.cuh, gpu/streamed_s.h).
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cusparse.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sgc/error.h"
#include "sgc/gpu/cuda/cuda_util.cuh"
#include "sgc/gpu/cuda/device_csr.cuh"
#include "sgc/gpu/cuda/device_rows.cuh"
#include "sgc/gpu/cuda/host_link.h"
#include "sgc/gpu/cuda/hopper.cuh"
#include "sgc/gpu/cuda/spmm_pairs.cuh"
#include "sgc/gpu/cuda_backend.h"
#include "sgc/gpu/streamed_s.h"

namespace sgc::cuda {

namespace {

__global__ void scale_kernel(float* y, const float* x, float w, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    y[i] = w * x[i];
}
__global__ void axpy_kernel(float* y, const float* x, float w, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    y[i] += w * x[i];
}
// next = h + step (next - h): one forward-Euler step once next holds S h.
__global__ void euler_kernel(float* next, const float* h, float step, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    next[i] = h[i] + step * (next[i] - h[i]);
}
// out[r, col0 + j] = src[rows ? rows[r] : r, j] for r < out_rows, j < cols.
__global__ void gather_kernel(float* out, int64_t out_ld, int64_t col0, const float* src, int64_t cols,
                              const int32_t* rows, int64_t out_rows) {
  const int64_t n = out_rows * cols;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i / cols, j = i % cols;
    const int64_t from = rows ? int64_t(rows[r]) : r;
    out[r * out_ld + col0 + j] = src[from * cols + j];
  }
}

}  // namespace

std::string unavailable_reason() {
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) return std::string("no CUDA GPU with a working driver found (") + cudaGetErrorString(e) + ")";
  if (count == 0) return "no CUDA GPU found";
  return "";
}

std::string device_name() {
  int dev = 0;
  check(cudaGetDevice(&dev), "reading the current device");
  cudaDeviceProp p{};
  check(cudaGetDeviceProperties(&p, dev), "reading the device's properties");
  char buf[400];
  std::snprintf(buf, sizeof buf, "%s, %.1f GiB, compute capability %d.%d", p.name,
                double(p.totalGlobalMem) / 1073741824.0, p.major, p.minor);
  return buf;
}

DeviceRows::DeviceRows(std::unique_ptr<State> state) : state_(std::move(state)) {}
DeviceRows::~DeviceRows() = default;
int64_t DeviceRows::rows() const { return state_->rows; }
int64_t DeviceRows::cols() const { return state_->cols; }

namespace {

// Hands `data` (rows x cols) to *keep when the caller asked for it.
void keep_rows(std::unique_ptr<DeviceRows>* keep, Buffer<float> data, int64_t rows, int64_t cols) {
  if (!keep) return;
  auto state = std::make_unique<DeviceRows::State>();
  state->data = std::move(data);
  state->rows = rows;
  state->cols = cols;
  *keep = std::make_unique<DeviceRows>(std::move(state));
}

// Device bytes S takes, or, when it is built there from A, what building it
// holds at its peak (an upper bound: S stays, A goes).
double s_bytes(const CsrRef& s, const NormalizationForm* normalize) {
  return normalize ? normalize_device_bytes(s.rows, s.nnz) : csr_device_bytes(s.rows, s.nnz);
}

// The 16-bit path narrows X on the device through an fp32 buffer of this
// many entries (128 MiB), not one of all of X.
constexpr int64_t kNarrowChunk = int64_t(1) << 25;

// SGC_GPU_S_BLOCK_BYTES: stream S in blocks of about this many bytes even
// when it fits (the streamed path's tests; a cap on what S's slots take, two
// such blocks); 0 unset.
double asked_block_bytes() {
  const char* v = std::getenv("SGC_GPU_S_BLOCK_BYTES");
  if (!v || !*v) return 0;
  char* end = nullptr;
  const double bytes = std::strtod(v, &end);
  if (*end || !(bytes > 0) || !std::isfinite(bytes))
    throw ArgumentError(std::string("SGC_GPU_S_BLOCK_BYTES: expected a positive number of bytes, got '") + v + "'");
  return bytes;
}

// What a plan keeps beside its two hop buffers.
struct PlanShape {
  bool last_alone = false;  // S^K X scaled: a series whose one non-zero weight is the last (SGC's e_K)
  bool keep_sum = false;    // a series' running sum (unless its one non-zero weight is the last)
  bool keep_out = false;    // concatenated hops, gathered into the output as they come
};
PlanShape shape_of(const HopPlan& plan) {
  int nonzero = 0;
  for (double w : plan.weights) nonzero += w != 0;
  PlanShape p;
  p.last_alone =
      plan.kind == HopPlan::Kind::Series && nonzero == 1 && !plan.weights.empty() && plan.weights.back() != 0;
  p.keep_sum = plan.kind == HopPlan::Kind::Series && !p.last_alone;
  p.keep_out = plan.kind == HopPlan::Kind::Concat;
  return p;
}

// Where S goes for this run (gpu/streamed_s.h): the device bytes the run
// holds besides S against S's own, checked before anything is allocated.
SPlacement place_for_plan(const CsrRef& s, int64_t d, const HopPlan& plan, int64_t out_rows, bool has_rows,
                          HopStorage storage, const NormalizationForm* normalize) {
  const double n = double(s.rows), entries = n * double(d), out = double(out_rows), rows = has_rows ? out : 0.0;
  double fixed = 0, whole = s_bytes(s, normalize), slot = kSlotBytesPerEntry;
  std::string what = "propagating " + std::to_string(s.rows) + " x " + std::to_string(d) + " features";
  if (storage != HopStorage::Fp32) {
    fixed = 2.0 * 2.0 * entries + 4.0 * out * double(d) + 4.0 * std::min(entries, double(kNarrowChunk)) + 4.0 * rows;
    what += " in 16 bits";
  } else {
    const PlanShape p = shape_of(plan);
    fixed = 4.0 * entries * (2 + (p.keep_sum ? 1 : 0)) +
            4.0 * out * double(plan.output_columns(d)) * (p.keep_out || has_rows ? 1 : 0) + 4.0 * rows;
    // For cuSPARSE: 64-bit columns (and their 32-bit source) where DeviceCsr
    // takes them, else a 32-bit copy of the offsets.
    if (cusparse_hops()) {
      if (wide_indices(s.rows, s.nnz + s.rows, d))
        whole += double(s.nnz + s.rows) * 8;
      else
        whole += 4.0 * (n + 1);
      if (streamed_wide(s.rows, d)) slot = kWideSlotBytesPerEntry;
    }
  }
  if (row_order_asked() == RowOrder::kHeavyFirst) fixed += row_lists_bytes(s.rows, s.nnz + s.rows);
  what += " on the GPU";
  const double usable = usable_device_bytes(), asked = asked_block_bytes();
  if (asked <= 0 && fixed + whole <= usable) return SPlacement{};
  return place_s(fixed, whole, s.nnz, longest_row(s.indptr, s.rows), usable, asked, what, slot, kStreamSlots);
}

// A streamed S is the host's S: building it from A on the device needs A
// and S whole (the core normalises on the host first: streams_s).
void require_resident_when_normalising(const SPlacement& p, const NormalizationForm* normalize) {
  if (p.streamed && normalize)
    throw ResourceError("GPU propagation: S built from A does not fit in GPU memory beside the hop buffers; "
                        "normalise on the host and pass S, which is then streamed in row blocks");
}

// The row lengths spmm_pairs.cuh's schedule is made for (S built from A on
// the device: one diagonal entry a row more, at most).
RowLengths row_lengths_of(const CsrRef& s, const NormalizationForm* normalize) {
  const int64_t extra = normalize ? 1 : 0;
  return RowLengths{s.rows, s.nnz + extra * s.rows, longest_row(s.indptr, s.rows) + extra};
}

// S^K X scaled, X and the hops in T (16 bits), the last hop in fp32 on the
// requested rows only: the CPU's propagate_stored.h in the same order.
template <class T>
void run_scaled_power_16(const CsrRef& s, const NormalizationForm* normalize, const float* x, int64_t d, int k,
                         float scale, const int32_t* rows, int64_t out_rows, float* out, HopTimes* times,
                         std::unique_ptr<DeviceRows>* keep, const SPlacement& placement) {
  EventClock clock;
  clock.start();
  const int64_t n = s.rows, entries = n * d;
  DeviceCsrArrays sd;
  std::optional<StreamedS> streamed;
  if (placement.streamed)
    streamed.emplace(s, placement.block_entries, placement.slots);
  else
    sd = normalize ? normalize_on_device(s, *normalize) : upload_csr(s);
  Buffer<T> a(size_t(entries), "allocating a hop buffer"), b(size_t(entries), "allocating a hop buffer");
  {
    const int64_t chunk = std::min(entries, kNarrowChunk);
    Buffer<float> staged(size_t(chunk), "allocating the features' upload buffer");
    for (int64_t at = 0; at < entries; at += chunk) {
      const int64_t len = std::min(chunk, entries - at);
      copy_to_device(staged.get(), x + at, size_t(len) * sizeof(float), "uploading the features");
      narrow_kernel<T><<<blocks_for(len), kThreads>>>(a.get() + at, staged.get(), len);
      launched("storing the features in 16 bits");
    }
  }
  Buffer<int32_t> drows;
  if (rows) drows = Buffer<int32_t>(rows, size_t(out_rows), "uploading the requested rows");
  Buffer<float> dout(size_t(out_rows * d), "allocating the output");
  if (times) {
    times->upload = clock.seconds();
    clock.start();
  }
  const RowSchedule schedule(row_lengths_of(s, normalize));
  // y = (S in)[want] (m rows; want null: every row), S whole or block by block.
  auto hop = [&](const T* in, auto* y, const int32_t* want, int64_t m) {
    if (!streamed) {
      hop_pairs(sd.indptr.get(), sd.indices.get(), sd.values.get(), in, y, want, m, d, schedule);
      return;
    }
    for (size_t i = 0; i < streamed->blocks(); ++i) {
      const StreamedS::Block blk = streamed->load(i);
      if (want)
        hop_pairs(blk.indptr, blk.indices, blk.values, in, y, want, m, d, schedule, blk.row0, blk.row1);
      else
        hop_pairs(blk.indptr, blk.indices, blk.values, in, y + blk.row0 * d, nullptr, blk.row1 - blk.row0, d, schedule);
    }
  };
  T* cur = a.get();
  T* next = b.get();
  for (int h = 1; h < k; ++h) {
    hop(cur, next, nullptr, n);
    std::swap(cur, next);
  }
  if (k >= 1) {
    hop(cur, dout.get(), rows ? drows.get() : nullptr, out_rows);
    if (scale != 1.0f) {
      scale_kernel<<<blocks_for(out_rows * d), kThreads>>>(dout.get(), dout.get(), scale, out_rows * d);
      launched("scaling the last hop");
    }
  } else {
    gather_widened_kernel<T><<<blocks_for(out_rows * d), kThreads>>>(dout.get(), cur, d, rows ? drows.get() : nullptr,
                                                                     out_rows, scale);
    launched("gathering the requested rows");
  }
  if (times) {
    times->hops = clock.seconds();
    clock.start();
  }
  copy_to_host(out, dout.get(), size_t(out_rows * d) * sizeof(float), "copying the features back");
  if (times) times->download = clock.seconds();
  keep_rows(keep, std::move(dout), out_rows, d);
}

}  // namespace

bool streams_s(const CsrRef& s, int64_t d, const HopPlan& plan, int64_t out_rows, bool has_rows, HopStorage storage,
               bool from_adjacency) {
  const NormalizationForm any{};
  return place_for_plan(s, d, plan, out_rows, has_rows, storage, from_adjacency ? &any : nullptr).streamed;
}

void run_hop_plan(const CsrRef& s, const float* x, int64_t d, const HopPlan& plan, const int32_t* rows,
                  int64_t out_rows, float* out, HopTimes* times, HopStorage storage,
                  const NormalizationForm* normalize, std::unique_ptr<DeviceRows>* keep) {
  if (s.cols != s.rows)
    throw ArgumentError(std::string("GPU propagation needs a square ") + (normalize ? "A" : "S") + ", got " +
                        std::to_string(s.rows) + " x " + std::to_string(s.cols));
  // The module does not trust its caller with what the kernels index by.
  if (plan.kind == HopPlan::Kind::Series && plan.weights.empty())
    throw ArgumentError("GPU propagation: a series with no weights");
  if (plan.kind != HopPlan::Kind::Series && plan.k < 0) throw ArgumentError("GPU propagation: a negative hop count");
  if (!rows && out_rows != s.rows)
    throw ArgumentError("GPU propagation: " + std::to_string(out_rows) + " output rows asked of " +
                        std::to_string(s.rows) + " nodes");
  for (int64_t r = 0; rows && r < out_rows; ++r)
    if (rows[r] < 0 || rows[r] >= s.rows)
      throw ArgumentError("GPU propagation: row " + std::to_string(rows[r]) + " out of range");
  const PlanShape shape = shape_of(plan);
  if (storage != HopStorage::Fp32) {
    if (!shape.last_alone)
      throw ArgumentError("16-bit storage on the GPU runs S^K X (sgc) only; use --precision fp32 for this operator");
    if (d % 2) throw ArgumentError("16-bit storage on the GPU needs an even number of features, got " + std::to_string(d));
  }
  const SPlacement placement = place_for_plan(s, d, plan, out_rows, rows != nullptr, storage, normalize);
  require_resident_when_normalising(placement, normalize);
  if (storage != HopStorage::Fp32) {
    const int k = int(plan.weights.size()) - 1;
    const float scale = float(plan.weights.back());
    if (storage == HopStorage::Bf16)
      run_scaled_power_16<__nv_bfloat16>(s, normalize, x, d, k, scale, rows, out_rows, out, times, keep, placement);
    else
      run_scaled_power_16<__half>(s, normalize, x, d, k, scale, rows, out_rows, out, times, keep, placement);
    return;
  }
  EventClock clock;
  clock.start();
  const int64_t n = s.rows, entries = n * d, out_cols = plan.output_columns(d);
  const bool keep_sum = shape.keep_sum, keep_out = shape.keep_out;

  const bool cusparse = cusparse_hops();
  const RowLengths lengths = row_lengths_of(s, normalize);
  std::optional<DeviceCsr> resident;
  std::optional<StreamedS> streamed;
  if (placement.streamed)
    streamed.emplace(s, placement.block_entries, placement.slots, cusparse && streamed_wide(s.rows, d));
  else
    resident.emplace(normalize ? normalize_on_device(s, *normalize) : upload_csr(s), d, cusparse);
  Hopper hopper = streamed ? Hopper(*streamed, cusparse, lengths) : Hopper(*resident, lengths);
  DeviceDense a(n, d, "allocating a hop buffer"), b(n, d, "allocating a hop buffer");
  copy_to_device(a.get(), x, size_t(entries) * sizeof(float), "uploading the features");
  DeviceDense* cur = &a;
  DeviceDense* next = &b;
  Buffer<int32_t> drows;
  if (rows) drows = Buffer<int32_t>(rows, size_t(out_rows), "uploading the requested rows");
  // The device-side output when the result is not simply one hop buffer.
  Buffer<float> dout;
  if (keep_out || rows) dout = Buffer<float>(size_t(out_rows * out_cols), "allocating the output");
  const float* result = nullptr;  // n x d buffer holding the result (Series, Euler)
  Buffer<float> sum;              // a series' running sum
  if (times) {
    times->upload = clock.seconds();
    clock.start();
  }

  switch (plan.kind) {
    case HopPlan::Kind::Series: {
      const int64_t last = int64_t(plan.weights.size()) - 1;
      if (keep_sum) sum = Buffer<float>(size_t(entries), "allocating the series' sum");
      for (int64_t j = 0; j <= last; ++j) {
        if (j > 0) {
          hopper.hop(*cur, *next);
          std::swap(cur, next);
        }
        const float w = float(plan.weights[size_t(j)]);
        if (keep_sum) {
          if (j == 0) scale_kernel<<<blocks_for(entries), kThreads>>>(sum.get(), cur->get(), w, entries);
          else if (w != 0) axpy_kernel<<<blocks_for(entries), kThreads>>>(sum.get(), cur->get(), w, entries);
          launched("adding a hop to the series");
        }
      }
      if (keep_sum) {
        result = sum.get();
        break;
      }
      // The last weight alone: the result is that weight times the last hop (SGC: 1 x S^K X).
      if (const float w = float(plan.weights.back()); w != 1.0f) {
        scale_kernel<<<blocks_for(entries), kThreads>>>(cur->get(), cur->get(), w, entries);
        launched("scaling the last hop");
      }
      result = cur->get();
      break;
    }
    case HopPlan::Kind::Euler:
      for (int i = 1; i <= plan.k; ++i) {
        hopper.hop(*cur, *next);
        euler_kernel<<<blocks_for(entries), kThreads>>>(next->get(), cur->get(), float(plan.step), entries);
        launched("a forward-Euler step");
        std::swap(cur, next);
      }
      result = cur->get();
      break;
    case HopPlan::Kind::Concat:
      for (int j = 0; j <= plan.k; ++j) {
        if (j > 0) {
          hopper.hop(*cur, *next);
          std::swap(cur, next);
        }
        gather_kernel<<<blocks_for(out_rows * d), kThreads>>>(dout.get(), out_cols, int64_t(j) * d, cur->get(), d,
                                                               rows ? drows.get() : nullptr, out_rows);
        launched("placing a hop in the output");
      }
      break;
  }
  if (result && rows) {
    gather_kernel<<<blocks_for(out_rows * d), kThreads>>>(dout.get(), d, 0, result, d, drows.get(), out_rows);
    launched("gathering the requested rows");
  }
  if (times) {
    times->hops = clock.seconds();
    clock.start();
  }
  const float* from = (keep_out || rows) ? dout.get() : result;
  copy_to_host(out, from, size_t(out_rows * out_cols) * sizeof(float), "copying the features back");
  if (times) times->download = clock.seconds();
  if (keep)
    keep_rows(keep,
              (keep_out || rows) ? std::move(dout)
              : keep_sum         ? std::move(sum)
                                 : (result == a.get() ? a.release() : b.release()),
              out_rows, out_cols);
}

HopKernelTimes compare_hop_kernels(const CsrRef& s, const float* x, int64_t d, int runs) {
  if (s.rows != s.cols || d % 2 || runs < 1)
    throw ArgumentError("compare_hop_kernels: a square S, an even d and at least one run");
  const int64_t n = s.rows, entries = n * d;
  require_device_memory(2 * csr_device_bytes(n, s.nnz) + 4.0 * double(entries) * 2 + 2.0 * double(entries) * 2 +
                            row_lists_bytes(n, s.nnz),
                        "comparing hop kernels on " + std::to_string(n) + " x " + std::to_string(d) + " features");
  HopKernelTimes t;
  t.pass_columns = kPassColumns;
  const DeviceCsrArrays sd = upload_csr(s);  // the pair kernel's layout
  DeviceCsr cs(upload_csr(s), d, true);      // cuSPARSE's
  Hopper hopper(cs, RowLengths{});
  const RowLengths lengths = row_lengths_of(s, nullptr);
  const RowSchedule stored(lengths, RowOrder::kStored), heavy_first(lengths, RowOrder::kHeavyFirst);
  DeviceDense xd(n, d, "allocating X"), yd(n, d, "allocating Y");
  copy_to_device(xd.get(), x, size_t(entries) * sizeof(float), "uploading X");
  Buffer<__nv_bfloat16> x16(size_t(entries), "allocating X in bfloat16"), y16(size_t(entries), "allocating Y");
  narrow_kernel<__nv_bfloat16><<<blocks_for(entries), kThreads>>>(x16.get(), xd.get(), entries);
  launched("X in bfloat16");
  t.cusparse = median_device_seconds(runs, [&] { hopper.hop(xd, yd); });
  std::vector<float> want(static_cast<size_t>(entries)), got(static_cast<size_t>(entries));
  auto read_back = [&](std::vector<float>& to) {
    check(cudaMemcpy(to.data(), yd.get(), to.size() * sizeof(float), cudaMemcpyDeviceToHost), "copying Y back");
  };
  read_back(want);
  auto fp32 = [&](const RowSchedule& schedule) {
    return median_device_seconds(runs, [&] {
      hop_pairs<float, float>(sd.indptr.get(), sd.indices.get(), sd.values.get(), xd.get(), yd.get(), nullptr, n, d,
                              schedule);
    });
  };
  t.pairs_fp32 = fp32(stored);
  read_back(got);
  double diff = 0, scale = 0;
  for (size_t e = 0; e < want.size(); ++e) {
    diff = std::max(diff, double(std::fabs(got[e] - want[e])));
    scale = std::max(scale, double(std::fabs(want[e])));
  }
  t.pairs_vs_cusparse = scale > 0 ? diff / scale : diff;
  t.pairs_fp32_heavy_first = fp32(heavy_first);
  read_back(want);
  bool same = std::memcmp(want.data(), got.data(), want.size() * sizeof(float)) == 0;
  std::vector<__nv_bfloat16> bf_stored(static_cast<size_t>(entries)), bf_heavy(static_cast<size_t>(entries));
  auto bf16 = [&](const RowSchedule& schedule, std::vector<__nv_bfloat16>& to) {
    const double seconds = median_device_seconds(runs, [&] {
      hop_pairs<__nv_bfloat16, __nv_bfloat16>(sd.indptr.get(), sd.indices.get(), sd.values.get(), x16.get(),
                                              y16.get(), nullptr, n, d, schedule);
    });
    check(cudaMemcpy(to.data(), y16.get(), to.size() * sizeof(__nv_bfloat16), cudaMemcpyDeviceToHost),
          "copying Y back");
    return seconds;
  };
  t.pairs_bf16 = bf16(stored, bf_stored);
  t.pairs_bf16_heavy_first = bf16(heavy_first, bf_heavy);
  same = same && std::memcmp(bf_stored.data(), bf_heavy.data(), bf_stored.size() * sizeof(__nv_bfloat16)) == 0;
  t.heavy_first_same_bits = same;
  return t;
}

double copy_bandwidth_gbs(int64_t bytes, int runs) {
  if (bytes <= 0 || runs < 1) throw ArgumentError("copy_bandwidth_gbs: a positive size and at least one run");
  require_device_memory(2.0 * double(bytes), "the copy-bandwidth probe");
  Buffer<char> a(size_t(bytes), "allocating the copy probe"), b(size_t(bytes), "allocating the copy probe");
  check(cudaMemset(a.get(), 1, size_t(bytes)), "filling the copy probe");
  const double seconds = median_device_seconds(runs, [&] {
    check(cudaMemcpy(b.get(), a.get(), size_t(bytes), cudaMemcpyDeviceToDevice), "the copy probe");
  });
  return 2.0 * double(bytes) / seconds / 1e9;
}

HostLinkBandwidth host_link_bandwidth(int64_t bytes, int runs) {
  if (bytes <= 0 || runs < 1) throw ArgumentError("host_link_bandwidth: a positive size and at least one run");
  require_device_memory(double(bytes), "the host-link probe");
  Buffer<char> device(size_t(bytes), "allocating the host-link probe");
  std::vector<char> pageable(static_cast<size_t>(bytes), 1);
  char* pinned = nullptr;
  check(cudaMallocHost(reinterpret_cast<void**>(&pinned), size_t(bytes)), "allocating page-locked host memory");
  struct Free {
    char* p;
    ~Free() { cudaFreeHost(p); }
  } free_pinned{pinned};
  std::memset(pinned, 1, size_t(bytes));
  const char* what = "the host-link probe";
  auto gbs = [&](auto copy) { return double(bytes) / median_device_seconds(runs, copy) / 1e9; };
  auto plain = [&](void* to, const void* from, cudaMemcpyKind kind) {
    return gbs([&] { check(cudaMemcpy(to, from, size_t(bytes), kind), what); });
  };
  HostLinkBandwidth b;
  b.to_device_pageable = plain(device.get(), pageable.data(), cudaMemcpyHostToDevice);
  b.to_device_pinned = plain(device.get(), pinned, cudaMemcpyHostToDevice);
  b.to_host_pageable = plain(pageable.data(), device.get(), cudaMemcpyDeviceToHost);
  b.to_host_pinned = plain(pinned, device.get(), cudaMemcpyDeviceToHost);
  // What the GPU path's transfers run at (host_link.h): pageable memory staged through pinned chunks.
  b.to_device_staged = gbs([&] { copy_to_device(device.get(), pageable.data(), size_t(bytes), what); });
  b.to_host_staged = gbs([&] { copy_to_host(pageable.data(), device.get(), size_t(bytes), what); });
  return b;
}

}  // namespace sgc::cuda
