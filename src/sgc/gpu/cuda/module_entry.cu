// The CUDA module's one exported symbol (gpu/cuda_module_abi.h): a table of
// C functions wrapping cuda_backend.cu's C++ (which implements
// gpu/cuda_backend.h here, hidden inside the module: the module is built with
// hidden visibility, so these definitions never meet the core's loader's).
// Every exception stops here and becomes a status the core rethrows as the
// same sgc::Error class.
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <type_traits>

#include "sgc/error.h"
#include "sgc/gpu/cuda_backend.h"
#include "sgc/gpu/cuda_module_abi.h"

// The opaque handles the core holds: the module's SoftmaxObjective and DeviceRows.
struct sgc_cuda_softmax : sgc::cuda::SoftmaxObjective {
  using SoftmaxObjective::SoftmaxObjective;
};
struct sgc_cuda_rows {
  std::shared_ptr<const sgc::cuda::DeviceRows> rows;  // shared with the objectives trained on them
};

namespace {

int32_t report(sgc_cuda_status* st, int32_t kind, const char* message) {
  st->kind = kind;
  std::strncpy(st->message, message, sizeof st->message - 1);
  st->message[sizeof st->message - 1] = '\0';
  return kind;
}

// Runs f, turning whatever it throws into *st.
template <class F>
int32_t guarded(sgc_cuda_status* st, F&& f) {
  try {
    f();
    return report(st, SGC_CUDA_OK, "");
  } catch (const sgc::ResourceError& e) {
    return report(st, SGC_CUDA_RESOURCE_ERROR, e.what());
  } catch (const sgc::ArgumentError& e) {
    return report(st, SGC_CUDA_ARGUMENT_ERROR, e.what());
  } catch (const std::bad_alloc&) {
    return report(st, SGC_CUDA_RESOURCE_ERROR, "out of host memory in the CUDA module");
  } catch (const std::exception& e) {
    return report(st, SGC_CUDA_ERROR, e.what());
  } catch (...) {
    return report(st, SGC_CUDA_ERROR, "unknown error in the CUDA module");
  }
}

int32_t unavailable_reason(sgc_cuda_status* reason) {
  std::string why;
  const int32_t kind = guarded(reason, [&] { why = sgc::cuda::unavailable_reason(); });
  return kind == SGC_CUDA_OK ? report(reason, SGC_CUDA_OK, why.c_str()) : kind;
}

int32_t device_name(char* name, size_t capacity, sgc_cuda_status* st) {
  return guarded(st, [&] {
    const std::string n = sgc::cuda::device_name();
    if (capacity == 0) return;
    std::strncpy(name, n.c_str(), capacity - 1);
    name[capacity - 1] = '\0';
  });
}

sgc::cuda::CsrRef from_abi(const sgc_cuda_csr& s) { return {s.rows, s.cols, s.nnz, s.indptr, s.indices, s.values}; }

sgc::NormalizationForm from_abi(const sgc_cuda_norm& n) {
  sgc::NormalizationForm f;
  f.scale = n.scale;
  f.identity_is_degree = n.identity_is_degree != 0;
  f.loop_in_degree = n.loop_in_degree != 0;
  f.stores_diagonal = n.stores_diagonal != 0;
  f.loop = n.loop;
  f.sign = n.sign;
  f.identity = n.identity;
  return f;
}

sgc::HopPlan from_abi(const sgc_cuda_plan& p) {
  sgc::HopPlan plan;
  switch (p.kind) {
    case SGC_CUDA_PLAN_SERIES: plan.kind = sgc::HopPlan::Kind::Series; break;
    case SGC_CUDA_PLAN_EULER: plan.kind = sgc::HopPlan::Kind::Euler; break;
    case SGC_CUDA_PLAN_CONCAT: plan.kind = sgc::HopPlan::Kind::Concat; break;
    default: throw sgc::ArgumentError("GPU propagation: unknown plan kind " + std::to_string(p.kind));
  }
  plan.k = p.k;
  plan.step = p.step;
  plan.weights.assign(p.weights, p.weights + p.weight_count);
  return plan;
}

sgc::cuda::HopStorage storage_of(const sgc_cuda_plan& p) {
  return p.storage == SGC_CUDA_STORAGE_BF16   ? sgc::cuda::HopStorage::Bf16
         : p.storage == SGC_CUDA_STORAGE_FP16 ? sgc::cuda::HopStorage::Fp16
                                              : sgc::cuda::HopStorage::Fp32;
}

int32_t run_hop_plan(const sgc_cuda_csr* s, const sgc_cuda_norm* norm, const float* x, int64_t d,
                     const sgc_cuda_plan* p, const int32_t* rows, int64_t out_rows, float* out, sgc_cuda_times* times,
                     sgc_cuda_rows** keep, sgc_cuda_status* st) {
  if (keep) *keep = nullptr;
  return guarded(st, [&] {
    const sgc::HopPlan plan = from_abi(*p);
    const sgc::cuda::CsrRef ref = from_abi(*s);
    const sgc::cuda::HopStorage storage = storage_of(*p);
    sgc::cuda::HopTimes t;
    const sgc::NormalizationForm form = norm ? from_abi(*norm) : sgc::NormalizationForm{};
    std::unique_ptr<sgc::cuda::DeviceRows> kept;
    sgc::cuda::run_hop_plan(ref, x, d, plan, rows, out_rows, out, times ? &t : nullptr, storage,
                            norm ? &form : nullptr, keep ? &kept : nullptr);
    if (times) *times = {t.upload, t.hops, t.download};
    if (keep) *keep = new sgc_cuda_rows{std::move(kept)};
  });
}

int32_t streams_s(const sgc_cuda_csr* s, const sgc_cuda_norm* norm, int64_t d, const sgc_cuda_plan* p,
                  int64_t out_rows, int32_t has_rows, int32_t* streams, sgc_cuda_status* st) {
  *streams = 0;
  return guarded(st, [&] {
    *streams = sgc::cuda::streams_s(from_abi(*s), d, from_abi(*p), out_rows, has_rows != 0, storage_of(*p),
                                    norm != nullptr);
  });
}

int32_t normalize(const sgc_cuda_csr* a, const sgc_cuda_norm* norm, int64_t* indptr, int32_t* indices, float* values,
                  int64_t capacity, int64_t* nnz, sgc_cuda_status* st) {
  return guarded(st, [&] {
    const sgc::cuda::CsrRef ref = from_abi(*a);
    *nnz = sgc::cuda::normalize_on_gpu(ref, from_abi(*norm), indptr, indices, values, capacity);
  });
}

int32_t compare_hop_kernels(const sgc_cuda_csr* s, const float* x, int64_t d, int32_t runs, sgc_cuda_hop_kernels* times,
                            sgc_cuda_status* st) {
  return guarded(st, [&] {
    const sgc::cuda::CsrRef ref = from_abi(*s);
    const sgc::cuda::HopKernelTimes t = sgc::cuda::compare_hop_kernels(ref, x, d, runs);
    *times = {t.cusparse, t.pairs_fp32, t.pairs_bf16, t.pass_columns, t.pairs_vs_cusparse,
              t.pairs_fp32_heavy_first, t.pairs_bf16_heavy_first, t.heavy_first_same_bits ? 1 : 0};
  });
}

int32_t host_link_bandwidth(int64_t bytes, int32_t runs, sgc_cuda_host_link* gbs, sgc_cuda_status* st) {
  return guarded(st, [&] {
    const sgc::cuda::HostLinkBandwidth b = sgc::cuda::host_link_bandwidth(bytes, runs);
    *gbs = {b.to_device_pageable, b.to_device_pinned, b.to_device_staged,
            b.to_host_pageable,   b.to_host_pinned,   b.to_host_staged};
  });
}

int32_t copy_bandwidth_gbs(int64_t bytes, int32_t runs, double* gbs, sgc_cuda_status* st) {
  return guarded(st, [&] { *gbs = sgc::cuda::copy_bandwidth_gbs(bytes, runs); });
}

int32_t softmax_create(const float* x, int64_t n, int64_t d, const int32_t* y, int32_t classes,
                       sgc_cuda_softmax** made, sgc_cuda_status* st) {
  *made = nullptr;
  return guarded(st, [&] { *made = new sgc_cuda_softmax(x, n, d, y, classes); });
}

int32_t softmax_loss_grad(sgc_cuda_softmax* objective, const float* theta, float* grad, double* loss,
                          sgc_cuda_status* st) {
  return guarded(st, [&] { *loss = objective->loss_grad(theta, grad); });
}

void softmax_destroy(sgc_cuda_softmax* objective) { delete objective; }

int32_t softmax_create_on_rows(const sgc_cuda_rows* x, int64_t row0, int64_t n, const int32_t* y, int32_t classes,
                               sgc_cuda_softmax** made, sgc_cuda_status* st) {
  *made = nullptr;
  return guarded(st, [&] { *made = new sgc_cuda_softmax(x->rows, row0, n, y, classes); });
}

int32_t rows_logits(const sgc_cuda_rows* x, int64_t row0, int64_t n, const float* theta, int32_t classes,
                    float* logits, sgc_cuda_status* st) {
  return guarded(st, [&] { sgc::cuda::device_logits(*x->rows, row0, n, theta, classes, logits); });
}

void rows_shape(const sgc_cuda_rows* x, int64_t* rows, int64_t* cols) {
  *rows = x->rows->rows();
  *cols = x->rows->cols();
}

void rows_destroy(sgc_cuda_rows* x) { delete x; }

int32_t run_generated_hops(const sgc_cuda_generated* g, int32_t hops, const int32_t* rows, int64_t row_count,
                           float* out, sgc_cuda_generated_run* run, sgc_cuda_status* st) {
  return guarded(st, [&] {
    sgc::GeneratedGraphSpec spec;
    spec.nodes = g->nodes;
    spec.mean_row = g->mean_row;
    spec.max_row = g->max_row;
    spec.features = g->features;
    spec.seed = g->seed;
    const sgc::cuda::GeneratedRun r = sgc::cuda::run_generated_hops(spec, hops, rows, row_count, out);
    *run = {r.nnz, r.generate, r.hops, r.hop_bytes};
  });
}

constexpr sgc_cuda_api kApi = {SGC_CUDA_ABI_VERSION, sizeof(sgc_cuda_api), unavailable_reason, device_name,
                               run_hop_plan,         copy_bandwidth_gbs,   softmax_create,     softmax_loss_grad,
                               softmax_destroy,      normalize,            compare_hop_kernels,
                               host_link_bandwidth,  run_generated_hops,   softmax_create_on_rows,
                               rows_logits,          rows_shape,           rows_destroy,
                               streams_s};

}  // namespace

extern "C" __attribute__((visibility("default"))) const sgc_cuda_api* sgc_cuda_module_api(void) { return &kApi; }
static_assert(std::is_same_v<decltype(&sgc_cuda_module_api), sgc_cuda_entry_fn>);
