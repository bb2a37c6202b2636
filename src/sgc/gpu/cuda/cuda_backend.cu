// The CUDA backend (gpu/cuda_backend.h): operators' hop plans with cuSPARSE's
// generic SpMM on CSR, and the softmax head's loss and gradient with cuBLAS.
// Compiled into the module libsgc_cuda.so only (module_entry.cu exports it),
// loaded by the core on first use (gpu/cuda_loader.cc).
//
// Hops: S (CSR, 32-bit indices while nnz < 2^31, else 64-bit; uploaded, or
// built on the device from A) and X are uploaded once; two n x d row-major
// buffers hold the current and next hop (cusparseSpMM with non-transposed A;
// run-to-run equality is checked by Gpu.RunsAreRepeatable); a series keeps
// its running sum in a third buffer only when more than one weight is
// non-zero (SGC's e_K needs none); only the requested rows are copied back.
// Head: logits Z = X W by SGEMM, a row kernel turns Z into softmax - onehot and
// each row's -log p, then grad W = X^T P (SGEMM), grad b = P^T 1 (SGEMV), and
// the loss is summed by one block in a fixed order (deterministic).
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cusparse.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "sgc/error.h"
#include "sgc/gpu/cuda/cuda_util.cuh"
#include "sgc/gpu/cuda/device_csr.cuh"
#include "sgc/gpu/cuda/host_link.h"
#include "sgc/gpu/cuda/spmm_pairs.cuh"
#include "sgc/gpu/cuda_backend.h"

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

// Z (n x c, row-major) holds X W; adds b, turns each row into softmax - onehot(label)
// and writes the row's -log p(label) to nll.
__global__ void softmax_rows_kernel(float* z, const float* b, const int32_t* y, int64_t n, int32_t c, double* nll) {
  for (int64_t r = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; r < n; r += int64_t(gridDim.x) * blockDim.x) {
    float* row = z + r * c;
    float mx = -INFINITY;
    for (int32_t j = 0; j < c; ++j) {
      row[j] += b[j];
      mx = fmaxf(mx, row[j]);
    }
    // -log p(label) = log sum exp(z - max) - (z_label - max), from the logit
    // itself: the label's exp can underflow long before the loss is large.
    const float label_logit = row[y[r]] - mx;
    double sum = 0;
    for (int32_t j = 0; j < c; ++j) {
      row[j] = expf(row[j] - mx);
      sum += row[j];
    }
    nll[r] = log(sum) - double(label_logit);
    const float inv = float(1.0 / sum);
    for (int32_t j = 0; j < c; ++j) row[j] *= inv;
    row[y[r]] -= 1.0f;
  }
}

// *out = sum of v[0..n), by one block in a fixed order.
__global__ void sum_kernel(const double* v, int64_t n, double* out) {
  __shared__ double part[1024];
  double s = 0;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) s += v[i];
  part[threadIdx.x] = s;
  __syncthreads();
  for (unsigned w = blockDim.x / 2; w > 0; w >>= 1) {
    if (threadIdx.x < w) part[threadIdx.x] += part[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) *out = part[0];
}

// z[r, j] += b[j] for an n x c row-major z.
__global__ void add_bias_kernel(float* z, const float* b, int64_t n, int32_t c) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n * c; i += int64_t(gridDim.x) * blockDim.x)
    z[i] += b[i % c];
}

__global__ void fill_kernel(float* y, float v, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    y[i] = v;
}

// 32-bit copies of 64-bit offsets (to) or 64-bit copies of 32-bit columns.
template <class To, class From>
__global__ void convert_index_kernel(To* to, const From* from, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    to[i] = To(from[i]);
}

