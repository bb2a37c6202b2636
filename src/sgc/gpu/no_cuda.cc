// The CUDA backend's functions in a build without CUDA (SGC_CUDA off): each
// says so, so that asking for the GPU is a clear error rather than a link error.
#ifndef SGC_HAVE_CUDA

#include "sgc/error.h"
#include "sgc/gpu/cuda_backend.h"

namespace sgc::cuda {

namespace {
constexpr const char* kNoCuda =
    "this build of sgc has no CUDA (configure with -DSGC_CUDA=ON where nvcc and the CUDA libraries are installed)";
}

std::string unavailable_reason() { return kNoCuda; }
std::string device_name() { return ""; }

void run_hop_plan(const CsrRef&, const float*, int64_t, const HopPlan&, const int32_t*, int64_t, float*, HopTimes*) {
  throw Error(kNoCuda);
}
double copy_bandwidth_gbs(int64_t, int) { throw Error(kNoCuda); }

struct SoftmaxObjective::State {};
SoftmaxObjective::SoftmaxObjective(const float*, int64_t, int64_t, const int32_t*, int32_t) { throw Error(kNoCuda); }
SoftmaxObjective::~SoftmaxObjective() = default;
double SoftmaxObjective::loss_grad(const float*, float*) { throw Error(kNoCuda); }

}  // namespace sgc::cuda

#endif  // SGC_HAVE_CUDA
