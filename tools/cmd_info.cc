// `sgc info`: what this host offers the kernels and what they chose: the
// kernel variant (scalar / AVX2 / AVX-512, SGC_KERNEL), the caches and the
// product thresholds derived from them (src/sgc/ops/spmm_plan.h).
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "commands.h"
#include "sgc/gemm.h"
#include "sgc/gpu/device.h"
#include "sgc/ops/spmm_plan.h"
#include "sgc/util/threads.h"

namespace sgc_cli {

namespace {
std::string cpu_model() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}
}  // namespace

Subcommand add_info_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("info", "Print the CPU, caches and the kernels chosen for them, and the GPU if any");
  auto threads = std::make_shared<int>(0);
  sub->add_option("--threads", *threads, "threads the thresholds are computed for (default: all)");
  return {sub, [threads] {
            sgc::set_num_threads(*threads);  // 0: all cores; a negative count is an error
            std::printf("cpu: %s, %d threads\n%s", cpu_model().c_str(), sgc::num_threads(),
                        sgc::describe_kernels(sgc::num_threads()).c_str());
            std::printf("dense products: %s\n", sgc::gemm_backend().c_str());
            const std::string no_gpu = sgc::cuda_unavailable_reason();
            std::printf("gpu: %s\n", no_gpu.empty() ? sgc::cuda_device_name().c_str() : ("none: " + no_gpu).c_str());
            return 0;
          }};
}

}  // namespace sgc_cli
