// The pipeline of the GPU path's large host<->device copies
// (gpu/cuda/host_link.cu), apart from CUDA so that the CPU tests run it against
// a fake link whose copy engine is slow and asynchronous
// (tests/staged_copy_test.cc). Two staging chunks: while the copy engine moves
// chunk i through one, the host copies chunk i + 1 through the other.
//
// A Link provides, for staging chunks b = 0, 1 of `chunk_bytes` each:
//   char* chunk(int b);                                   // the chunk's memory
//   void to_device_async(void* dst, int b, size_t len);   // queue: chunk b -> dst
//   void to_host_async(int b, const void* src, size_t len);  // queue: src -> chunk b
//   void mark(int b);       // queue a mark: chunk b's copies so far are done
//   void wait(int b);       // until chunk b's last mark is reached
//   void drain() noexcept;  // until everything queued is done
//   void host_copy(void* to, const void* from, size_t len);  // the host's memcpy
#pragma once

#include <algorithm>
#include <cstddef>

namespace sgc {

namespace staging_detail {
// Drains the link on every exit, so that no queued copy still reads or writes
// a chunk when the next transfer (or an error's handler) runs.
template <class Link>
struct Drain {
  Link& link;
  ~Drain() { link.drain(); }
};
}  // namespace staging_detail

template <class Link>
void staged_to_device(Link& link, size_t chunk_bytes, void* device, const void* host, size_t bytes) {
  staging_detail::Drain<Link> drain{link};
  auto* to = static_cast<char*>(device);
  const auto* from = static_cast<const char*>(host);
  for (size_t off = 0, i = 0; off < bytes; off += chunk_bytes, ++i) {
    const size_t len = std::min(chunk_bytes, bytes - off);
    const int b = int(i % 2);
    // The chunk is free once the copy that last read it (chunk i - 2) is done.
    if (i >= 2) link.wait(b);
    link.host_copy(link.chunk(b), from + off, len);
    link.to_device_async(to + off, b, len);
    link.mark(b);
  }
}

template <class Link>
void staged_to_host(Link& link, size_t chunk_bytes, void* host, const void* device, size_t bytes) {
  staging_detail::Drain<Link> drain{link};
  auto* to = static_cast<char*>(host);
  const auto* from = static_cast<const char*>(device);
  const size_t chunks = (bytes + chunk_bytes - 1) / chunk_bytes;
  auto fetch = [&](size_t i) {
    const size_t off = i * chunk_bytes;
    link.to_host_async(int(i % 2), from + off, std::min(chunk_bytes, bytes - off));
    link.mark(int(i % 2));
  };
  if (chunks) fetch(0);
  for (size_t i = 0; i < chunks; ++i) {
    // Chunk i + 1 goes into the chunk whose bytes (chunk i - 1) were copied
    // out in the previous round, while chunk i is copied out now.
    if (i + 1 < chunks) fetch(i + 1);
    link.wait(int(i % 2));
    const size_t off = i * chunk_bytes;
    link.host_copy(to + off, link.chunk(int(i % 2)), std::min(chunk_bytes, bytes - off));
  }
}

}  // namespace sgc
