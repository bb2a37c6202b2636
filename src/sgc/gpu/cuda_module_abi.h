// The boundary between the core and the CUDA module (libsgc_cuda.so, built
// from gpu/cuda/ with cuSPARSE and cuBLAS): plain C, so that nothing of either
// side's C++ (std::string, std::vector, exceptions, Eigen) crosses it. The
// module exports one function, SGC_CUDA_ENTRY, returning a table of function
// pointers; gpu/cuda_loader.cc dlopen()s the module on first use and checks the
// table's version and size before calling anything. Every call reports errors
// in a status (the kind of sgc::Error and its message) that the core rethrows.
//
// Change the table or any struct below: bump SGC_CUDA_ABI_VERSION, so that a
// stale module is refused with a message rather than called wrongly.
#pragma once

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SGC_CUDA_ABI_VERSION 7u
#define SGC_CUDA_ENTRY "sgc_cuda_module_api"
#define SGC_CUDA_MODULE_FILE "libsgc_cuda.so"

// The kind of error, mapped back to sgc::Error's classes by the core.
enum { SGC_CUDA_OK = 0, SGC_CUDA_ERROR = 1, SGC_CUDA_ARGUMENT_ERROR = 2, SGC_CUDA_RESOURCE_ERROR = 3 };

typedef struct sgc_cuda_status {
  int32_t kind;        // SGC_CUDA_OK or an error kind
  char message[1024];  // NUL-terminated, truncated if longer
} sgc_cuda_status;

// cuda::CsrRef.
typedef struct sgc_cuda_csr {
  int64_t rows, cols, nnz;
  const int64_t* indptr;
  const int32_t* indices;
  const float* values;
} sgc_cuda_csr;

// sgc::HopPlan (ops/hop_plan.h) as plain data: it holds a std::vector.
enum { SGC_CUDA_PLAN_SERIES = 0, SGC_CUDA_PLAN_EULER = 1, SGC_CUDA_PLAN_CONCAT = 2 };
// How X and the hops are stored: cuda::HopStorage.
enum { SGC_CUDA_STORAGE_FP32 = 0, SGC_CUDA_STORAGE_BF16 = 1, SGC_CUDA_STORAGE_FP16 = 2 };
typedef struct sgc_cuda_plan {
  int32_t kind;
  int32_t k;
  double step;
  const double* weights;
  int64_t weight_count;
  int32_t storage;
} sgc_cuda_plan;

// sgc::NormalizationForm (graph/normalization_form.h), flags as 0 / 1.
typedef struct sgc_cuda_norm {
  int32_t scale;
  int32_t identity_is_degree, loop_in_degree, stores_diagonal;
  double loop, sign, identity;
} sgc_cuda_norm;

typedef struct sgc_cuda_times {
  double upload, hops, download;
} sgc_cuda_times;

// sgc::GeneratedGraphSpec (gpu/generated_graph.h) and cuda::GeneratedRun.
typedef struct sgc_cuda_generated {
  int64_t nodes;
  double mean_row;
  int64_t max_row;
  int64_t features;
  uint64_t seed;
} sgc_cuda_generated;
typedef struct sgc_cuda_generated_run {
  int64_t nnz;
  double generate, hops, hop_bytes;
} sgc_cuda_generated_run;

// cuda::HopKernelTimes.
typedef struct sgc_cuda_hop_kernels {
  double cusparse, pairs_fp32, pairs_bf16;
  int64_t pass_columns;
  double pairs_vs_cusparse;
  double pairs_fp32_heavy_first, pairs_bf16_heavy_first;
  int32_t heavy_first_same_bits;
} sgc_cuda_hop_kernels;

// cuda::HostLinkBandwidth.
typedef struct sgc_cuda_host_link {
  double to_device_pageable, to_device_pinned, to_device_staged;
  double to_host_pageable, to_host_pinned, to_host_staged;
} sgc_cuda_host_link;

typedef struct sgc_cuda_softmax sgc_cuda_softmax;  // opaque: the module's SoftmaxObjective
typedef struct sgc_cuda_rows sgc_cuda_rows;        // opaque: the module's DeviceRows

// The functions mirror gpu/cuda_backend.h one for one. Each returns status->kind.
typedef struct sgc_cuda_api {
  uint32_t abi_version;  // SGC_CUDA_ABI_VERSION of the module
  uint32_t size;         // sizeof(sgc_cuda_api) in the module
  // OK with "" when a device is usable, OK with the reason otherwise.
  int32_t (*unavailable_reason)(sgc_cuda_status* reason);
  int32_t (*device_name)(char* name, size_t capacity, sgc_cuda_status* status);
  // times may be NULL; norm NULL: s is S, else s is A, normalised on the
  // device; keep NULL: the output is not kept on the device, else *keep holds
  // it (freed by rows_destroy).
  int32_t (*run_hop_plan)(const sgc_cuda_csr* s, const sgc_cuda_norm* norm, const float* x, int64_t d,
                          const sgc_cuda_plan* plan, const int32_t* rows, int64_t out_rows, float* out,
                          sgc_cuda_times* times, sgc_cuda_rows** keep, sgc_cuda_status* status);
  int32_t (*copy_bandwidth_gbs)(int64_t bytes, int32_t runs, double* gbs, sgc_cuda_status* status);
  int32_t (*softmax_create)(const float* x, int64_t n, int64_t d, const int32_t* y, int32_t classes,
                            sgc_cuda_softmax** made, sgc_cuda_status* status);
  int32_t (*softmax_loss_grad)(sgc_cuda_softmax* objective, const float* theta, float* grad, double* loss,
                               sgc_cuda_status* status);
  void (*softmax_destroy)(sgc_cuda_softmax* objective);
  int32_t (*normalize)(const sgc_cuda_csr* a, const sgc_cuda_norm* norm, int64_t* indptr, int32_t* indices,
                       float* values, int64_t capacity, int64_t* nnz, sgc_cuda_status* status);
  int32_t (*compare_hop_kernels)(const sgc_cuda_csr* s, const float* x, int64_t d, int32_t runs,
                                 sgc_cuda_hop_kernels* times, sgc_cuda_status* status);
  int32_t (*host_link_bandwidth)(int64_t bytes, int32_t runs, sgc_cuda_host_link* gbs, sgc_cuda_status* status);
  int32_t (*run_generated_hops)(const sgc_cuda_generated* g, int32_t hops, const int32_t* rows, int64_t row_count,
                                float* out, sgc_cuda_generated_run* run, sgc_cuda_status* status);
  int32_t (*softmax_create_on_rows)(const sgc_cuda_rows* x, int64_t row0, int64_t n, const int32_t* y,
                                    int32_t classes, sgc_cuda_softmax** made, sgc_cuda_status* status);
  int32_t (*rows_logits)(const sgc_cuda_rows* x, int64_t row0, int64_t n, const float* theta, int32_t classes,
                         float* logits, sgc_cuda_status* status);
  void (*rows_shape)(const sgc_cuda_rows* x, int64_t* rows, int64_t* cols);
  void (*rows_destroy)(sgc_cuda_rows* x);
  // *streams = 1 when run_hop_plan with these arguments streams S (norm: s is
  // A) in row blocks, else 0.
  int32_t (*streams_s)(const sgc_cuda_csr* s, const sgc_cuda_norm* norm, int64_t d, const sgc_cuda_plan* plan,
                       int64_t out_rows, int32_t has_rows, int32_t* streams, sgc_cuda_status* status);
} sgc_cuda_api;

typedef const sgc_cuda_api* (*sgc_cuda_entry_fn)(void);

#ifdef __cplusplus
}  // extern "C"
#endif
