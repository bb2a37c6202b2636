// Plumbing the benchmark programs share: medians and timing a whole process.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include "sgc/data/powerlaw.h"
#include "sgc/dense.h"
#include "sgc/io/load.h"
#include "sgc/ops/spmm_plan.h"
#include "sgc/random.h"
#include "sgc/util/timer.h"

extern char** environ;

namespace sgc::bench {

// Where the Planetoid pickles are: --data-dir means the data root, as for
// `sgc` (DIR/planetoid), though the planetoid folder itself is accepted too;
// without the flag, the default root ($SGC_DATA_DIR or ../shared/data).
inline std::string planetoid_dir(const std::string& flag_value = "") {
  const std::string root = flag_value.empty() ? default_data_root() : flag_value;
  return std::filesystem::is_directory(root + "/planetoid") ? root + "/planetoid" : root;
}

// Each benchmark's command line is a CLI11 app, as the sgc tool's is: --help
// lists the flags with their defaults, and an unknown flag, a flag without
// its value or a malformed number is refused rather than passed over (a
// mistyped --run 9 would otherwise measure the default quietly).
// Returns -1 to go on, else the exit code (0 after --help); `speak` false
// (MPI ranks other than 0) keeps the help or the error to one copy.
inline int parse_command_line(CLI::App& app, int argc, char** argv, bool speak = true) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return speak ? app.exit(e) : e.get_exit_code();
  }
  return -1;
}

// --runs N: how many runs a median is taken of.
inline CLI::Option* add_runs_option(CLI::App& app, int& runs) {
  return app.add_option("--runs", runs, "runs per figure (the median is quoted)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
}

// --data-dir DIR, stored as the folder of the Planetoid pickles (planetoid_dir).
inline CLI::Option* add_planetoid_dir_option(CLI::App& app, std::string& planetoid) {
  return app
      .add_option_function<std::string>(
          "--data-dir", [&planetoid](const std::string& v) { planetoid = planetoid_dir(v); },
          "data root holding planetoid/ (or the planetoid folder itself); default $SGC_DATA_DIR or ../shared/data")
      ->check(CLI::ExistingDirectory);
}

// The Reddit-shaped graph's size flags the benchmarks share; make_powerlaw
// checks the values' domains and names the option.
inline void add_powerlaw_options(CLI::App& app, PowerLawOptions& o) {
  app.add_option("--nodes", o.nodes, "nodes of the generated Reddit-shaped graph")->capture_default_str();
  app.add_option("--avg-degree", o.avg_degree, "its average degree")->capture_default_str();
  app.add_option("--features", o.features, "its feature columns")->capture_default_str();
}

inline double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// The figures a benchmark hands a script, printed as one line
// "json: {...}" after each section, every figure so far in each: the last such
// line counts, so a crash or a timeout later still leaves what was measured.
// A figure that is not a number (a failed section) is written as -1.
class JsonFigures {
 public:
  void set(const std::string& key, double value) {
    for (auto& [k, v] : figures_)
      if (k == key) {
        v = value;
        return;
      }
    figures_.emplace_back(key, value);
  }
  void print() const {
    std::string line = "json: {";
    char buf[64];
    for (size_t i = 0; i < figures_.size(); ++i) {
      const double v = figures_[i].second;
      std::snprintf(buf, sizeof buf, "%.9g", std::isfinite(v) ? v : -1.0);
      line += (i ? ", \"" : "\"") + figures_[i].first + "\": " + buf;
    }
    std::printf("%s}\n", line.c_str());
    std::fflush(stdout);
  }

 private:
  std::vector<std::pair<std::string, double>> figures_;
};

// Median wall seconds of `runs` calls of f.
template <class F>
double median_seconds(int runs, F&& f) {
  std::vector<double> t;
  for (int r = 0; r < runs; ++r) {
    Timer timer;
    f();
    t.push_back(timer.seconds());
  }
  return median(t);
}

// A rows x cols matrix uniform in [-1, 1), from a seed.
inline DenseMatrix random_dense(Eigen::Index rows, Eigen::Index cols, uint64_t seed) {
  Rng rng(seed);
  DenseMatrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = float(rng.uniform(-1, 1));
  return m;
}

// Wall time of one process (argv[0] a path), stdout discarded; -1 if it failed.
inline double time_process(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  Timer t;
  pid_t pid;
  const bool started = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) == 0;
  int status = 0;
  if (started) waitpid(pid, &status, 0);
  const double s = t.seconds();
  posix_spawn_file_actions_destroy(&actions);
  return started && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? s : -1;
}

// STREAM triad a = b + s * c over 3 x 256 MiB (far larger than any cache of
// the hosts seen); GB/s counting the 3 arrays moved, as STREAM does.
inline double triad_gbs(int runs = 5) {
  const size_t n = size_t(1) << 26;
  std::vector<float> a(n), b(n, 1.0f), c(n, 2.0f);
  std::vector<double> times;
  for (int r = 0; r < runs; ++r) {
    Timer t;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; ++i) a[i] = b[i] + 3.0f * c[i];
    times.push_back(t.seconds());
  }
  return a[n / 2] == 7.0f ? 3.0 * double(n) * sizeof(float) / median(times) / 1e9 : -1;
}

// "host: <CPU model>, <cores> cores, L2 <x> KiB, L3 <y> MiB, triad <z> GB/s":
// printed beside every figure (hosts of one kind differ in caches and bandwidth).
inline std::string host_line() {
  std::string model = "unknown CPU";
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);)
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  // The caches the kernels plan with (sysfs where it has them: glibc's
  // sysconf reports a whole socket's L3 on some VMs).
  const sgc::HostCaches& caches = sgc::host_caches();
  auto size = [](int64_t bytes) {
    return bytes <= 0 ? std::string("?") : bytes >= (int64_t(1) << 20) ? std::to_string(bytes >> 20) + " MiB"
                                                                       : std::to_string(bytes >> 10) + " KiB";
  };
  char buf[512];
  std::snprintf(buf, sizeof buf, "host: %s, %ld cores, L2 %s, L3 %s (%s), triad %.1f GB/s", model.c_str(),
                sysconf(_SC_NPROCESSORS_ONLN), size(caches.l2).c_str(), size(caches.l3).c_str(),
                caches.source.c_str(), triad_gbs());
  return buf;
}

}  // namespace sgc::bench
