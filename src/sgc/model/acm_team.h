// Whether the ACM steps (acm_steps.h) run on one thread or several, chosen
// by timing them.
//
// On several threads each pass has a barrier per step (K = 120: 120 per pass,
// 360 per epoch). On an idle 2-core host that is 1.5-1.7x faster than one
// thread on Cora (measured: forward 3.3 -> 2.0 ms per pass at K = 120); on a
// host where another process holds a core, a barrier waits for a thread the
// scheduler has parked, a time slice (~4 ms) per step, and the same pass took
// 490 ms. Every row is computed the same way whichever thread computes it,
// so the choice changes the time only, never the result, and it can be made
// from measurements:
// - the first pass of each kind runs on one thread and gives the serial time
//   per step;
// - a parallel pass is abandoned at a step boundary where it runs later than
//   1.5x that time (plus 100 us; both counted from the first step boundary,
//   after the threads' start and Z_0 = X W): thread 0 finishes it alone;
// - after a parallel pass that was abandoned or not 10% faster than the
//   serial time, the next `backoff` passes run on one thread (timing them
//   again); backoff doubles from 8 up to 1024, and halves after a parallel
//   pass that won.
#pragma once

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace sgc {

struct AcmRows {
  int64_t first, last;
};

class AcmTeam {
 public:
  enum Pass { kForwardTrace, kForward, kPair, kBackward, kPasses };

  // Whether the next pass of this kind should run in parallel (`possible`:
  // more than one thread and enough work).
  bool choose(Pass pass, bool possible) {
    if (abandon_at_ > 0) return possible;
    if (!possible || serial_per_sweep_[pass] <= 0) return false;
    if (ban_ > 0) {
      --ban_;
      return false;
    }
    return true;
  }

  // Around a pass of `sweeps` sweeps over the rows (before and after its region).
  void begin(Pass pass, bool parallel, int sweeps) {
    pass_ = pass;
    parallel_ = parallel;
    sweeps_ = std::max(1, sweeps);
    solo_from_.store(0, std::memory_order_relaxed);
    budget_ = parallel ? kSlack * serial_per_sweep_[pass] : 0;
    first_ = -1;
    start_ = Clock::now();
  }
  void end() {
    // Times from the first boundary on: the region's start (waking the
    // threads) and sweep 0 (Z_0 = X W, several sweeps' work) are left out.
    const bool timed = first_ >= 0 && sweeps_ > 1;
    const double seconds = timed ? elapsed() - first_ : elapsed();
    const int sweeps = timed ? sweeps_ - 1 : sweeps_;
    if (!parallel_) {
      serial_per_sweep_[pass_] = seconds / sweeps;
    } else if (abandoned() || seconds > kWin * serial_per_sweep_[pass_] * sweeps) {
      ban_ = backoff_;
      backoff_ = std::min(2 * backoff_, kMaxBackoff);
    } else {
      backoff_ = std::max(backoff_ / 2, kMinBackoff);
    }
  }
  bool abandoned() const { return solo_from_.load(std::memory_order_relaxed) != 0; }

  // For tests: every pass that can run in parallel does, and thread 0 goes
  // on alone from boundary `done` (>= 1) on, whatever the times.
  void abandon_at(int done) { abandon_at_ = done; }

  // Every thread of the region, before sweep `done` (sweeps 0..done-1 are
  // finished): the barrier between sweeps, unless thread 0 goes on alone.
  // Returns false for a thread that leaves the pass; thread 0's rows become
  // `all` when it goes on alone (`solo`, the thread's own flag).
  bool boundary(int done, bool& solo, AcmRows& rows, AcmRows all) {
    if (solo) return true;
    const int t = omp_get_thread_num();
    if (t == 0) {
      if (done == 1) first_ = elapsed();
      if (done == abandon_at_ || (budget_ > 0 && done > 1 && elapsed() - first_ > budget_ * (done - 1) + kGrace))
        solo_from_.store(done, std::memory_order_relaxed);
    }
#pragma omp barrier
    // The boundary, not a flag: a thread reading late here may see thread 0's
    // decision at the next boundary, which is not this one's. The barrier
    // orders thread 0's store at this boundary before every load here.
    if (solo_from_.load(std::memory_order_relaxed) != done) return true;
    solo = true;
    if (t != 0) return false;
    rows = all;
    return true;
  }

 private:
  using Clock = std::chrono::steady_clock;
  static constexpr double kSlack = 1.5, kGrace = 100e-6, kWin = 0.9;
  static constexpr int kMinBackoff = 8, kMaxBackoff = 1024;
  double elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

  double serial_per_sweep_[kPasses] = {};
  int ban_ = 0, backoff_ = kMinBackoff, abandon_at_ = 0;
  Pass pass_ = kForward;
  bool parallel_ = false;
  int sweeps_ = 1;
  double budget_ = 0, first_ = -1;  // first_: elapsed() at boundary 1 (thread 0's)
  Clock::time_point start_;
  std::atomic<int> solo_from_{0};  // the boundary from which thread 0 goes on alone; 0: none
};

}  // namespace sgc
