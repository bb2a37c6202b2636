// Process-level memory set-up for the command-line programs.
//
// On the virtual machines sgc is developed and tested on, the first touch of
// a fresh 4 KiB page costs about 12 us (0.3 GB/s), so a 15 MB feature matrix
// takes 50 ms to fault in, more than the propagation itself. glibc can back
// its heap with transparent huge pages (tunable glibc.malloc.hugetlb=1), which
// makes first touch ~20x cheaper here, but tunables are read only at process
// start. So the front ends call this first thing in main(): if the tunable is
// not set yet, it is added to GLIBC_TUNABLES and the program re-executes
// itself once (about 5 ms). Set SGC_NO_HUGEPAGES=1 to skip this.
//
// The same re-exec sets OMP_WAIT_POLICY=passive where neither it nor
// GOMP_SPINCOUNT is set (libgomp, too, reads them only at start): threads
// that spin at barriers starve the working ones on a shared machine.
#pragma once

#include <cstddef>

namespace sgc {

// Returns only if no re-exec happened (already set, disabled, or exec failed).
void reexec_with_runtime_settings(char** argv);

// With that heap, freed blocks stay resident (the point: they are reused
// without faulting again), so a stage's temporaries would count towards every
// later stage's peak. Between stages whose buffers differ in size, this hands
// the free pages back to the kernel (glibc malloc_trim; a no-op elsewhere).
void release_free_heap();

// Hands the whole pages inside [p, p + bytes) back to the kernel
// (madvise(MADV_DONTNEED)), for a buffer whose part has been copied out and
// will not be read again: private anonymous pages then read back as zeros,
// file-backed ones as the file. Pages the range only partly covers stay.
void release_pages(const void* p, size_t bytes);

}  // namespace sgc
