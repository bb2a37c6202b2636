// Interrupting long work: a SIGINT (Ctrl-C) handler sets a flag, and the
// long loops (every sparse product, every loss evaluation, every tuning
// trial) call check_interrupt(), which throws sgc::Interrupted. Stack
// unwinding then removes temporary files (AtomicFile), and the command line
// exits with status 130.
#pragma once

#include <csignal>
#include <cstdint>

#include "sgc/error.h"

namespace sgc {

class Interrupted : public Error {
 public:
  Interrupted() : Error("interrupted") {}
};

// Installs the handler for SIGINT and SIGTERM (the command line does, so
// that Ctrl-C to mpirun, which sends its ranks SIGTERM, stops them the same
// way; a library user may).
void install_interrupt_handler();

// The handler for a scope (a front end that has its own, e.g. Python's):
// clears the flag and installs the library's SIGINT handler; the destructor
// restores the handler that was there before. interrupted_late(): a SIGINT
// arrived after the last check_interrupt() (the flag is still set; the
// destructor clears it), for the front end to deliver to its own handler.
class ScopedInterruptHandler {
 public:
  ScopedInterruptHandler();
  ~ScopedInterruptHandler();
  ScopedInterruptHandler(const ScopedInterruptHandler&) = delete;
  ScopedInterruptHandler& operator=(const ScopedInterruptHandler&) = delete;
  bool interrupted_late() const;

 private:
  struct sigaction* previous_;
};
// Sets or clears the flag by hand (tests; other front ends' own signals).
void request_interrupt(bool on = true);
bool interrupt_requested();
// Throws Interrupted (and clears the flag) if an interrupt was requested.
void check_interrupt();
// check_interrupt() on every 2^20th step i of a sequential loop (a step
// being cheap, the check's load stays out of the loop's cost).
inline void check_interrupt_every(int64_t i) {
  if ((i & ((int64_t(1) << 20) - 1)) == 0) check_interrupt();
}

}  // namespace sgc
