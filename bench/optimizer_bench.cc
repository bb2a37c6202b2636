// The compressed optimizer and SCRN against Adam and L-BFGS.
//
//   optimizer_bench memory [--runs N] [--ks 1024,4096,...] [--sparsity-ratio R]
//     sgc-compressed on wide inputs: test accuracy, optimizer-state bytes
//     (Adam: 2 d floats; compressed: 2 k floats) and OMP time per step, for
//     each k (s = k / R), beside Adam.
//   optimizer_bench passes [--runs N] [--batch B] [--powerlaw-nodes N] [--max-passes P] [--only NAMES]
//     passes over the training rows and wall time (medians of --runs) until
//     the full training loss reaches Adam's and L-BFGS's final losses (the
//     preset's epochs; 100 for the one the preset does not use), for Adam,
//     L-BFGS and SCRN: full batch (200 iterations; not on large inputs) and
//     mini-batches of --batch rows (1024 on the Reddit-shaped graph of
//     --powerlaw-nodes nodes, default 40,000) with 50 and 10 cubic-model steps
//     per iteration, for about --max-passes passes (default 2000); then the
//     strong growth condition: the lowest training loss without and with weight
//     decay (interpolation or not) and, on Planetoid, the same study under each.
//
// Prints the host (CPU model, cores) first.
#include <omp.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "sgc/data/powerlaw.h"
#include "sgc/data/synthetic.h"
#include "sgc/io/load.h"
#include "sgc/model/linear_model.h"
#include "sgc/model/sgc_compressed.h"
#include "sgc/model/train.h"
#include "sgc/presets.h"
#include "sgc/util/timer.h"