// S on the device with its cuSPARSE descriptor: 32-bit offsets and columns
// while nnz < 2^31, else 64-bit ones (converted on the device).
class DeviceCsr {
 public:
  explicit DeviceCsr(DeviceCsrArrays&& s) : m_(std::move(s)) {
    if (m_.nnz < INT_MAX && m_.rows < INT_MAX) {
      indptr32_ = Buffer<int32_t>(size_t(m_.rows + 1), "S's 32-bit row offsets");
      convert_index_kernel<<<blocks_for(m_.rows + 1), kThreads>>>(indptr32_.get(), m_.indptr.get(), m_.rows + 1);
      launched("S's 32-bit row offsets");
      m_.indptr = Buffer<int64_t>();
      check(cusparseCreateCsr(&desc_, m_.rows, m_.cols, m_.nnz, indptr32_.get(), m_.indices.get(), m_.values.get(),
                              CUSPARSE_INDEX_32I, CUSPARSE_INDEX_32I, CUSPARSE_INDEX_BASE_ZERO, CUDA_R_32F),
            "describing S");
    } else {
      indices64_ = Buffer<int64_t>(size_t(m_.nnz), "S's 64-bit column indices");
      convert_index_kernel<<<blocks_for(m_.nnz), kThreads>>>(indices64_.get(), m_.indices.get(), m_.nnz);
      launched("S's 64-bit column indices");
      m_.indices = Buffer<int32_t>();
      check(cusparseCreateCsr(&desc_, m_.rows, m_.cols, m_.nnz, m_.indptr.get(), indices64_.get(), m_.values.get(),
                              CUSPARSE_INDEX_64I, CUSPARSE_INDEX_64I, CUSPARSE_INDEX_BASE_ZERO, CUDA_R_32F),
            "describing S");
    }
  }
  ~DeviceCsr() {
    if (desc_) cusparseDestroySpMat(desc_);
  }
  DeviceCsr(const DeviceCsr&) = delete;
  DeviceCsr& operator=(const DeviceCsr&) = delete;
  cusparseSpMatDescr_t desc() const { return desc_; }

 private:
  DeviceCsrArrays m_;
  Buffer<int32_t> indptr32_;
  Buffer<int64_t> indices64_;
  cusparseSpMatDescr_t desc_ = nullptr;
};

// A row-major n x d float buffer with its dense descriptor.
class DeviceDense {
 public:
  DeviceDense(int64_t n, int64_t d, const char* what) : data_(size_t(n * d), what) {
    check(cusparseCreateDnMat(&desc_, n, d, d, data_.get(), CUDA_R_32F, CUSPARSE_ORDER_ROW), what);
  }
  ~DeviceDense() {
    if (desc_) cusparseDestroyDnMat(desc_);
  }
  DeviceDense(const DeviceDense&) = delete;
  DeviceDense& operator=(const DeviceDense&) = delete;
  float* get() const { return data_.get(); }
  cusparseDnMatDescr_t desc() const { return desc_; }
  // The buffer, for the caller to keep; this object is done with.
  Buffer<float> release() {
    if (desc_) cusparseDestroyDnMat(std::exchange(desc_, nullptr));
    return std::move(data_);
  }

 private:
  Buffer<float> data_;
  cusparseDnMatDescr_t desc_ = nullptr;
};

// out = S in, with a workspace sized on first use.
class Hopper {
 public:
  explicit Hopper(const DeviceCsr& s) : s_(s) {}
  void hop(const DeviceDense& in, DeviceDense& out) {
    const float one = 1.0f, zero = 0.0f;
    cusparseHandle_t h = handles().sparse;
    if (!sized_) {
      size_t bytes = 0;
      check(cusparseSpMM_bufferSize(h, CUSPARSE_OPERATION_NON_TRANSPOSE, CUSPARSE_OPERATION_NON_TRANSPOSE, &one,
                                    s_.desc(), in.desc(), &zero, out.desc(), CUDA_R_32F, CUSPARSE_SPMM_ALG_DEFAULT,
                                    &bytes),
            "sizing the SpMM workspace");
      work_ = Buffer<char>(bytes, "allocating the SpMM workspace");
      sized_ = true;
    }
    check(cusparseSpMM(h, CUSPARSE_OPERATION_NON_TRANSPOSE, CUSPARSE_OPERATION_NON_TRANSPOSE, &one, s_.desc(),
                       in.desc(), &zero, out.desc(), CUDA_R_32F, CUSPARSE_SPMM_ALG_DEFAULT, work_.get()),
          "sparse x dense product");
  }

 private:
  const DeviceCsr& s_;
  Buffer<char> work_;
  bool sized_ = false;
};

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

struct DeviceRows::State {
  Buffer<float> data;
  int64_t rows = 0, cols = 0;
};
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

// The rows [row0, row0 + n) of x, or ArgumentError naming what asked.
const float* rows_of(const DeviceRows& x, int64_t row0, int64_t n, const char* what) {
  if (row0 < 0 || n <= 0 || row0 + n > x.rows())
    throw ArgumentError(std::string(what) + ": rows [" + std::to_string(row0) + ", " + std::to_string(row0 + n) +
                        ") of device rows holding " + std::to_string(x.rows()));
  return x.state().data.get() + row0 * x.cols();
}

// Device bytes S takes, or, when it is built there from A, what building it
// holds at its peak (an upper bound: S stays, A goes).
double s_bytes(const CsrRef& s, const NormalizationForm* normalize) {
  return normalize ? normalize_device_bytes(s.rows, s.nnz) : csr_device_bytes(s.rows, s.nnz);
}

