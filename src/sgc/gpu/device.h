// Where the engine computes: the CPU (the default) or a CUDA GPU. A process-
// wide setting like the thread count (util/threads.h), set by --device on every
// subcommand, sgc.set_device in Python, or a benchmark. run_operator
// (ops/registry.cc) and train_softmax (model/train.cc) read it, so every front
// end and every registry operator follows it without a flag of its own.
//
// On the GPU (gpu/cuda/, built when CMake finds nvcc: option SGC_CUDA, as the
// module libsgc_cuda.so that the first GPU call loads, gpu/cuda_loader.cc): S and
// X are uploaded once, every hop of the operator's plan (ops/hop_plan.h) runs
// in device memory with sgc's SpMM kernel, and only the requested rows come
// back; the softmax head's loss and gradient run with cuBLAS on features kept
// on the device while the optimizer (Adam, L-BFGS: vectors of d x c) runs on
// the host.
#pragma once

#include <string>

namespace sgc {

enum class Device { Cpu, Cuda };

// "cpu" | "cuda"; ParameterError naming --device otherwise.
Device parse_device(const std::string& name);
std::string to_string(Device d);

// Sets the device for the calls that follow. Cuda: sgc::Error saying why when
// this build has no CUDA or no usable GPU is present; the setting is unchanged.
void set_device(Device d);
Device current_device();

// Whether this build has the CUDA path (CMake option SGC_CUDA).
bool cuda_compiled();
// "" when a GPU is usable, else why not (no CUDA in the build, no device, driver error).
std::string cuda_unavailable_reason();
// The GPU in one line (name, memory, compute capability); "" without one.
std::string cuda_device_name();

}  // namespace sgc
