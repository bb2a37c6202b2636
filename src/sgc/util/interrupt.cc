#include "sgc/util/interrupt.h"

#include <atomic>
#include <csignal>

namespace sgc {

namespace {
std::atomic<bool> flag{false};
extern "C" void on_sigint(int) { flag.store(true, std::memory_order_relaxed); }
using SigAction = struct sigaction;
}  // namespace

void install_interrupt_handler() {
  struct sigaction sa = {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);  // mpirun hands Ctrl-C to its ranks as SIGTERM
}

ScopedInterruptHandler::ScopedInterruptHandler() : previous_(new SigAction()) {
  flag.store(false, std::memory_order_relaxed);
  struct sigaction sa = {};
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, previous_);
}

ScopedInterruptHandler::~ScopedInterruptHandler() {
  sigaction(SIGINT, previous_, nullptr);
  flag.store(false, std::memory_order_relaxed);
  delete previous_;
}

bool ScopedInterruptHandler::interrupted_late() const { return flag.load(std::memory_order_relaxed); }

void request_interrupt(bool on) { flag.store(on, std::memory_order_relaxed); }
bool interrupt_requested() { return flag.load(std::memory_order_relaxed); }

void check_interrupt() {
  if (flag.exchange(false, std::memory_order_relaxed)) throw Interrupted();
}

}  // namespace sgc