namespace {

using namespace sgc;

struct Input {
  std::string label;
  Precomputed pre;
  TrainOptions train;  // the data set's preset
};

Input prepare(const std::string& label, Dataset d, const std::string& op, int k) {
  Config c = preset_for(d, find_operator(op)).config;
  c.op.k = k;
  return {label, precompute(std::move(d), c), c.train};
}

Dataset load(const std::string& name) { return load_dataset(name, LoadOptions{}); }

double accuracy(const SoftmaxModel& m, FeatureRows x, const std::vector<int32_t>& y) {
  const std::vector<int32_t> p = softmax_predict(m, x);
  int64_t ok = 0;
  for (size_t i = 0; i < p.size(); ++i) ok += p[i] == y[i];
  return double(ok) / double(p.size());
}

// ---- memory -------------------------------------------------------------

void memory_study(int runs, const std::vector<int64_t>& ks, int64_t ratio) {
  std::vector<Input> inputs;
  inputs.push_back(prepare("cora (sgc K=2)", load("cora"), "sgc", 2));
  inputs.push_back(prepare("coauthor_cs (sgc K=2)", load("coauthor_cs"), "sgc", 2));
  inputs.push_back(prepare("coauthor_cs (sign K=8)", load("coauthor_cs"), "sign", 8));
  CsbmOptions physics;  // Coauthor Physics-sized input: 8,415 features, 5 classes
  physics.nodes = 10000;
  physics.features = 8415;
  physics.classes = 5;
  Input phys = prepare("csbm 8415 features (Physics-sized)", make_csbm(physics), "sgc", 2);
  phys.train.lr = 0.2;
  inputs.push_back(std::move(phys));
  std::printf("%-36s %9s %-15s %7s %6s %7s %12s %7s %9s\n", "input", "d", "optimizer", "k", "s", "test", "state bytes",
              "x Adam", "OMP ms/st");
  for (const Input& in : inputs) {
    const int64_t d = in.pre.x.cols() * in.pre.classes + in.pre.classes;
    const Evaluation adam = fit_evaluate(in.pre, in.train);
    const int64_t adam_bytes = 2 * int64_t(sizeof(float)) * d;
    std::printf("%-36s %9lld %-15s %7s %6s %6.1f%% %12lld %7s %9s\n", in.label.c_str(), (long long)d, "adam", "-", "-",
                adam.test_acc * 100, (long long)adam_bytes, "1", "-");
    for (int64_t k : ks) {
      if (k >= d) continue;
      TrainOptions opt = in.train;
      opt.sketch_dim = k;
      opt.sparsity = std::max<int64_t>(1, k / ratio);
      std::vector<double> omp_ms;
      double test = 0;
      int64_t bytes = 0;
      for (int r = 0; r < runs; ++r) {
        SoftmaxModel m = init_softmax(in.pre.x.cols(), in.pre.classes, opt.seed);
        CompressedAdam comp(m.theta.size(), opt);
        Eigen::VectorXf grad;
        for (int e = 0; e < opt.epochs; ++e) {
          softmax_loss_grad(m, in.pre.train_x(), in.pre.train_y, grad);
          comp.step(m.theta, grad);
        }
        omp_ms.push_back(comp.recovery_seconds() * 1000 / opt.epochs);
        test = accuracy(m, in.pre.test_x(), in.pre.test_y);  // deterministic: the same every run
        bytes = comp.state_bytes();
      }
      std::printf("%-36s %9lld %-15s %7lld %6lld %6.1f%% %12lld %6.1fx %9.2f\n", in.label.c_str(), (long long)d,
                  "sgc-compressed", (long long)k, (long long)opt.sparsity, test * 100, (long long)bytes,
                  double(adam_bytes) / double(bytes), bench::median(omp_ms));
      std::fflush(stdout);
    }
  }
}

// ---- passes -------------------------------------------------------------

// The two targets: Adam's and L-BFGS's final full training loss (the data
// set's preset epochs / iterations).
struct Targets {
  double adam = 0, lbfgs = 0;
};

struct Trace {
  // Passes and seconds at the first step whose full training loss <= each target; -1: never.
  double passes[2] = {-1, -1}, seconds[2] = {-1, -1};
  double final_loss = 0, final_passes = 0;
  int steps = 0;
};

// Runs opt on `in` and records when the full training data loss first reaches
// each target (evaluated after every step, outside the timed work).
Trace trace(const Input& in, const TrainOptions& base, const Targets& target) {
  auto rows = std::make_shared<int64_t>(0);
  const FeatureRows x = in.pre.train_x();
  const Problem p = softmax_problem(x.cols(), in.pre.classes, x, in.pre.train_y, rows);
  SoftmaxModel m = init_softmax(x.cols(), in.pre.classes, base.seed);
  Trace t;
  Timer timer;
  double monitor = 0;
  TrainOptions opt = base;
  opt.on_step = [&](int, double) {
    Timer mt;
    Eigen::VectorXf g;
    const double loss = softmax_loss_grad(m, x, in.pre.train_y, g);
    const double goal[2] = {target.adam, target.lbfgs};
    for (int i = 0; i < 2; ++i)
      if (t.passes[i] < 0 && loss <= goal[i]) {
        t.passes[i] = double(*rows) / double(x.rows());
        t.seconds[i] = timer.seconds() - monitor;
      }
    monitor += mt.seconds();
  };
  t.steps = minimize(m.theta, p, opt).steps;
  Eigen::VectorXf g;
  t.final_loss = softmax_loss_grad(m, x, in.pre.train_y, g);
  t.final_passes = double(*rows) / double(x.rows());
  return t;
}

void passes_row(const Input& in, const std::string& name, const TrainOptions& opt, const Targets& target, int runs) {
  std::vector<double> secs[2];
  Trace t;
  for (int r = 0; r < runs; ++r) {
    t = trace(in, opt, target);
    for (int i = 0; i < 2; ++i) secs[i].push_back(t.seconds[i]);
  }
  char cell[2][48];
  for (int i = 0; i < 2; ++i) {
    if (t.passes[i] >= 0) std::snprintf(cell[i], sizeof cell[i], "%8.1f %8.3f", t.passes[i], bench::median(secs[i]));
    else std::snprintf(cell[i], sizeof cell[i], "%8s %8s", "-", "-");
  }
  std::printf("%-26s %-30s %s   %s %10.3e %9.1f %6d\n", in.label.c_str(), name.c_str(), cell[0], cell[1],
              t.final_loss, t.final_passes, t.steps);
  std::fflush(stdout);
}

void passes_header(const Targets& t, const std::string& label) {
  std::printf("%s: targets Adam %.4e, L-BFGS %.4e\n", label.c_str(), t.adam, t.lbfgs);
  std::printf("%-26s %-30s %8s %8s   %8s %8s %10s %9s %6s\n", "input", "optimizer", "->Adam", "s", "->LBFGS", "s",
              "final", "passes", "steps");
}

// SCRN's settings for an input of n training rows: full batch (200
// iterations) unless it is large; mini-batches of `batch` rows (min n/2), or
// 1024 on large inputs, for at most `max_passes` passes.
void scrn_rows(const Input& in, const TrainOptions& base, const Targets& target, int runs, int64_t batch,
               double max_passes) {
  const int64_t n = int64_t(in.pre.train_y.size());
  const bool large = n >= 10000;
  TrainOptions sc = base;
  sc.optimizer = &find_optimizer("scrn");
  if (!large) {
    sc.epochs = 200;
    passes_row(in, "scrn (full batch)", sc, target, runs);
  }
  sc.batch_size = large ? 1024 : std::min<int64_t>(batch, n / 2);
  for (const int iters : {50, 10}) {  // cubic-model steps per iteration: each is a Hessian-vector product
    sc.cubic_iters = iters;
    // Each iteration reads ~(iters + 5) batches of rows.
    sc.epochs = std::max(1, int(max_passes * double(n) / (double(sc.batch_size) * (iters + 5))));
    passes_row(in, "scrn (batch " + std::to_string(sc.batch_size) + ", cubic " + std::to_string(iters) + ")", sc,
               target, runs);
  }
}

// Adam's and L-BFGS's final losses under `train` (the preset's epochs; L-BFGS
// its preset iterations, or 100).
Targets targets_of(const Input& in, const TrainOptions& train, TrainOptions& adam, TrainOptions& lbfgs) {
  adam = train;
  adam.optimizer = &find_optimizer("adam");
  if (train.optimizer->name != "adam") adam.epochs = 100;
  lbfgs = train;
  lbfgs.optimizer = &find_optimizer("lbfgs");
  if (train.optimizer->name != "lbfgs") lbfgs.epochs = 100;
  return {trace(in, adam, {}).final_loss, trace(in, lbfgs, {}).final_loss};
}

void study(const Input& in, const TrainOptions& train, const std::string& tag, int runs, int64_t batch,
           double max_passes) {
  TrainOptions adam, lbfgs;
  const Targets target = targets_of(in, train, adam, lbfgs);
  passes_header(target, in.label + tag);
  char name[32];
  std::snprintf(name, sizeof name, "adam (lr %g)", adam.lr);
  passes_row(in, name, adam, target, runs);
  passes_row(in, "lbfgs", lbfgs, target, runs);
  scrn_rows(in, train, target, runs, batch, max_passes);
}

void passes_study(int runs, int64_t batch, int64_t powerlaw_nodes, const std::string& only, double max_passes) {
  auto wanted = [&](const std::string& name) { return only.empty() || only.find(name) != std::string::npos; };
  std::vector<Input> inputs;
  for (const char* name : {"cora", "citeseer", "pubmed"})
    if (wanted(name)) inputs.push_back(prepare(name, load(name), "sgc", 2));
  if (wanted("powerlaw")) {
    PowerLawOptions pl;  // Reddit's shape (degrees, 41 classes, 602 features), scaled to powerlaw_nodes
    pl.nodes = powerlaw_nodes;
    inputs.push_back(prepare("powerlaw " + std::to_string(powerlaw_nodes / 1000) + "k", make_powerlaw(pl), "sgc", 2));
  }
  for (const Input& in : inputs) study(in, in.train, "", runs, batch, max_passes);
  // The strong growth condition: with weight decay 0 a separable training set
  // can be fitted exactly (loss -> 0: interpolation), so every per-row gradient
  // vanishes at the limit; with weight decay 1e-2 the per-row gradients do not
  // vanish at the optimum and mini-batch gradients stay noisy there.
  std::printf("\nstrong growth condition: weight decay 0 vs 1e-2\n");
  for (const Input& in : inputs) {
    for (const double wd : {0.0, 1e-2}) {
      TrainOptions train = in.train;
      train.weight_decay = wd;
      TrainOptions lb = train;
      lb.optimizer = &find_optimizer("lbfgs");
      lb.epochs = 500;
      const Trace floor = trace(in, lb, {});
      std::printf("%s (wd %g): lowest training loss (L-BFGS, 500 iterations) %.3e\n", in.label.c_str(), wd,
                  floor.final_loss);
      if (in.pre.train_y.size() >= 10000) continue;  // the study above covers it at the preset's weight decay (0)
      study(in, train, " (wd " + std::string(wd == 0 ? "0" : "1e-2") + ")", 1, batch, max_passes);  // one run: passes are deterministic
    }
  }
}

std::vector<int64_t> parse_list(const char* s) {
  std::vector<int64_t> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::atoll(item.c_str()));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || (std::strcmp(argv[1], "memory") && std::strcmp(argv[1], "passes"))) {
    std::fprintf(stderr, "usage: optimizer_bench memory|passes [--runs N] [--ks K,K,...] [--sparsity-ratio R] [--batch B] "
                         "[--powerlaw-nodes N] [--max-passes P] [--only cora,citeseer,pubmed,powerlaw]\n");
    return 2;
  }
  int runs = 3;
  int64_t ratio = 8, batch = 64, powerlaw_nodes = 40000;
  double max_passes = 2000;
  std::string only;
  std::vector<int64_t> ks{1024, 4096, 16384, 65536};
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--runs")) runs = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--ks")) ks = parse_list(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--sparsity-ratio")) ratio = std::atoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--batch")) batch = std::atoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--powerlaw-nodes")) powerlaw_nodes = std::atoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--max-passes")) max_passes = std::atof(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--only")) only = argv[i + 1];
  }
  std::printf("%s; %u cores, %d OpenMP threads; medians of %d runs\n", sgc::bench::host_line().c_str(),
              std::thread::hardware_concurrency(), omp_get_max_threads(), runs);
  std::fflush(stdout);
  try {
    if (!std::strcmp(argv[1], "memory")) memory_study(runs, ks, ratio);
    else passes_study(runs, batch, powerlaw_nodes, only, max_passes);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "optimizer_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
