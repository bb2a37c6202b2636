// Host<->device copies of the module. Large ones are staged through two
// page-locked chunks: the host's threads copy chunk i + 1 between pageable
// memory and one chunk while the DMA engine moves chunk i through the other,
// so a transfer runs at the slower of the link's pinned rate and the host's
// parallel memcpy rate, instead of the driver's pageable path (one thread
// staging through its own small buffers). Small copies go straight through
// cudaMemcpy. Both are synchronous: they return once the bytes have arrived,
// and they are ordered after earlier work on the legacy default stream (the
// staging stream is a blocking one). copy_to_device_concurrent is the same
// copy on a stream of its own, not ordered after the default stream's work:
// it runs while queued kernels do (a streamed S's next block while the
// current block's product runs), so the caller makes sure that nothing queued
// still reads or writes the destination.
#pragma once

#include <cstddef>

namespace sgc::cuda {

// A staged chunk: large enough that each DMA runs at the link's peak, small
// enough that the pipeline's fill (one chunk's memcpy) is a few per cent of a
// transfer that stages at all (at least two chunks).
constexpr size_t kStagingChunkBytes = size_t(16) << 20;

void copy_to_device(void* device, const void* host, size_t bytes, const char* what);
void copy_to_device_concurrent(void* device, const void* host, size_t bytes, const char* what);
void copy_to_host(void* host, const void* device, size_t bytes, const char* what);

}  // namespace sgc::cuda
