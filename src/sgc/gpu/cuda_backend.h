// The CUDA side of the engine, behind plain pointers so that no CUDA header or
// Eigen type crosses it. gpu/cuda/cuda_backend.cu implements it inside the
// CUDA module libsgc_cuda.so; the core's gpu/cuda_loader.cc implements it for
// every caller by loading that module on first use (through the C table of
// gpu/cuda_module_abi.h), or says why it cannot: no CUDA in the build, no
// module, no CUDA libraries, no GPU. Host buffers are row-major float32.
// Errors are sgc::Error naming the CUDA call and what it was doing (out of
// device memory included).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "sgc/gpu/generated_graph.h"
#include "sgc/graph/normalization_form.h"
#include "sgc/ops/hop_plan.h"

namespace sgc::cuda {

// A CSR matrix in host memory (graph/csr.h's layout).
struct CsrRef {
  int64_t rows = 0, cols = 0, nnz = 0;
  const int64_t* indptr = nullptr;
  const int32_t* indices = nullptr;
  const float* values = nullptr;
};

std::string unavailable_reason();  // "" when a device is usable
std::string device_name();

// Seconds of each phase of run_hop_plan, measured with CUDA events.
struct HopTimes {
  double upload = 0;    // S (or A, normalised there) and x to the device
  double hops = 0;      // the products and element-wise passes
  double download = 0;  // the output back to the host
};

// How X and the hops are kept on the device: fp32, or 16 bits (bfloat16 or
// IEEE half) with fp32 sums and the last hop in fp32 (--precision; as the
// CPU's propagate_stored.h does it).
enum class HopStorage { Fp32, Bf16, Fp16 };

// Rows of propagated features left in device memory by run_hop_plan (row-major
// fp32, rows() x cols()), so that the head trains on them and the evaluation
// reads them where they are: no second upload. Freed with the object.
class DeviceRows {
 public:
  struct State;
  explicit DeviceRows(std::unique_ptr<State> state);
  ~DeviceRows();
  DeviceRows(const DeviceRows&) = delete;
  DeviceRows& operator=(const DeviceRows&) = delete;
  int64_t rows() const;
  int64_t cols() const;
  const State& state() const { return *state_; }

