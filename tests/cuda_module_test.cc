// The CUDA code is a module loaded on first GPU use (src/sgc/gpu/cuda_loader.cc),
// never a link dependency: no executable or extension that links the core
// needs libcudart, cuSPARSE or cuBLAS (read from `readelf -d`), a CPU run
// never maps the module (the dynamic linker's LD_DEBUG=files log), and a
// module that is missing or not a module is a clear error for --device cuda
// and a "none" line in `sgc info`, not a crash. In a build without CUDA the
// same checks hold with the "no CUDA in this build" message.
#include <gtest/gtest.h>
#include <link.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "sgc/gpu/device.h"
#include "test_util.h"

namespace sgc {
namespace {

#ifndef SGC_CUDA_MODULE_PATH
#define SGC_CUDA_MODULE_PATH ""
#endif
#ifndef SGC_PYTHON_MODULE_PATH
#define SGC_PYTHON_MODULE_PATH ""
#endif

// `sgc args` with the environment assignments `env` ("A=b C=d").
testing::CliRun run_cli_with(const std::string& env, const std::string& args) {
  return testing::run_shell(env + " '" + std::string(SGC_CLI_PATH) + "' " + args);
}

// The shared objects a binary needs (its DT_NEEDED entries).
std::vector<std::string> needed(const std::string& path) {
  const testing::CliRun r = testing::run_shell("readelf -d '" + path + "'");
  std::vector<std::string> names;
  const std::string tag = "Shared library: [";
  for (size_t at = r.output.find(tag); at != std::string::npos; at = r.output.find(tag, at + 1)) {
    const size_t from = at + tag.size(), to = r.output.find(']', from);
    if (to != std::string::npos) names.push_back(r.output.substr(from, to - from));
  }
  return names;
}

bool is_cuda_library(const std::string& name) {
  for (const char* prefix : {"libcudart", "libcusparse", "libcublas", "libcuda.", "libsgc_cuda"})
    if (name.rfind(prefix, 0) == 0) return true;
  return false;
}

std::string self_path() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, size_t(n)) : "";
}

TEST(CudaModule, NothingLinksTheCudaLibraries) {
  std::vector<std::string> binaries{SGC_CLI_PATH, self_path()};
  if (*SGC_PYTHON_MODULE_PATH && access(SGC_PYTHON_MODULE_PATH, F_OK) == 0)  // built when asked for
    binaries.push_back(SGC_PYTHON_MODULE_PATH);
  for (const std::string& b : binaries) {
    const std::vector<std::string> libs = needed(b);
    ASSERT_FALSE(libs.empty()) << "readelf -d '" << b << "' listed no DT_NEEDED entry (is binutils installed?)";
    for (const std::string& lib : libs)
      EXPECT_FALSE(is_cuda_library(lib)) << b << " needs " << lib << ": link CUDA only into the module sgc_cuda";
  }
  // The module itself does need them: the check above reads what it should.
  if (*SGC_CUDA_MODULE_PATH) {
    int cuda = 0;
    for (const std::string& lib : needed(SGC_CUDA_MODULE_PATH)) cuda += is_cuda_library(lib);
    EXPECT_GE(cuda, 2) << SGC_CUDA_MODULE_PATH << " should need cuSPARSE and cuBLAS";
  }
}

TEST(CudaModule, CpuRunsNeverLoadIt) {
  const testing::CliRun cpu = run_cli_with("LD_DEBUG=files", "train --epochs 2");
  ASSERT_EQ(cpu.exit_code, 0) << cpu.output.substr(cpu.output.size() > 4000 ? cpu.output.size() - 4000 : 0);
  ASSERT_NE(cpu.output.find("file="), std::string::npos) << "LD_DEBUG=files logged nothing";
  for (const char* lib : {"libsgc_cuda", "libcudart", "libcusparse", "libcublas"})
    EXPECT_EQ(cpu.output.find(lib), std::string::npos) << "a CPU run loaded " << lib;
  if (*SGC_CUDA_MODULE_PATH) {  // `sgc info` does look for the GPU: the log shows a load when there is one
    const testing::CliRun info = run_cli_with("LD_DEBUG=files", "info");
    EXPECT_EQ(info.exit_code, 0);
    EXPECT_NE(info.output.find("libsgc_cuda.so"), std::string::npos) << "sgc info did not load the module";
  }
}

TEST(CudaModule, LoadsFromTheFolderOfTheProgram) {
  if (!*SGC_CUDA_MODULE_PATH) GTEST_SKIP() << "this build has no CUDA module";
  if (const char* env = std::getenv("SGC_CUDA_MODULE"); env && *env) GTEST_SKIP() << "SGC_CUDA_MODULE is set";
  // Without a GPU the reason names the device or driver, not the module.
  EXPECT_EQ(cuda_unavailable_reason().find("did not load"), std::string::npos) << cuda_unavailable_reason();
}

// --device cuda with SGC_CUDA_MODULE at `module`: a clear error naming it; `sgc info` says "none" and why.
void expect_clear_refusal(const std::string& module, const std::string& also) {
  const std::string env = "SGC_CUDA_MODULE='" + module + "'";
  const testing::CliRun run = run_cli_with(env, "train --device cuda --epochs 2");
  EXPECT_NE(run.exit_code, 0) << run.output;
  EXPECT_LT(run.exit_code, 128) << "crashed: " << run.output;
  EXPECT_NE(run.output.find("--device"), std::string::npos) << run.output;
  const testing::CliRun info = run_cli_with(env, "info");
  EXPECT_EQ(info.exit_code, 0) << info.output;
  EXPECT_NE(info.output.find("gpu: none: "), std::string::npos) << info.output;
  if (!cuda_compiled()) {
    EXPECT_NE(run.output.find("has no CUDA"), std::string::npos) << run.output;
    return;
  }
  for (const std::string& part : {std::string("did not load"), "SGC_CUDA_MODULE=" + module, also}) {
    EXPECT_NE(run.output.find(part), std::string::npos) << part << " not in: " << run.output;
    EXPECT_NE(info.output.find(part), std::string::npos) << part << " not in: " << info.output;
  }
}

TEST(CudaModule, MissingModuleIsAClearError) {
  expect_clear_refusal("/nonexistent/sgc/libsgc_cuda.so", "/nonexistent/sgc/libsgc_cuda.so");
}

TEST(CudaModule, AFileThatIsNoModuleIsAClearError) {
  const std::string text = ::testing::TempDir() + "not_a_module.so";
  std::ofstream(text) << "not a shared object\n";
  expect_clear_refusal(text, text);
  // A real shared object without the entry point: the zlib this program loaded.
  std::string zlib;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* out) {
        const std::string name = info->dlpi_name ? info->dlpi_name : "";
        if (name.find("/libz.so") != std::string::npos) *static_cast<std::string*>(out) = name;
        return 0;
      },
      &zlib);
  ASSERT_FALSE(zlib.empty()) << "libz is not loaded";
  expect_clear_refusal(zlib, "has no sgc_cuda_module_api");
}

}  // namespace
}  // namespace sgc
