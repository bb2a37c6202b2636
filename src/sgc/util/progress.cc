#include "sgc/util/progress.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <mutex>

namespace sgc {

namespace {

std::atomic<bool> g_enabled{false};
std::mutex g_mutex;  // guards the sink and the stage chain
ProgressSink g_sink;
ProgressStage* g_innermost = nullptr;

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

void set_progress_sink(ProgressSink sink) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_sink = std::move(sink);
  g_enabled.store(bool(g_sink), std::memory_order_relaxed);
}

bool progress_enabled() { return g_enabled.load(std::memory_order_relaxed); }

ProgressStage::ProgressStage(std::string name, int64_t total, std::string unit)
    : name_(std::move(name)), unit_(std::move(unit)), total_(total) {
  if (!progress_enabled()) return;
  std::lock_guard<std::mutex> lock(g_mutex);
  active_ = true;
  start_ = now_seconds();
  outer_ = g_innermost;
  g_innermost = this;
}

ProgressStage::~ProgressStage() {
  if (!active_) return;
  report(true);
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_innermost == this) g_innermost = outer_;
}

void ProgressStage::set(int64_t done) {
  done_ = done;
  if (active_) report(false);
}

void ProgressStage::report(bool finished) {
  std::lock_guard<std::mutex> lock(g_mutex);
  if (!g_sink) return;
  g_sink(ProgressUpdate{name_, done_, total_, unit_, now_seconds() - start_, finished});
}

void progress_tick(int64_t n) {
  if (!progress_enabled()) return;
  ProgressStage* s;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    s = g_innermost;
  }
  if (s) s->advance(n);
}

void progress_add_total(int64_t n) {
  if (!progress_enabled()) return;
  std::lock_guard<std::mutex> lock(g_mutex);
  if (g_innermost) g_innermost->add_total(n);
}

namespace {

std::string amount(double v, const std::string& unit) {
  char buf[64];
  if (unit == "bytes")
    std::snprintf(buf, sizeof buf, "%.0f", v / 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

std::string unit_name(const std::string& unit) { return unit == "bytes" ? "MB" : unit; }

// 3 significant digits with k / M / G: "16.6M".
std::string si(double v) {
  const char* suffix[] = {"", "k", "M", "G"};
  int s = 0;
  while (v >= 1000 && s < 3) v /= 1000, ++s;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g%s", v, suffix[s]);
  return buf;
}

std::string duration(double s) {
  char buf[32];
  if (s < 100)
    std::snprintf(buf, sizeof buf, "%.0f s", s);
  else if (s < 6000)
    std::snprintf(buf, sizeof buf, "%.0f min", s / 60);
  else
    std::snprintf(buf, sizeof buf, "%.1f h", s / 3600);
  return buf;
}

}  // namespace

ProgressSink terminal_progress_sink(FILE* out, double delay, double interval) {
  struct State {
    double last = -1;  // when the line was last drawn (stage seconds)
    bool drawn = false;
  };
  auto state = std::make_shared<State>();
  return [out, delay, interval, state](const ProgressUpdate& u) {
    if (u.finished) {
      if (state->drawn) std::fputs("\r\x1b[K", out), std::fflush(out);
      *state = State{};
      return;
    }
    if (u.seconds < delay || (state->last >= 0 && u.seconds >= state->last && u.seconds - state->last < interval))
      return;
    state->last = u.seconds;
    state->drawn = true;
    const std::string unit = unit_name(u.unit);
    const double scale = u.unit == "bytes" ? 1e6 : 1.0;
    std::string line = u.stage;
    line.append(": ").append(amount(double(u.done), u.unit));
    if (u.total > 0) line.append("/").append(amount(double(u.total), u.unit));
    line.append(" ").append(unit);
    char buf[96];
    if (u.total > 0) {
      std::snprintf(buf, sizeof buf, " (%.0f%%)", 100.0 * double(u.done) / double(u.total));
      line += buf;
    }
    if (u.seconds > 0 && u.done > 0) {
      const double rate = double(u.done) / u.seconds;
      line.append(", ").append(si(rate / scale)).append(" ").append(unit).append("/s");
      if (u.total > u.done) line.append(", ").append(duration(double(u.total - u.done) / rate)).append(" left");
    } else {
      line.append(", ").append(duration(u.seconds)).append(" so far");
    }
    std::fprintf(out, "\r\x1b[K%s", line.c_str());
    std::fflush(out);
  };
}

bool progress_wanted(bool quiet, bool json) { return !quiet && !json && isatty(STDERR_FILENO); }

void install_terminal_progress(bool quiet, bool json) {
  if (!progress_wanted(quiet, json)) {
    set_progress_sink(nullptr);
    return;
  }
  double delay = 0.5;
  if (const char* env = std::getenv("SGC_PROGRESS_DELAY"); env && *env) {
    char* end = nullptr;
    const double v = std::strtod(env, &end);
    if (end && *end == 0 && v >= 0) delay = v;
  }
  set_progress_sink(terminal_progress_sink(stderr, delay));
}

}  // namespace sgc
