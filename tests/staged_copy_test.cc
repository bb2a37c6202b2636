// The staging pipeline of the GPU path's large copies (gpu/staged_copy.h),
// run on the CPU against a fake link: a copy engine on its own thread that
// moves bytes slowly, in pieces, so that a chunk reused before its copy has
// finished, or read before its copy has arrived, shows in the data.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include "sgc/gpu/staged_copy.h"

namespace sgc {
namespace {

class FakeLink {
 public:
  explicit FakeLink(size_t chunk_bytes) : chunks_{std::vector<char>(chunk_bytes), std::vector<char>(chunk_bytes)} {
    engine_ = std::thread([this] { run(); });
  }
  ~FakeLink() {
    {
      std::lock_guard<std::mutex> lock(m_);
      stop_ = true;
    }
    cv_.notify_all();
    engine_.join();
  }

  char* chunk(int b) { return chunks_[b].data(); }
  void to_device_async(void* dst, int b, size_t len) { slow_copy(dst, chunk(b), len); }
  void to_host_async(int b, const void* src, size_t len) { slow_copy(chunk(b), src, len); }
  void mark(int b) {
    std::lock_guard<std::mutex> lock(m_);
    const long id = ++marked_[b];
    queue_.push_back([this, b, id] {
      std::lock_guard<std::mutex> reached(m_);
      reached_[b] = id;
    });
    cv_.notify_all();
  }
  void wait(int b) {
    std::unique_lock<std::mutex> lock(m_);
    const long want = marked_[b];
    cv_.wait(lock, [&] { return reached_[b] >= want; });
  }
  void drain() noexcept {
    std::unique_lock<std::mutex> lock(m_);
    cv_.wait(lock, [&] { return queue_.empty() && !busy_; });
  }
  void host_copy(void* to, const void* from, size_t len) {
    if (fail_at_ >= 0 && host_copies_++ == fail_at_) throw std::runtime_error("host copy failed");
    std::memcpy(to, from, len);
  }

  void fail_host_copy(long at) { fail_at_ = at; }
  bool idle() {
    std::lock_guard<std::mutex> lock(m_);
    return queue_.empty() && !busy_;
  }

 private:
  // Queued: the bytes move a piece at a time, with a pause after each.
  void slow_copy(void* dst, const void* src, size_t len) {
    std::lock_guard<std::mutex> lock(m_);
    queue_.push_back([dst, src, len] {
      constexpr size_t kPiece = 512;
      for (size_t o = 0; o < len; o += kPiece) {
        std::memcpy(static_cast<char*>(dst) + o, static_cast<const char*>(src) + o, std::min(kPiece, len - o));
        std::this_thread::sleep_for(std::chrono::microseconds(20));
      }
    });
    cv_.notify_all();
  }
  void run() {
    std::unique_lock<std::mutex> lock(m_);
    for (;;) {
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;
      std::function<void()> job = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
      lock.unlock();
      job();
      lock.lock();
      busy_ = false;
      cv_.notify_all();
    }
  }

  std::vector<char> chunks_[2];
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  long marked_[2] = {0, 0}, reached_[2] = {0, 0};
  bool busy_ = false, stop_ = false;
  long fail_at_ = -1, host_copies_ = 0;
  std::thread engine_;
};

std::vector<char> random_bytes(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<char> v(n);
  for (char& c : v) c = char(rng());
  return v;
}

TEST(StagedCopy, EverySizeArrivesBothWays) {
  constexpr size_t kChunk = 4096;
  for (size_t bytes : {size_t(1), kChunk - 1, kChunk, kChunk + 1, 2 * kChunk, 2 * kChunk + 7, 5 * kChunk + 123,
                       8 * kChunk}) {
    FakeLink link(kChunk);
    const std::vector<char> host = random_bytes(bytes, unsigned(bytes));
    std::vector<char> device(bytes), back(bytes);
    staged_to_device(link, kChunk, device.data(), host.data(), bytes);
    EXPECT_TRUE(link.idle()) << bytes;
    EXPECT_TRUE(device == host) << bytes << " bytes up";
    staged_to_host(link, kChunk, back.data(), device.data(), bytes);
    EXPECT_TRUE(link.idle()) << bytes;
    EXPECT_TRUE(back == host) << bytes << " bytes down";
  }
}

// A failure mid-transfer leaves no copy in flight (the next transfer or the
// caller's handler may reuse the chunks and the buffers at once).
TEST(StagedCopy, AFailureLeavesNothingInFlight) {
  constexpr size_t kChunk = 4096, kBytes = 6 * kChunk;
  const std::vector<char> host = random_bytes(kBytes, 7);
  std::vector<char> device(kBytes), back(kBytes);
  {
    FakeLink link(kChunk);
    link.fail_host_copy(3);
    EXPECT_THROW(staged_to_device(link, kChunk, device.data(), host.data(), kBytes), std::runtime_error);
    EXPECT_TRUE(link.idle());
  }
  {
    FakeLink link(kChunk);
    staged_to_device(link, kChunk, device.data(), host.data(), kBytes);
    link.fail_host_copy(2);
    EXPECT_THROW(staged_to_host(link, kChunk, back.data(), device.data(), kBytes), std::runtime_error);
    EXPECT_TRUE(link.idle());
  }
}

}  // namespace
}  // namespace sgc
