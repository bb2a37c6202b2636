// Progress of long stages (generate, read, normalise, the hops, training).
//
// The library reports; it never draws. A stage is opened where the work is
// known (ProgressStage: a name, a total and a unit) and advanced as it goes;
// progress_tick() advances the innermost open stage from code that does not
// know which stage encloses it (one sparse product = one hop). Every update
// goes to one process-wide sink that a front end installs: the command line
// installs terminal_progress_sink() when stderr is a terminal and neither
// --quiet nor --json is given; Python installs nothing unless asked. With no
// sink the calls cost one relaxed atomic load.
//
// Stages are opened, advanced and closed from one thread (the one that runs
// the job; parallel loops advance between their slices: parallel_slices).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "sgc/util/interrupt.h"

namespace sgc {

struct ProgressUpdate {
  const std::string& stage;  // "generate", "propagate", "train", "read edge.csv.gz", ...
  int64_t done = 0, total = 0;  // total 0: unknown
  const std::string& unit;  // "nodes", "hops", "iterations", "bytes", ...
  double seconds = 0;  // since the stage opened
  bool finished = false;  // the last update of the stage
};
using ProgressSink = std::function<void(const ProgressUpdate&)>;

// Installs `sink` for every later stage (empty: none, the default).
void set_progress_sink(ProgressSink sink);
bool progress_enabled();

class ProgressStage {
 public:
  ProgressStage(std::string name, int64_t total, std::string unit);
  ~ProgressStage();  // the finished update
  ProgressStage(const ProgressStage&) = delete;
  ProgressStage& operator=(const ProgressStage&) = delete;

  void advance(int64_t n = 1) { set(done_ + n); }
  void set(int64_t done);
  void add_total(int64_t n) { total_ += n; }
  int64_t done() const { return done_; }

 private:
  void report(bool finished);

  std::string name_, unit_;
  int64_t done_ = 0, total_ = 0;
  double start_ = 0;
  bool active_ = false;  // a sink was installed when the stage opened
  ProgressStage* outer_ = nullptr;
};

// Advances the innermost open stage by n, or raises its total (nothing when
// none is open): for work counted where the stage is not known.
void progress_tick(int64_t n = 1);
void progress_add_total(int64_t n);

// Runs body(begin, end) over [0, n) in about `slices` consecutive slices,
// advancing `stage` by each slice's length after it and checking for an
// interrupt (Ctrl-C) between slices: the caller's parallel loop goes inside
// body, so the results do not depend on the slicing.
template <class Body>
void parallel_slices(ProgressStage& stage, int64_t n, const Body& body, int64_t slices = 64) {
  const int64_t step = std::max<int64_t>(1, (n + slices - 1) / slices);
  for (int64_t b = 0; b < n; b += step) {
    const int64_t e = std::min(n, b + step);
    body(b, e);
    stage.advance(e - b);
    check_interrupt();
  }
}

// The same over the n = work.size() - 1 rows of a prefix sum of their costs
// (a CSR's indptr), each slice about an equal share of the work: in a
// power-law graph, whose heaviest rows come first, equal row counts would
// make the first slice hold most of the work and the checks between slices
// seconds apart.
template <class Body>
void parallel_slices(ProgressStage& stage, const std::vector<int64_t>& work, const Body& body, int64_t slices = 64) {
  const int64_t n = int64_t(work.size()) - 1;
  const int64_t total = n > 0 ? work.back() - work.front() : 0;
  for (int64_t s = 1, b = 0; b < n; ++s) {
    // Slice s ends at the first row boundary at or past s/slices of the work.
    const int64_t target = work.front() + int64_t((long double)total * s / slices);
    int64_t e = std::lower_bound(work.begin() + b + 1, work.end(), target) - work.begin();
    e = s >= slices ? n : std::clamp<int64_t>(e, b + 1, n);
    body(b, e);
    stage.advance(e - b);
    check_interrupt();
    b = e;
  }
}

// Draws one line on `out`, rewritten in place:
//   "propagate: 3/4 hops (75%), 0.52 hops/s, 2 s left"
// (bytes as MB), at most every `interval` seconds and only for stages that
// have run `delay` seconds; the line is cleared when its stage ends, so the
// terminal keeps only the command's own output.
ProgressSink terminal_progress_sink(FILE* out = stderr, double delay = 0.5, double interval = 0.2);

// The command-line policy: a line when stderr is a terminal, unless quiet or
// json. $SGC_PROGRESS_DELAY (seconds, default 0.5) sets how long a stage runs
// before its line appears (0 in tests, to see every stage).
bool progress_wanted(bool quiet, bool json);
void install_terminal_progress(bool quiet, bool json);

}  // namespace sgc
