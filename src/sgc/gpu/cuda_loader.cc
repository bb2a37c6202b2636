// gpu/cuda_backend.h as the core sees it: the CUDA code lives in a module,
// libsgc_cuda.so (gpu/cuda/, linked with cudart, cuSPARSE and cuBLAS), which
// is dlopen()ed the first time a caller needs the GPU (set_device(Cuda), `sgc
// info`). Linking those libraries into every process cost ~150-190 MB of RSS
// and start-up time before main, CPU-only runs included; now only a GPU run
// maps them. The module's table of C functions (gpu/cuda_module_abi.h) is
// wrapped back into cuda_backend.h's C++ here, statuses rethrown as the same
// sgc::Error classes.
//
// Where the module is looked for:
//   1. $SGC_CUDA_MODULE, a path, when set: only there (an explicit choice);
//   2. the directory of the executable or shared object holding this code
//      (the build folder for sgc, sgc_tests and the benchmarks; the Python
//      package's folder for sgc._core);
//   3. the plain file name, through the dynamic linker's normal search path.
// If none loads (no module, no libcudart / cuSPARSE / cuBLAS, a stale module),
// unavailable_reason() names each place tried and dlerror()'s answer. This is
// also the one home of the policy for builds without CUDA (SGC_CUDA off): no
// module is built and none is looked for.
#include <dlfcn.h>
#include <link.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <string>
#include <vector>

#include "sgc/error.h"
#include "sgc/gpu/cuda_backend.h"
#include "sgc/gpu/cuda_module_abi.h"

