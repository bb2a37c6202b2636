#include "sgc/gpu/device.h"

#include <atomic>

#include "sgc/error.h"
#include "sgc/gpu/cuda_backend.h"
#include "sgc/util/printable.h"

namespace sgc {

namespace {
std::atomic<Device> g_device{Device::Cpu};
}  // namespace

Device parse_device(const std::string& name) {
  if (name == "cpu") return Device::Cpu;
  if (name == "cuda") return Device::Cuda;
  // One GPU a process, CUDA's first visible one: which one is CUDA's setting.
  const std::string ordinal = name.rfind("cuda:", 0) == 0 ? name.substr(5) : "";
  if (!ordinal.empty() && ordinal.size() <= 4 && ordinal.find_first_not_of("0123456789") == std::string::npos)
    throw ParameterError("device", "unknown value '" + name + "' (expected cpu or cuda; to run on GPU " + ordinal +
                                       ", set CUDA_VISIBLE_DEVICES=" + ordinal + " and pass cuda)");
  throw ParameterError("device", "unknown value '" + printable(name) + "' (expected cpu or cuda)");
}

std::string to_string(Device d) { return d == Device::Cuda ? "cuda" : "cpu"; }

bool cuda_compiled() {
#ifdef SGC_HAVE_CUDA
  return true;
#else
  return false;
#endif
}

std::string cuda_unavailable_reason() { return cuda::unavailable_reason(); }

std::string cuda_device_name() { return cuda_unavailable_reason().empty() ? cuda::device_name() : ""; }

void set_device(Device d) {
  if (d == Device::Cuda) {
    if (const std::string why = cuda_unavailable_reason(); !why.empty())
      throw Error("--device cuda: " + why + "; use --device cpu");
  }
  g_device = d;
}

Device current_device() { return g_device; }

}  // namespace sgc