 private:
  std::unique_ptr<State> state_;
};

// Runs `plan` on x (s.cols x d): uploads S and x, does every hop on the GPU and
// copies back out (out_rows x plan.output_columns(d)): the rows `rows[0..out_rows)`
// of the result, or every row when rows is null (out_rows = s.rows). When S
// does not fit in device memory beside the hop buffers, it stays on the host
// and streams through the device in row blocks on every hop (gpu/streamed_s.h;
// SGC_GPU_S_BLOCK_BYTES=bytes asks for it, in blocks of about that size).
// Refuses with a clear message, before allocating, what does not fit even so.
// 16-bit storage takes the plans of S^K X scaled (SGC's; an even d), nothing
// else (ArgumentError). With `normalize`, s is the adjacency A and S is built
// from it on the device by that form (entry for entry the host's
// normalize_by_form): A crosses the bus instead of S, and the host never
// normalises. With `keep`, the output stays in device memory too (*keep; the
// buffer the result was made in, so the peak is unchanged).
void run_hop_plan(const CsrRef& s, const float* x, int64_t d, const HopPlan& plan, const int32_t* rows,
                  int64_t out_rows, float* out, HopTimes* times = nullptr, HopStorage storage = HopStorage::Fp32,
                  const NormalizationForm* normalize = nullptr, std::unique_ptr<DeviceRows>* keep = nullptr);

// Whether run_hop_plan with these arguments streams S (or A, from_adjacency:
// S built from it on the device) instead of holding it whole; ResourceError
// when it does not fit either way. A streamed S is built on the host: the
// caller normalises A there first and passes S.
bool streams_s(const CsrRef& s, int64_t d, const HopPlan& plan, int64_t out_rows, bool has_rows, HopStorage storage,
               bool from_adjacency);

// The head's logits x W + b (n x classes, row-major, into `out`) for the rows
// [row0, row0 + n) of `x`, with theta = [W row-major x.cols() x classes, b]:
// only theta goes up and the logits come down.
void device_logits(const DeviceRows& x, int64_t row0, int64_t n, const float* theta, int32_t classes, float* out);

// S = the form applied to A, built on the GPU as run_hop_plan builds it and
// copied back: indptr (a.rows + 1 entries), indices and values (room for
// `capacity` entries; a.nnz + a.rows always suffices). Returns S's entries.
int64_t normalize_on_gpu(const CsrRef& a, const NormalizationForm& f, int64_t* indptr, int32_t* indices,
                         float* values, int64_t capacity);

// One hop S X on the same device buffers, device seconds, median of `runs`:
// cuSPARSE's SpMM in fp32 (run_hop_plan's with SGC_GPU_CUSPARSE=1), the
// kernel of cuda/spmm_pairs.cuh in fp32 (run_hop_plan's otherwise; in passes
// of pass_columns), and that kernel with X and Y in bfloat16, each with rows
// handed out in S's order and heavy rows first (gpu/row_split.h); with the
// fp32 kernel's largest difference from cuSPARSE's result, relative to its
// largest value, and whether both orders gave the same bits. d even.
struct HopKernelTimes {
  double cusparse = 0, pairs_fp32 = 0, pairs_bf16 = 0;
  int64_t pass_columns = 0;
  double pairs_vs_cusparse = 0;
  double pairs_fp32_heavy_first = 0, pairs_bf16_heavy_first = 0;
  bool heavy_first_same_bits = false;
};
HopKernelTimes compare_hop_kernels(const CsrRef& s, const float* x, int64_t d, int runs);

// Device-to-device copy bandwidth, GB/s counting bytes read plus bytes
// written (as STREAM's copy does), over a `bytes` buffer: median of `runs`.
double copy_bandwidth_gbs(int64_t bytes, int runs = 5);

// Host<->device copy bandwidth over a `bytes` buffer, GB/s, median of
// `runs`: cudaMemcpy from and to ordinary (pageable) host memory and from and
// to page-locked memory, beside the GPU path's own transfers (cuda/host_link.h:
// pageable memory staged through page-locked chunks by the OpenMP team).
struct HostLinkBandwidth {
  double to_device_pageable = 0, to_device_pinned = 0, to_device_staged = 0;
  double to_host_pageable = 0, to_host_pinned = 0, to_host_staged = 0;
};
HostLinkBandwidth host_link_bandwidth(int64_t bytes, int runs = 5);

// What run_generated_hops did: seconds measured with CUDA events.
struct GeneratedRun {
  int64_t nnz = 0;        // S's entries
  double generate = 0;    // S and X made on the device
  double hops = 0;        // every hop
  double hop_bytes = 0;   // one hop's compulsory traffic: S once, X read and Y written in 16 bits
};

// Makes the spec's S and X on the GPU (generated_graph.h: nothing crosses
// the bus), X and every hop stored in bfloat16 with fp32 sums in entry order
// (16-bit storage, as --precision bf16 on the CPU), runs `hops` products, and
// copies the rows rows[0..row_count) of the last back into out (row_count x
// features, widened to fp32). Features must be even. ResourceError, before
// allocating, when it does not fit in free device memory.
GeneratedRun run_generated_hops(const GeneratedGraphSpec& g, int hops, const int32_t* rows, int64_t row_count,
                                float* out);

// The mean cross-entropy of softmax(x W + b) (model/softmax_regression.h,
// theta = [W row-major d x c, b]) and its gradient, with x and y resident on
// the GPU from construction on (uploaded, or rows already there); each call
// moves only theta and the gradient.
class SoftmaxObjective {
 public:
  SoftmaxObjective(const float* x, int64_t n, int64_t d, const int32_t* y, int32_t classes);
  // On the rows [row0, row0 + n) of rows already on the device, read in
  // place (the objective shares their ownership).
  SoftmaxObjective(std::shared_ptr<const DeviceRows> x, int64_t row0, int64_t n, const int32_t* y, int32_t classes);
  ~SoftmaxObjective();
  SoftmaxObjective(const SoftmaxObjective&) = delete;
  SoftmaxObjective& operator=(const SoftmaxObjective&) = delete;
  double loss_grad(const float* theta, float* grad);

 private:
  void init(const float* x, int64_t n, int64_t d, const int32_t* y, int32_t classes);
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace sgc::cuda