// S^K X scaled, X and the hops in T (16 bits), the last hop in fp32 on the
// requested rows only: the CPU's propagate_stored.h in the same order.
template <class T>
void run_scaled_power_16(const CsrRef& s, const NormalizationForm* normalize, const float* x, int64_t d, int k,
                         float scale, const int32_t* rows, int64_t out_rows, float* out, HopTimes* times,
                         std::unique_ptr<DeviceRows>* keep) {
  EventClock clock;
  clock.start();
  const int64_t n = s.rows, entries = n * d;
  require_device_memory(s_bytes(s, normalize) + 4.0 * double(entries) + 2.0 * 2.0 * double(entries) +
                            4.0 * double(out_rows) * double(d),
                        "propagating " + std::to_string(n) + " x " + std::to_string(d) +
                            " features in 16 bits on the GPU");
  const DeviceCsrArrays sd = normalize ? normalize_on_device(s, *normalize) : upload_csr(s);
  const int64_t* indptr = sd.indptr.get();
  const int32_t* indices = sd.indices.get();
  const float* values = sd.values.get();
  Buffer<T> a(size_t(entries), "allocating a hop buffer"), b(size_t(entries), "allocating a hop buffer");
  {
    Buffer<float> staged(x, size_t(entries), "uploading the features");
    narrow_kernel<T><<<blocks_for(entries), kThreads>>>(a.get(), staged.get(), entries);
    launched("storing the features in 16 bits");
  }
  Buffer<int32_t> drows;
  if (rows) drows = Buffer<int32_t>(rows, size_t(out_rows), "uploading the requested rows");
  Buffer<float> dout(size_t(out_rows * d), "allocating the output");
  if (times) {
    times->upload = clock.seconds();
    clock.start();
  }
  T* cur = a.get();
  T* next = b.get();
  const int64_t pass = pass_columns_for_l2(n, sizeof(T));
  for (int h = 1; h < k; ++h) {
    hop_pairs<T, T>(indptr, indices, values, cur, next, nullptr, n, d, pass);
    std::swap(cur, next);
  }
  if (k >= 1) {
    hop_pairs<T, float>(indptr, indices, values, cur, dout.get(), rows ? drows.get() : nullptr, out_rows, d, pass);
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

void run_hop_plan(const CsrRef& s, const float* x, int64_t d, const HopPlan& plan, const int32_t* rows,
                  int64_t out_rows, float* out, HopTimes* times, HopStorage storage,
                  const NormalizationForm* normalize, std::unique_ptr<DeviceRows>* keep) {
  if (s.cols != s.rows)
    throw ArgumentError(std::string("GPU propagation needs a square ") + (normalize ? "A" : "S") + ", got " +
                        std::to_string(s.rows) + " x " + std::to_string(s.cols));
  int nonzero = 0;
  for (double w : plan.weights) nonzero += w != 0;
  // S^K X scaled: a series whose one non-zero weight is the last (SGC's e_K).
  const bool last_alone =
      plan.kind == HopPlan::Kind::Series && nonzero == 1 && !plan.weights.empty() && plan.weights.back() != 0;
  if (storage != HopStorage::Fp32) {
    if (!last_alone)
      throw ArgumentError("16-bit storage on the GPU runs S^K X (sgc) only; use --precision fp32 for this operator");
    if (d % 2) throw ArgumentError("16-bit storage on the GPU needs an even number of features, got " + std::to_string(d));
    const int k = int(plan.weights.size()) - 1;
    const float scale = float(plan.weights.back());
    if (storage == HopStorage::Bf16)
      run_scaled_power_16<__nv_bfloat16>(s, normalize, x, d, k, scale, rows, out_rows, out, times, keep);
    else
      run_scaled_power_16<__half>(s, normalize, x, d, k, scale, rows, out_rows, out, times, keep);
    return;
  }
  EventClock clock;
  clock.start();
  const int64_t n = s.rows, entries = n * d, out_cols = plan.output_columns(d);
  // A series needs its running sum unless its one non-zero weight is the last.
  const bool keep_sum = plan.kind == HopPlan::Kind::Series && !last_alone;
  const bool keep_out = plan.kind == HopPlan::Kind::Concat;
  // 64-bit columns (and their 32-bit source) beyond 2^31 entries.
  const double wide_columns = s.nnz + n >= INT_MAX ? double(s.nnz + n) * 8 : 0.0;
  require_device_memory(s_bytes(s, normalize) + wide_columns + 4.0 * double(entries) * (2 + (keep_sum ? 1 : 0)) +
                            4.0 * double(out_rows) * double(out_cols) * (keep_out || rows ? 1 : 0),
                        "propagating " + std::to_string(n) + " x " + std::to_string(d) + " features on the GPU");

  DeviceCsr ds(normalize ? normalize_on_device(s, *normalize) : upload_csr(s));
  Hopper hopper(ds);
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
  require_device_memory(2 * csr_device_bytes(n, s.nnz) + 4.0 * double(entries) * 2 + 2.0 * double(entries) * 2,
                        "comparing hop kernels on " + std::to_string(n) + " x " + std::to_string(d) + " features");
  HopKernelTimes t;
  t.pass_columns = pass_columns_for_l2(n, 4);
  const DeviceCsrArrays sd = upload_csr(s);  // the pair kernel's layout
  DeviceCsr cs(upload_csr(s));              // cuSPARSE's
  Hopper hopper(cs);
  DeviceDense xd(n, d, "allocating X"), yd(n, d, "allocating Y");
  copy_to_device(xd.get(), x, size_t(entries) * sizeof(float), "uploading X");
  Buffer<__nv_bfloat16> x16(size_t(entries), "allocating X in bfloat16"), y16(size_t(entries), "allocating Y");
  narrow_kernel<__nv_bfloat16><<<blocks_for(entries), kThreads>>>(x16.get(), xd.get(), entries);
  launched("X in bfloat16");
  t.cusparse = median_device_seconds(runs, [&] { hopper.hop(xd, yd); });
  std::vector<float> want(static_cast<size_t>(entries)), got(static_cast<size_t>(entries));
  check(cudaMemcpy(want.data(), yd.get(), want.size() * sizeof(float), cudaMemcpyDeviceToHost), "copying Y back");
  t.pairs_fp32 = median_device_seconds(runs, [&] {
    hop_pairs<float, float>(sd.indptr.get(), sd.indices.get(), sd.values.get(), xd.get(), yd.get(), nullptr, n, d,
                            t.pass_columns);
  });
  check(cudaMemcpy(got.data(), yd.get(), got.size() * sizeof(float), cudaMemcpyDeviceToHost), "copying Y back");
  const int64_t pass16 = pass_columns_for_l2(n, 2);
  t.pairs_bf16 = median_device_seconds(runs, [&] {
    hop_pairs<__nv_bfloat16, __nv_bfloat16>(sd.indptr.get(), sd.indices.get(), sd.values.get(), x16.get(),
                                            y16.get(), nullptr, n, d, pass16);
  });
  double diff = 0, scale = 0;
  for (size_t e = 0; e < want.size(); ++e) {
    diff = std::max(diff, double(std::fabs(got[e] - want[e])));
    scale = std::max(scale, double(std::fabs(want[e])));
  }
  t.pairs_vs_cusparse = scale > 0 ? diff / scale : diff;
  return t;
}

double copy_bandwidth_gbs(int64_t bytes, int runs) {
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

// ---- the softmax head --------------------------------------------------------

struct SoftmaxObjective::State {
  int64_t n = 0, d = 0;
  int32_t c = 0;
  const float* x = nullptr;  // owned_x, or rows of shared_x
  Buffer<float> owned_x, theta, grad, z, ones;
  std::shared_ptr<const DeviceRows> shared_x;
  Buffer<int32_t> y;
  Buffer<double> nll, loss;
};

namespace {
void require_blas_sizes(int64_t n, int64_t d, int32_t classes, const char* what) {
  if (n <= 0 || d <= 0 || classes <= 0) throw ArgumentError(std::string(what) + " needs rows, columns and classes");
  if (n >= INT_MAX || d >= INT_MAX || int64_t(classes) * d >= INT_MAX)
    throw ResourceError(std::string(what) + ": " + std::to_string(n) + " x " + std::to_string(d) + " with " +
                        std::to_string(classes) + " classes is beyond cuBLAS's 32-bit sizes; use --device cpu");
}
}  // namespace

SoftmaxObjective::SoftmaxObjective(const float* x, int64_t n, int64_t d, const int32_t* y, int32_t classes)
    : state_(std::make_unique<State>()) {
  require_blas_sizes(n, d, classes, "GPU softmax regression");
  require_device_memory(4.0 * double(n) * double(d),
                        "training on " + std::to_string(n) + " x " + std::to_string(d) + " features on the GPU");
  state_->owned_x = Buffer<float>(x, size_t(n * d), "uploading the training features");
  init(state_->owned_x.get(), n, d, y, classes);
}

SoftmaxObjective::SoftmaxObjective(std::shared_ptr<const DeviceRows> x, int64_t row0, int64_t n, const int32_t* y,
                                   int32_t classes)
    : state_(std::make_unique<State>()) {
  require_blas_sizes(n, x->cols(), classes, "GPU softmax regression");
  init(rows_of(*x, row0, n, "GPU softmax regression"), n, x->cols(), y, classes);
  state_->shared_x = std::move(x);
}

void SoftmaxObjective::init(const float* x, int64_t n, int64_t d, const int32_t* y, int32_t classes) {
  State& s = *state_;
  s.n = n;
  s.d = d;
  s.c = classes;
  s.x = x;
  const size_t params = size_t(d * classes + classes);
  require_device_memory(4.0 * double(n) * classes + 16.0 * double(n) + 8.0 * double(params),
                        "training on " + std::to_string(n) + " x " + std::to_string(d) + " features on the GPU");
  s.y = Buffer<int32_t>(y, size_t(n), "uploading the training labels");
  s.theta = Buffer<float>(params, "allocating the parameters");
  s.grad = Buffer<float>(params, "allocating the gradient");
  s.z = Buffer<float>(size_t(n) * classes, "allocating the logits");
  s.ones = Buffer<float>(size_t(n), "allocating a ones vector");
  s.nll = Buffer<double>(size_t(n), "allocating the row losses");
  s.loss = Buffer<double>(1, "allocating the loss");
  fill_kernel<<<blocks_for(n), kThreads>>>(s.ones.get(), 1.0f, n);
  launched("filling a ones vector");
}

SoftmaxObjective::~SoftmaxObjective() = default;

double SoftmaxObjective::loss_grad(const float* theta, float* grad) {
  State& s = *state_;
  const int n = int(s.n), d = int(s.d), c = s.c;
  const size_t params = size_t(s.d) * c + c;
  cublasHandle_t h = handles().blas;
  check(cudaMemcpy(s.theta.get(), theta, params * sizeof(float), cudaMemcpyHostToDevice), "uploading theta");
  const float one = 1.0f, zero = 0.0f, inv_n = float(1.0 / double(n));
  const float* w = s.theta.get();
  const float* b = s.theta.get() + size_t(d) * c;
  // Column-major views of the row-major buffers: X is d x n (ld d), W and Z are c x d and c x n (ld c).
  check(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, c, n, d, &one, w, c, s.x, d, &zero, s.z.get(), c), "X W");
  softmax_rows_kernel<<<blocks_for(n), kThreads>>>(s.z.get(), b, s.y.get(), n, c, s.nll.get());
  launched("the softmax rows");
  check(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_T, c, d, n, &inv_n, s.z.get(), c, s.x, d, &zero, s.grad.get(), c),
        "X^T P");
  check(cublasSgemv(h, CUBLAS_OP_N, c, n, &inv_n, s.z.get(), c, s.ones.get(), 1, &zero, s.grad.get() + size_t(d) * c,
                    1),
        "P^T 1");
  sum_kernel<<<1, 1024>>>(s.nll.get(), s.n, s.loss.get());
  launched("summing the loss");
  double total = 0;
  check(cudaMemcpy(grad, s.grad.get(), params * sizeof(float), cudaMemcpyDeviceToHost), "copying the gradient back");
  check(cudaMemcpy(&total, s.loss.get(), sizeof total, cudaMemcpyDeviceToHost), "copying the loss back");
  return total / double(n);
}

void device_logits(const DeviceRows& x, int64_t row0, int64_t n, const float* theta, int32_t classes, float* out) {
  require_blas_sizes(n, x.cols(), classes, "GPU logits");
  const float* rows = rows_of(x, row0, n, "GPU logits");
  const int64_t d = x.cols();
  require_device_memory(4.0 * double(n) * classes + 4.0 * double(d + 1) * classes,
                        "the logits of " + std::to_string(n) + " rows on the GPU");
  const Buffer<float> params(theta, size_t((d + 1) * classes), "uploading theta");
  Buffer<float> z(size_t(n) * classes, "allocating the logits");
  const float one = 1.0f, zero = 0.0f;
  // Column-major views of the row-major buffers, as in loss_grad: Z (c x n) = W (c x d) X (d x n).
  check(cublasSgemm(handles().blas, CUBLAS_OP_N, CUBLAS_OP_N, classes, int(n), int(d), &one, params.get(), classes,
                    rows, int(d), &zero, z.get(), classes),
        "X W");
  add_bias_kernel<<<blocks_for(n * classes), kThreads>>>(z.get(), params.get() + d * classes, n, classes);
  launched("adding the intercept");
  copy_to_host(out, z.get(), size_t(n) * classes * sizeof(float), "copying the logits back");
}

}  // namespace sgc::cuda
