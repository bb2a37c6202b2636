// Progress reports (util/progress.h): stages reach the sink the front end
// installs, the terminal line's format, and the command line's policy: a
// line on a terminal, none with --quiet, --json or when stderr is a pipe.
#include <fcntl.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "sgc/util/progress.h"
#include "test_util.h"

namespace {

struct Seen {
  std::string stage, unit;
  int64_t done, total;
  bool finished;
};

// Installs a recording sink for the test's lifetime.
struct Recorder {
  std::vector<Seen> seen;
  Recorder() {
    sgc::set_progress_sink([this](const sgc::ProgressUpdate& u) {
      seen.push_back({u.stage, u.unit, u.done, u.total, u.finished});
    });
  }
  ~Recorder() { sgc::set_progress_sink(nullptr); }
};

TEST(Progress, StagesReachTheSinkAndTicksTheInnermost) {
  Recorder r;
  {
    sgc::ProgressStage outer("propagate", 2, "hops");
    sgc::progress_tick();
    {
      sgc::ProgressStage inner("read x", 100, "bytes");
      sgc::progress_tick(40);  // the innermost stage
    }
    sgc::progress_add_total(2);
    sgc::progress_tick();
  }
  ASSERT_EQ(r.seen.size(), 5u);
  EXPECT_EQ(r.seen[0].stage, "propagate");
  EXPECT_EQ(r.seen[0].done, 1);
  EXPECT_EQ(r.seen[1].stage, "read x");
  EXPECT_EQ(r.seen[1].done, 40);
  EXPECT_TRUE(r.seen[2].finished);
  EXPECT_EQ(r.seen[2].stage, "read x");
  EXPECT_EQ(r.seen[3].done, 2);
  EXPECT_EQ(r.seen[3].total, 4);
  EXPECT_TRUE(r.seen[4].finished);
  EXPECT_EQ(r.seen[4].stage, "propagate");
}

TEST(Progress, NothingWithoutASink) {
  sgc::set_progress_sink(nullptr);
  sgc::ProgressStage s("train", 10, "iterations");
  s.advance(3);
  sgc::progress_tick();  // no stage is registered: nothing happens
  EXPECT_FALSE(sgc::progress_enabled());
  EXPECT_EQ(s.done(), 3);
}

TEST(Progress, ParallelSlicesCoverTheRangeOnce) {
  Recorder r;
  sgc::ProgressStage s("generate: edges", 1000, "nodes");
  std::vector<int> hit(1000, 0);
  sgc::parallel_slices(s, 1000, [&](int64_t lo, int64_t hi) {
    for (int64_t i = lo; i < hi; ++i) ++hit[size_t(i)];
  }, 7);
  for (int h : hit) ASSERT_EQ(h, 1);
  EXPECT_EQ(s.done(), 1000);
  EXPECT_EQ(r.seen.back().done, 1000);
}

// Sliced by work (a prefix sum of row costs, heaviest rows first as in a
// power-law graph): every row once, in order, and no slice holds much more
// than its share; the rows' count still drives the progress.
TEST(Progress, SlicesByWorkShareTheWork) {
  const int64_t n = 10000;
  std::vector<int64_t> work(size_t(n) + 1, 0);
  for (int64_t i = 0; i < n; ++i) work[size_t(i) + 1] = work[size_t(i)] + 1 + 100000 / (i + 1);
  sgc::ProgressStage s("generate: edges", n, "nodes");
  std::vector<int> hit(size_t(n), 0);
  int64_t next = 0, heaviest = 0, slices = 0;
  sgc::parallel_slices(s, work, [&](int64_t lo, int64_t hi) {
    EXPECT_EQ(lo, next);
    EXPECT_LT(lo, hi);
    next = hi;
    ++slices;
    // A slice may pass its share by at most one row.
    heaviest = std::max(heaviest, work[size_t(hi) - 1] - work[size_t(lo)]);
    for (int64_t i = lo; i < hi; ++i) ++hit[size_t(i)];
  }, 16);
  for (int h : hit) ASSERT_EQ(h, 1);
  EXPECT_EQ(s.done(), n);
  EXPECT_LE(slices, 16);
  EXPECT_LE(heaviest, work.back() / 16 + 1);
  // By row count, the first slice would hold most of the work.
  EXPECT_GT(work[size_t(n) / 16], work.back() / 2);
}

// An interrupt stops the slices after the one that saw it.
TEST(Progress, SlicesStopAtAnInterrupt) {
  sgc::ProgressStage s("generate: edges", 100, "nodes");
  int64_t ran = 0;
  EXPECT_THROW(sgc::parallel_slices(s, 100, [&](int64_t lo, int64_t hi) {
    ran += hi - lo;
    if (lo == 30) sgc::request_interrupt();
  }, 10), sgc::Interrupted);
  EXPECT_EQ(ran, 40);
  EXPECT_FALSE(sgc::interrupt_requested());
}

TEST(Progress, TerminalLineShowsRateAndTimeLeftThenClears) {
  FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  sgc::set_progress_sink(sgc::terminal_progress_sink(f, 0.0, 0.0));
  {
    sgc::ProgressStage s("propagate", 4, "hops");
    usleep(20000);
    s.advance();
  }
  sgc::set_progress_sink(nullptr);
  std::rewind(f);
  std::string text;
  char buf[512];
  for (size_t got; (got = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, got);
  std::fclose(f);
  EXPECT_NE(text.find("propagate: 1/4 hops (25%)"), std::string::npos) << text;
  EXPECT_NE(text.find("hops/s"), std::string::npos) << text;
  EXPECT_NE(text.find(" left"), std::string::npos) << text;
  EXPECT_EQ(text.substr(text.size() - 4), "\r\x1b[K") << "the line is cleared at the end";
}

// Runs the built sgc with stdout and stderr on a pseudo-terminal; everything it wrote.
std::string run_in_pty(const std::vector<std::string>& args) {
  int master = -1, slave = -1;
  if (openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) return "openpty failed";
  const pid_t pid = fork();
  if (pid == 0) {
    setsid();
    dup2(slave, 1);
    dup2(slave, 2);
    close(master);
    close(slave);
    setenv("SGC_PROGRESS_DELAY", "0", 1);  // every stage draws, however short
    std::vector<char*> argv{const_cast<char*>(SGC_CLI_PATH)};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(SGC_CLI_PATH, argv.data());
    _exit(127);
  }
  close(slave);
  std::string out;
  char buf[4096];
  for (ssize_t got; (got = read(master, buf, sizeof buf)) > 0;) out.append(buf, size_t(got));
  close(master);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) out += "\n[exit status " + std::to_string(status) + "]";
  return out;
}

const std::vector<std::string> kTrain = {"train", "--nodes", "3000", "--threads", "1", "--epochs", "30"};

std::vector<std::string> with(std::vector<std::string> a, const std::string& flag) {
  a.push_back(flag);
  return a;
}

TEST(ProgressCli, DrawnOnATerminal) {
  const std::string out = run_in_pty(kTrain);
  EXPECT_NE(out.find("\x1b[K"), std::string::npos) << out;
  EXPECT_NE(out.find("train: "), std::string::npos) << out;
  EXPECT_NE(out.find("iterations/s"), std::string::npos) << out;
  EXPECT_NE(out.find("test accuracy"), std::string::npos) << out;
}

TEST(ProgressCli, NeverWithQuietOrJson) {
  for (const std::string& flag : {"--quiet", "--json"}) {
    const std::string out = run_in_pty(with(kTrain, flag));
    EXPECT_EQ(out.find("\x1b[K"), std::string::npos) << flag << ": " << out;
    EXPECT_EQ(out.find("iterations/s"), std::string::npos) << flag << ": " << out;
    EXPECT_EQ(out.find("[exit status"), std::string::npos) << out;
  }
}

TEST(ProgressCli, NeverWhenStderrIsNotATerminal) {
  setenv("SGC_PROGRESS_DELAY", "0", 1);
  const sgc::testing::CliRun r = sgc::testing::run_cli("train --nodes 3000 --threads 1 --epochs 30");
  unsetenv("SGC_PROGRESS_DELAY");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("\x1b[K"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("iterations/s"), std::string::npos) << r.output;
}

}  // namespace
