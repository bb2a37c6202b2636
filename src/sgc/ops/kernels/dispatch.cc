// Chooses the kernel variant (kernel_table.h) once, from the CPU's cpuid
// bits (and the OS's saved vector state, which __builtin_cpu_supports also
// checks), or from SGC_KERNEL.
#include <cstdlib>
#include <string>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include "sgc/error.h"
#include "sgc/ops/kernels/kernel_table.h"

namespace sgc::kernels {

extern const KernelTable kScalarTable;
#if defined(__x86_64__) && !defined(SGC_NO_X86_KERNELS)
extern const KernelTable kAvx2Table;
extern const KernelTable kAvx512Table;
extern const KernelTable kAvx512Bf16Table;
#endif

namespace {
#if defined(__x86_64__) && !defined(SGC_NO_X86_KERNELS)
// F16C from CPUID itself: clang's __builtin_cpu_supports does not know "f16c".
bool has_f16c() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C) != 0;
}
#endif

bool cpu_runs(Isa isa) {
#if defined(__x86_64__) && !defined(SGC_NO_X86_KERNELS)
  __builtin_cpu_init();
  switch (isa) {
    case Isa::Scalar: return true;
    case Isa::Avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && has_f16c();
    case Isa::Avx512:
      return cpu_runs(Isa::Avx2) && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
             __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq");
  }
  return false;
#else
  return isa == Isa::Scalar;
#endif
}

const KernelTable& choose() {
  const char* env = std::getenv("SGC_KERNEL");
  if (env && *env && std::string(env) != "auto") {
    for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512})
      if (std::string(env) == isa_name(isa)) {
        if (const KernelTable* t = table_for(isa)) return *t;
        throw ArgumentError(std::string("SGC_KERNEL=") + env + ": this CPU does not support it (it supports up to " +
                            isa_name(detected_isa()) + ")");
      }
    throw ArgumentError(std::string("SGC_KERNEL=") + env + ": unknown kernel variant (scalar, avx2, avx512 or auto)");
  }
  return *table_for(detected_isa());
}
}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Scalar: return "scalar";
    case Isa::Avx2: return "avx2";
    case Isa::Avx512: return "avx512";
  }
  return "?";
}

const KernelTable* table_for(Isa isa) {
  if (!cpu_runs(isa)) return nullptr;
#if defined(__x86_64__) && !defined(SGC_NO_X86_KERNELS)
  if (isa == Isa::Avx512) return __builtin_cpu_supports("avx512bf16") ? &kAvx512Bf16Table : &kAvx512Table;
  if (isa == Isa::Avx2) return &kAvx2Table;
#endif
  return &kScalarTable;
}

Isa detected_isa() {
  for (Isa isa : {Isa::Avx512, Isa::Avx2})
    if (cpu_runs(isa)) return isa;
  return Isa::Scalar;
}

const KernelTable& active() {
  // Chosen on first use, so a bad SGC_KERNEL is an error with a message
  // rather than a failure before main (a throwing initialiser runs again on
  // the next call, and throws again).
  static const KernelTable& chosen = choose();
  return chosen;
}

}  // namespace sgc::kernels
