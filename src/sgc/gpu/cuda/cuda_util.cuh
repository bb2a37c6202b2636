// Plumbing shared by the CUDA module's sources: errors as sgc::Error naming
// the call, device buffers owned by one object (filled by host_link.h's
// copies), the library handles, the
// device-memory check done before allocating, launch sizes and event timing.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cusparse.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sgc/error.h"
#include "sgc/gpu/cuda/host_link.h"

namespace sgc::cuda {

// A failed call's error stays the runtime's "last error" until read, and the
// next launch check (launched) would report it as its own: it is read here.
// Out of memory is a ResourceError, as the host's caps are (the caller may
// fall back, e.g. to S normalised on the host).
inline void check(cudaError_t e, const char* what) {
  if (e == cudaSuccess) return;
  cudaGetLastError();
  const std::string message = std::string("CUDA: ") + what + ": " + cudaGetErrorString(e);
  if (e == cudaErrorMemoryAllocation) throw ResourceError(message);
  throw Error(message);
}
inline void check(cusparseStatus_t e, const char* what) {
  if (e != CUSPARSE_STATUS_SUCCESS) throw Error(std::string("cuSPARSE: ") + what + ": " + cusparseGetErrorString(e));
}
inline void check(cublasStatus_t e, const char* what) {
  if (e != CUBLAS_STATUS_SUCCESS) throw Error(std::string("cuBLAS: ") + what + ": " + cublasGetStatusString(e));
}

// Device memory owned by one object.
template <class T>
class Buffer {
 public:
  Buffer() = default;
  Buffer(size_t count, const char* what) : count_(count) {
    if (count) check(cudaMalloc(reinterpret_cast<void**>(&p_), count * sizeof(T)), what);
  }
  Buffer(const T* host, size_t count, const char* what) : Buffer(count, what) {
    copy_to_device(p_, host, count * sizeof(T), what);
  }
  ~Buffer() {
    if (p_) cudaFree(p_);
  }
  Buffer(Buffer&& o) noexcept : p_(std::exchange(o.p_, nullptr)), count_(std::exchange(o.count_, 0)) {}
  Buffer& operator=(Buffer&& o) noexcept {
    std::swap(p_, o.p_);
    std::swap(count_, o.count_);
    return *this;
  }
  T* get() const { return p_; }

 private:
  T* p_ = nullptr;
  size_t count_ = 0;
};

// One cuSPARSE and one cuBLAS handle per process, made on first use and never
// destroyed: destroying them while the runtime unloads at exit can fault.
struct Handles {
  cusparseHandle_t sparse = nullptr;
  cublasHandle_t blas = nullptr;
};
inline Handles& handles() {
  static Handles* h = [] {  // a failure leaves nothing made, and the next call tries again
    auto made = std::make_unique<Handles>();
    check(cusparseCreate(&made->sparse), "creating the cuSPARSE handle");
    try {
      check(cublasCreate(&made->blas), "creating the cuBLAS handle");
    } catch (...) {
      cusparseDestroy(made->sparse);
      throw;
    }
    return made.release();
  }();
  return *h;
}

// The share of free device memory one run may take (a margin for the
// libraries' own allocations).
constexpr double kUsableShare = 0.95;
inline double usable_device_bytes() {
  size_t free_bytes = 0, total = 0;
  check(cudaMemGetInfo(&free_bytes, &total), "reading free device memory");
  return kUsableShare * double(free_bytes);
}

// Refuses, before allocating, what does not fit in free device memory.
inline void require_device_memory(double bytes, const std::string& what) {
  size_t free_bytes = 0, total = 0;
  check(cudaMemGetInfo(&free_bytes, &total), "reading free device memory");
  if (bytes > kUsableShare * double(free_bytes)) {
    char buf[300];
    std::snprintf(buf, sizeof buf, "%s needs %.2f GiB of GPU memory, %.2f GiB of %.2f GiB are free", what.c_str(),
                  bytes / 1073741824.0, double(free_bytes) / 1073741824.0, double(total) / 1073741824.0);
    throw ResourceError(std::string(buf) + "; use --device cpu (or the out-of-core path) for this graph");
  }
}

// The current device's `attribute`.
inline int device_attribute(cudaDeviceAttr attribute, const char* what) {
  int dev = 0, value = 0;
  check(cudaGetDevice(&dev), "reading the current device");
  check(cudaDeviceGetAttribute(&value, attribute, dev), what);
  return value;
}
inline int multiprocessors() {
  return device_attribute(cudaDevAttrMultiProcessorCount, "reading the multiprocessor count");
}

constexpr int kThreads = 256;
inline int blocks_for(int64_t n) {
  const int64_t b = (n + kThreads - 1) / kThreads;
  return int(b < 4096 ? (b < 1 ? 1 : b) : 4096);  // grid-stride loops cover the rest
}

constexpr int kWarp = 32;
constexpr int kWarpsPerBlock = kThreads / kWarp;

// Enough blocks for one warp per row, within the grid's limit (the kernels
// stride over the rest).
inline int warp_blocks(int64_t rows) {
  const int64_t b = (rows + kWarpsPerBlock - 1) / kWarpsPerBlock;
  return int(b < 1 ? 1 : b > (int64_t(1) << 30) ? (int64_t(1) << 30) : b);
}

// A launch's configuration error here; a fault inside the kernel surfaces at
// the next synchronising call, under that call's name. SGC_CUDA_SYNC=1 waits
// here for each kernel checked through this, so that a fault names its kernel
// (for a rerun where compute-sanitizer cannot attach; slower).
inline void launched(const char* what) {
  check(cudaGetLastError(), what);
  static const bool sync_each = [] {
    const char* v = std::getenv("SGC_CUDA_SYNC");
    return v && std::string(v) == "1";
  }();
  if (sync_each) check(cudaDeviceSynchronize(), what);
}

// Elapsed seconds between marks on the default stream.
class EventClock {
 public:
  EventClock() {
    check(cudaEventCreate(&start_), "creating a timing event");
    check(cudaEventCreate(&stop_), "creating a timing event");
  }
  ~EventClock() {
    cudaEventDestroy(start_);
    cudaEventDestroy(stop_);
  }
  void start() { check(cudaEventRecord(start_), "recording a timing event"); }
  double seconds() {
    check(cudaEventRecord(stop_), "recording a timing event");
    check(cudaEventSynchronize(stop_), "waiting for a timing event");
    float ms = 0;
    check(cudaEventElapsedTime(&ms, start_, stop_), "reading a timing event");
    return ms / 1000.0;
  }

 private:
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
};

// Device seconds of f() on the default stream, median of `runs` after one
// untimed warm-up (workspaces, first touch).
template <class F>
double median_device_seconds(int runs, F&& f) {
  if (runs < 1) throw ArgumentError("timing on the GPU: runs must be at least 1");
  EventClock clock;
  std::vector<double> t;
  f();
  for (int r = 0; r < runs; ++r) {
    clock.start();
    f();
    t.push_back(clock.seconds());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace sgc::cuda