namespace sgc::cuda {

namespace {

struct Module {
  const sgc_cuda_api* api = nullptr;
  std::string why;  // why api is null
};

#ifndef SGC_HAVE_CUDA

Module load() {
  return {nullptr,
          "this build of sgc has no CUDA (configure with -DSGC_CUDA=ON where nvcc and the CUDA libraries are "
          "installed)"};
}

#else

// The directory (with its trailing '/') of the executable or shared object this
// code was linked into, "" if unknown.
const char kAnchor = 0;
std::string own_directory() {
  Dl_info info{};
  link_map* map = nullptr;
  std::string path;
  if (dladdr1(&kAnchor, &info, reinterpret_cast<void**>(&map), RTLD_DL_LINKMAP) && map && map->l_name)
    path = map->l_name;
  if (path.empty()) {  // the main executable's link map has no name
    char buf[PATH_MAX];
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n > 0) path.assign(buf, size_t(n));
  }
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

Module load() {
  std::vector<std::string> places;
  std::string tried;
  if (const char* env = std::getenv("SGC_CUDA_MODULE"); env && *env) {
    places.push_back(env);
    tried = "SGC_CUDA_MODULE=";
  } else {
    if (const std::string dir = own_directory(); !dir.empty()) places.push_back(dir + SGC_CUDA_MODULE_FILE);
    places.push_back(SGC_CUDA_MODULE_FILE);
  }
  for (size_t i = 0; i < places.size(); ++i) {
    const std::string& place = places[i];
    if (i > 0) tried += ", ";
    tried += place + " (";
    // Never closed: the CUDA runtime and its handles stay until the process exits.
    void* handle = dlopen(place.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* err = dlerror();
      tried += std::string(err ? err : "dlopen failed") + ")";
      continue;
    }
    const auto entry = reinterpret_cast<sgc_cuda_entry_fn>(dlsym(handle, SGC_CUDA_ENTRY));
    const sgc_cuda_api* api = entry ? entry() : nullptr;
    if (!api) {
      tried += std::string("loaded, but it has no ") + SGC_CUDA_ENTRY + ")";
    } else if (api->abi_version != SGC_CUDA_ABI_VERSION || api->size < sizeof(sgc_cuda_api)) {
      tried += "loaded, but its interface is version " + std::to_string(api->abi_version) + ", this sgc needs " +
               std::to_string(SGC_CUDA_ABI_VERSION) + ": a module from another build)";
    } else {
      return {api, ""};
    }
    dlclose(handle);
  }
  return {nullptr, "the CUDA module " SGC_CUDA_MODULE_FILE " did not load; tried " + tried};
}

#endif  // SGC_HAVE_CUDA

// Loaded once per process, on first use (thread-safe).
const Module& module() {
  static const Module m = load();
  return m;
}

// The table, or sgc::Error saying why there is none.
const sgc_cuda_api& api() {
  const Module& m = module();
  if (!m.api) throw Error(m.why);
  return *m.api;
}

void rethrow_if_failed(const sgc_cuda_status& st) {
  switch (st.kind) {
    case SGC_CUDA_OK: return;
    case SGC_CUDA_ARGUMENT_ERROR: throw ArgumentError(st.message);
    case SGC_CUDA_RESOURCE_ERROR: throw ResourceError(st.message);
    default: throw Error(st.message);
  }
}

}  // namespace

std::string unavailable_reason() {
  const Module& m = module();
  if (!m.api) return m.why;
  sgc_cuda_status st{};
  m.api->unavailable_reason(&st);
  if (st.kind != SGC_CUDA_OK && !st.message[0]) return "the CUDA module failed to check for a device";
  return st.message;
}

std::string device_name() {
  if (!module().api) return "";
  char name[512] = "";
  sgc_cuda_status st{};
  module().api->device_name(name, sizeof name, &st);
  rethrow_if_failed(st);
  return name;
}

namespace {
sgc_cuda_csr to_abi(const CsrRef& s) { return {s.rows, s.cols, s.nnz, s.indptr, s.indices, s.values}; }
sgc_cuda_norm to_abi(const NormalizationForm& f) {
  return {f.scale, f.identity_is_degree, f.loop_in_degree, f.stores_diagonal, f.loop, f.sign, f.identity};
}
// The plan as plain data; it points into plan.weights.
sgc_cuda_plan to_abi(const HopPlan& plan, HopStorage storage) {
  const int32_t kind = plan.kind == HopPlan::Kind::Series  ? SGC_CUDA_PLAN_SERIES
                       : plan.kind == HopPlan::Kind::Euler ? SGC_CUDA_PLAN_EULER
                                                           : SGC_CUDA_PLAN_CONCAT;
  const int32_t stored = storage == HopStorage::Bf16   ? SGC_CUDA_STORAGE_BF16
                         : storage == HopStorage::Fp16 ? SGC_CUDA_STORAGE_FP16
                                                       : SGC_CUDA_STORAGE_FP32;
  return {kind, plan.k, plan.step, plan.weights.data(), int64_t(plan.weights.size()), stored};
}
}  // namespace

// The module's rows, freed through it.
struct DeviceRows::State {
  const sgc_cuda_api* api = nullptr;
  sgc_cuda_rows* handle = nullptr;
  int64_t rows = 0, cols = 0;
  ~State() {
    if (handle) api->rows_destroy(handle);
  }
};
DeviceRows::DeviceRows(std::unique_ptr<State> state) : state_(std::move(state)) {}
DeviceRows::~DeviceRows() = default;
int64_t DeviceRows::rows() const { return state_->rows; }
int64_t DeviceRows::cols() const { return state_->cols; }

void run_hop_plan(const CsrRef& s, const float* x, int64_t d, const HopPlan& plan, const int32_t* rows,
                  int64_t out_rows, float* out, HopTimes* times, HopStorage storage,
                  const NormalizationForm* normalize, std::unique_ptr<DeviceRows>* keep) {
  const sgc_cuda_api& a = api();
  const sgc_cuda_csr csr = to_abi(s);
  const sgc_cuda_norm norm = normalize ? to_abi(*normalize) : sgc_cuda_norm{};
  const sgc_cuda_plan p = to_abi(plan, storage);
  sgc_cuda_times t{};
  sgc_cuda_status st{};
  auto held = std::make_unique<DeviceRows::State>();  // frees the kept rows on every path
  held->api = &a;
  a.run_hop_plan(&csr, normalize ? &norm : nullptr, x, d, &p, rows, out_rows, out, times ? &t : nullptr,
                 keep ? &held->handle : nullptr, &st);
  rethrow_if_failed(st);
  if (times) *times = {t.upload, t.hops, t.download};
  if (keep) {
    a.rows_shape(held->handle, &held->rows, &held->cols);
    *keep = std::make_unique<DeviceRows>(std::move(held));
  }
}

bool streams_s(const CsrRef& s, int64_t d, const HopPlan& plan, int64_t out_rows, bool has_rows, HopStorage storage,
               bool from_adjacency) {
  const sgc_cuda_csr csr = to_abi(s);
  const sgc_cuda_norm norm{};  // only whether there is one counts
  const sgc_cuda_plan p = to_abi(plan, storage);
  int32_t streams = 0;
  sgc_cuda_status st{};
  api().streams_s(&csr, from_adjacency ? &norm : nullptr, d, &p, out_rows, has_rows, &streams, &st);
  rethrow_if_failed(st);
  return streams != 0;
}

void device_logits(const DeviceRows& x, int64_t row0, int64_t n, const float* theta, int32_t classes, float* out) {
  sgc_cuda_status st{};
  x.state().api->rows_logits(x.state().handle, row0, n, theta, classes, out, &st);
  rethrow_if_failed(st);
}

int64_t normalize_on_gpu(const CsrRef& a, const NormalizationForm& f, int64_t* indptr, int32_t* indices,
                         float* values, int64_t capacity) {
  const sgc_cuda_csr csr = to_abi(a);
  const sgc_cuda_norm norm = to_abi(f);
  int64_t nnz = 0;
  sgc_cuda_status st{};
  api().normalize(&csr, &norm, indptr, indices, values, capacity, &nnz, &st);
  rethrow_if_failed(st);
  return nnz;
}

HopKernelTimes compare_hop_kernels(const CsrRef& s, const float* x, int64_t d, int runs) {
  const sgc_cuda_csr csr = to_abi(s);
  sgc_cuda_hop_kernels t{};
  sgc_cuda_status st{};
  api().compare_hop_kernels(&csr, x, d, runs, &t, &st);
  rethrow_if_failed(st);
  return {t.cusparse, t.pairs_fp32, t.pairs_bf16, t.pass_columns, t.pairs_vs_cusparse,
          t.pairs_fp32_heavy_first, t.pairs_bf16_heavy_first, t.heavy_first_same_bits != 0};
}

HostLinkBandwidth host_link_bandwidth(int64_t bytes, int runs) {
  sgc_cuda_host_link g{};
  sgc_cuda_status st{};
  api().host_link_bandwidth(bytes, runs, &g, &st);
  rethrow_if_failed(st);
  return {g.to_device_pageable, g.to_device_pinned, g.to_device_staged,
          g.to_host_pageable,   g.to_host_pinned,   g.to_host_staged};
}

double copy_bandwidth_gbs(int64_t bytes, int runs) {
  double gbs = 0;
  sgc_cuda_status st{};
  api().copy_bandwidth_gbs(bytes, runs, &gbs, &st);
  rethrow_if_failed(st);
  return gbs;
}

GeneratedRun run_generated_hops(const GeneratedGraphSpec& g, int hops, const int32_t* rows, int64_t row_count,
                                float* out) {
  const sgc_cuda_generated spec{g.nodes, g.mean_row, g.max_row, g.features, g.seed};
  sgc_cuda_generated_run run{};
  sgc_cuda_status st{};
  api().run_generated_hops(&spec, hops, rows, row_count, out, &run, &st);
  rethrow_if_failed(st);
  return {run.nnz, run.generate, run.hops, run.hop_bytes};
}

struct SoftmaxObjective::State {
  const sgc_cuda_api* api = nullptr;
  sgc_cuda_softmax* objective = nullptr;
  ~State() {
    if (objective) api->softmax_destroy(objective);
  }
};

SoftmaxObjective::SoftmaxObjective(const float* x, int64_t n, int64_t d, const int32_t* y, int32_t classes)
    : state_(std::make_unique<State>()) {
  state_->api = &api();
  sgc_cuda_status st{};
  state_->api->softmax_create(x, n, d, y, classes, &state_->objective, &st);
  rethrow_if_failed(st);
}

SoftmaxObjective::SoftmaxObjective(std::shared_ptr<const DeviceRows> x, int64_t row0, int64_t n, const int32_t* y,
                                   int32_t classes)
    : state_(std::make_unique<State>()) {
  state_->api = x->state().api;
  sgc_cuda_status st{};
  state_->api->softmax_create_on_rows(x->state().handle, row0, n, y, classes, &state_->objective, &st);
  rethrow_if_failed(st);
}

SoftmaxObjective::~SoftmaxObjective() = default;

double SoftmaxObjective::loss_grad(const float* theta, float* grad) {
  double loss = 0;
  sgc_cuda_status st{};
  state_->api->softmax_loss_grad(state_->objective, theta, grad, &loss, &st);
  rethrow_if_failed(st);
  return loss;
}

}  // namespace sgc::cuda
