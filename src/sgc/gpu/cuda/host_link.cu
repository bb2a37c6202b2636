// Staged host<->device copies (host_link.h): gpu/staged_copy.h's pipeline over
// two page-locked chunks, one event per chunk marking when its DMA has
// finished, and one of two streams: a blocking one (ordered after the default
// stream's work) or a non-blocking one (concurrent with it). Host code only; nvcc hands it to the host compiler with
// OpenMP (the parallel memcpy).
#include "sgc/gpu/cuda/host_link.h"

#include <cuda_runtime.h>
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>
#include <utility>

#include "sgc/error.h"
#include "sgc/gpu/cuda/cuda_util.cuh"
#include "sgc/gpu/staged_copy.h"

namespace sgc::cuda {

namespace {

// cuda_util.cuh's check, naming the step of the copy as well.
void check(cudaError_t e, const char* what, const char* doing) {
  if (e != cudaSuccess) sgc::cuda::check(e, (std::string(what) + " (" + doing + ")").c_str());
}

// memcpy split over the OpenMP team: one thread cannot fill a PCIe 5 link.
void parallel_memcpy(char* to, const char* from, size_t bytes) {
  const int64_t threads = std::max(1, omp_get_max_threads());
  const int64_t slice = int64_t((bytes + size_t(threads) - 1) / size_t(threads));
#pragma omp parallel for schedule(static) num_threads(int(threads))
  for (int64_t t = 0; t < threads; ++t) {
    const int64_t begin = t * slice, end = std::min<int64_t>(int64_t(bytes), begin + slice);
    if (begin < end) std::memcpy(to + begin, from + begin, size_t(end - begin));
  }
}

// The chunks, the stream and the events, made on first use and kept for the
// process (as the library handles are: freeing them while the runtime unloads
// at exit can fault). One staged copy at a time.
struct Staging {
  char* chunk[2] = {nullptr, nullptr};
  cudaStream_t stream = nullptr;
  cudaEvent_t done[2] = {nullptr, nullptr};
  std::mutex busy;
};

// Frees what a failed setup made (a later copy tries again).
struct PartialStaging {
  Staging* s;
  ~PartialStaging() {
    if (!s) return;
    for (char* c : s->chunk)
      if (c) cudaFreeHost(c);
    if (s->stream) cudaStreamDestroy(s->stream);
    for (cudaEvent_t e : s->done)
      if (e) cudaEventDestroy(e);
    delete s;
  }
};

Staging& staging(const char* what) {
  static Staging* made = [what] {
    PartialStaging making{new Staging};
    for (char*& c : making.s->chunk) {
      const cudaError_t e = cudaMallocHost(reinterpret_cast<void**>(&c), kStagingChunkBytes);
      if (e == cudaErrorMemoryAllocation)
        throw ResourceError(std::string(what) + ": no page-locked host memory for two staging chunks of " +
                            std::to_string(kStagingChunkBytes >> 20) + " MiB");
      check(e, what, "allocating a page-locked chunk");
    }
    check(cudaStreamCreate(&making.s->stream), what, "creating the staging stream");
    for (cudaEvent_t& e : making.s->done)
      check(cudaEventCreateWithFlags(&e, cudaEventDisableTiming), what, "creating a staging event");
    return std::exchange(making.s, nullptr);
  }();
  return *made;
}

// The non-blocking stream of the concurrent copies, made on first use and kept
// (apart from the chunks: a small concurrent copy needs no page-locked memory).
cudaStream_t concurrent_stream(const char* what) {
  static const cudaStream_t made = [what] {
    cudaStream_t s = nullptr;
    check(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking), what, "creating the concurrent copy stream");
    return s;
  }();
  return made;
}

bool staged(size_t bytes) { return bytes >= 2 * kStagingChunkBytes; }

// staged_copy.h's link over the staging chunks, one of the streams and the events.
struct CudaLink {
  Staging& s;
  cudaStream_t stream;
  const char* what;
  char* chunk(int b) { return s.chunk[b]; }
  void to_device_async(void* dst, int b, size_t len) {
    check(cudaMemcpyAsync(dst, s.chunk[b], len, cudaMemcpyHostToDevice, stream), what, "a staged copy");
  }
  void to_host_async(int b, const void* src, size_t len) {
    check(cudaMemcpyAsync(s.chunk[b], src, len, cudaMemcpyDeviceToHost, stream), what, "a staged copy");
  }
  void mark(int b) { check(cudaEventRecord(s.done[b], stream), what, "marking a staged chunk"); }
  void wait(int b) { check(cudaEventSynchronize(s.done[b]), what, "waiting for a staged chunk"); }
  void drain() noexcept { cudaStreamSynchronize(stream); }
  void host_copy(void* to, const void* from, size_t len) {
    parallel_memcpy(static_cast<char*>(to), static_cast<const char*>(from), len);
  }
};

// Either direction: straight through cudaMemcpy below two chunks, else
// staged; `concurrent`: on the non-blocking stream (host_link.h).
void transfer(void* to, const void* from, size_t bytes, cudaMemcpyKind kind, const char* what,
              bool concurrent = false) {
  if (!staged(bytes)) {
    if (!bytes) return;
    if (!concurrent) {
      check(cudaMemcpy(to, from, bytes, kind), what, "a direct copy");
      return;
    }
    const cudaStream_t stream = concurrent_stream(what);
    check(cudaMemcpyAsync(to, from, bytes, kind, stream), what, "a direct copy");
    check(cudaStreamSynchronize(stream), what, "finishing a direct copy");
    return;
  }
  Staging& s = staging(what);
  std::lock_guard<std::mutex> lock(s.busy);
  CudaLink link{s, concurrent ? concurrent_stream(what) : s.stream, what};
  if (kind == cudaMemcpyHostToDevice)
    staged_to_device(link, kStagingChunkBytes, to, from, bytes);
  else
    staged_to_host(link, kStagingChunkBytes, to, from, bytes);
  check(cudaStreamSynchronize(link.stream), what, "finishing a staged copy");
}

}  // namespace

void copy_to_device(void* device, const void* host, size_t bytes, const char* what) {
  transfer(device, host, bytes, cudaMemcpyHostToDevice, what);
}

void copy_to_device_concurrent(void* device, const void* host, size_t bytes, const char* what) {
  transfer(device, host, bytes, cudaMemcpyHostToDevice, what, true);
}

void copy_to_host(void* host, const void* device, size_t bytes, const char* what) {
  transfer(host, device, bytes, cudaMemcpyDeviceToHost, what);
}

}  // namespace sgc::cuda
