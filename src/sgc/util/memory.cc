#include "sgc/util/memory.h"

#include <sys/mman.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <cstdint>
#include <cstdlib>
#include <string>

namespace sgc {

namespace {
bool set(const char* name) {
  const char* v = std::getenv(name);
  return v && *v;
}
}  // namespace

void reexec_with_runtime_settings(char** argv) {
  const char* current = std::getenv("GLIBC_TUNABLES");
  const std::string before = current ? current : "";
  std::string tunables = before;
  const char* off = std::getenv("SGC_NO_HUGEPAGES");
  const bool heap = !(off && *off && std::string(off) != "0") && tunables.find("glibc.malloc.hugetlb") == std::string::npos;
  if (heap) {
    if (!tunables.empty()) tunables += ":";
    // Huge pages for the heap, and big blocks from the heap rather than from
    // fresh mmap()s that are returned to the kernel (and faulted again) on free.
    tunables += "glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=1073741824:glibc.malloc.trim_threshold=1073741824";
  }
  // OpenMP threads that spin at a barrier take the cores from the threads
  // with work as soon as other processes share the machine (Citeseer's run
  // 3-15x slower on a busy 2-core host); sleeping costs a wake-up instead.
  const bool wait = !set("OMP_WAIT_POLICY") && !set("GOMP_SPINCOUNT");
  if (!heap && !wait) return;
  if (heap && setenv("GLIBC_TUNABLES", tunables.c_str(), 1) != 0) return;
  if (wait) setenv("OMP_WAIT_POLICY", "passive", 1);
  execv("/proc/self/exe", argv);
  // exec failed (no /proc?): carry on as started.
  if (current) setenv("GLIBC_TUNABLES", before.c_str(), 1); else unsetenv("GLIBC_TUNABLES");
  if (wait) unsetenv("OMP_WAIT_POLICY");
}

void release_free_heap() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

void release_pages(const void* p, size_t bytes) {
  const uintptr_t page = uintptr_t(::sysconf(_SC_PAGESIZE));
  const uintptr_t begin = uintptr_t(p), end = begin + bytes;
  const uintptr_t first = (begin + page - 1) / page * page, last = end / page * page;
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

}  // namespace sgc
