// Planetoid benchmark: median time of every stage of SGC over repeated runs,
// the accuracy, and the whole `sgc train` process from start to printed
// accuracy; each set beside the reference Python implementation's figures
// measured on this kind of machine (Debian torch 1.13.1, 2 cores).
//
//   sgc_bench [--runs N] [--data-dir DIR] [--datasets cora,citeseer,pubmed]
//   sgc_bench --host      the host line alone (CPU, caches, measured triad)
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "sgc/io/planetoid.h"
#include "sgc/model/linear_model.h"
#include "sgc/presets.h"
#include "sgc/util/memory.h"
#include "sgc/util/timer.h"
#include "bench_util.h"

namespace {

using sgc::bench::median;
using sgc::bench::time_process;

struct Reference {  // the Python reference implementation on this machine kind, seconds
  double propagate, train, process;
};
const std::map<std::string, Reference> kReference{{"cora", {0.048, 0.373, 3.40}},
                                                  {"citeseer", {0.156, 0.933, 4.47}}};

}  // namespace

int main(int argc, char** argv) {
  sgc::reexec_with_runtime_settings(argv);
  int runs = 7;
  std::string data_dir = sgc::bench::planetoid_dir();
  std::string datasets = "cora,citeseer,pubmed";
  bool host_only = false;
  CLI::App app{"Every stage of SGC on Planetoid, and the whole `sgc train` process, beside the Python reference."};
  sgc::bench::add_runs_option(app, runs);
  sgc::bench::add_planetoid_dir_option(app, data_dir);
  app.add_option("--datasets", datasets, "comma-separated Planetoid names")->capture_default_str();
  app.add_flag("--host", host_only, "print the host line alone (CPU, caches, measured triad)")
      ->excludes("--runs", "--data-dir", "--datasets");
  if (const int rc = sgc::bench::parse_command_line(app, argc, argv); rc >= 0) return rc;
  if (host_only) {
    std::printf("%s\n", sgc::bench::host_line().c_str());
    return 0;
  }
  std::printf("sgc_bench: median of %d runs per figure, seconds\n%s\n\n", runs, sgc::bench::host_line().c_str());
  std::printf("%-9s %8s %9s %9s %9s %9s %8s %8s | %8s %8s %8s\n", "dataset", "load", "normalize", "propagate",
              "train", "evaluate", "test acc", "process", "x prop", "x train", "x proc");
  std::stringstream names(datasets);
  std::string name;
  while (std::getline(names, name, ',')) {
    std::vector<double> load, norm, prop, train, eval, acc, proc;
    for (int r = 0; r < runs; ++r) {
      sgc::StageTimes t;
      sgc::Timer timer;
      const sgc::Dataset d = sgc::load_planetoid(data_dir, name);
      t.load = timer.seconds();
      // load_planetoid reads the files only: the family is set here, as load_dataset does.
      const sgc::Config cfg = sgc::preset_for("planetoid", name, sgc::default_operator()).config;
      const sgc::Precomputed pre = sgc::precompute(d, cfg, &t);
      const sgc::Evaluation ev = sgc::fit_evaluate(pre, cfg.train, &t);
      load.push_back(t.load), norm.push_back(t.normalize), prop.push_back(t.propagate);
      train.push_back(t.train), eval.push_back(t.evaluate), acc.push_back(ev.test_acc);
      proc.push_back(time_process({SGC_CLI_PATH, "train", "--dataset", name, "--data-dir", data_dir}));
    }
    std::printf("%-9s %8.4f %9.4f %9.4f %9.4f %9.4f %8.3f %8.4f", name.c_str(), median(load), median(norm),
                median(prop), median(train), median(eval), median(acc), median(proc));
    if (auto it = kReference.find(name); it != kReference.end())
      std::printf(" | %7.1fx %7.1fx %7.1fx", it->second.propagate / median(prop), it->second.train / median(train),
                  it->second.process / median(proc));
    std::printf("\n");
  }
  std::printf("\nx columns: speed-up over the reference Python implementation on this machine kind\n"
              "(propagate 0.048/0.156 s, train 0.373/0.933 s, whole process 3.40/4.47 s for cora/citeseer).\n");
  return 0;
}
