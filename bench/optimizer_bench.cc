// The compressed optimizer and SCRN against Adam and L-BFGS.
//
//   optimizer_bench memory [--runs N] [--ks 1024,4096,...] [--sparsity-ratio R] [--only sign,cora,...]
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
//     decay (interpolation or not) and, on Planetoid, the same study under each
//     (--growth off skips it). --monitor-passes P evaluates the full loss only
//     every P passes (0: after every step): for large inputs, where it costs a pass.
//   optimizer_bench minibatch [--only NAMES] [--batches B,...] [--rhos R,...] [--iterations N] [--cubic C]
//                             [--weight-decays W,...]
//     SCRN on Planetoid for each Hessian-batch rule (independent of the
//     gradient's batch, the gradient's own batch, an independent one 4x as
//     large) x batch size x rho, N iterations each: final and largest full
//     training loss, test accuracy, passes; beside Adam's and L-BFGS's loss.
//
// Prints the host (CPU model, cores) first.
#include <omp.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <numeric>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "sgc/data/powerlaw.h"
#include "sgc/data/synthetic.h"
#include "sgc/io/load.h"
#include "sgc/model/linear_model.h"
#include "sgc/model/scrn.h"
#include "sgc/model/sgc_compressed.h"
#include "sgc/model/train.h"
#include "sgc/presets.h"
#include "sgc/random.h"
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

// Test accuracy; the test rows may be kept as S and X (read through the head).
double test_accuracy(const SoftmaxModel& m, const Precomputed& pre) {
  const std::vector<int32_t> p = predict_from_logits(pre.test_logits(m));
  int64_t ok = 0;
  for (size_t i = 0; i < p.size(); ++i) ok += p[i] == pre.test_y[i];
  return double(ok) / double(std::max<size_t>(1, p.size()));
}

// ---- memory -------------------------------------------------------------

// --only: labels containing one of the comma-separated names (empty: all).
bool selected(const std::string& only, const std::string& label) {
  if (only.empty()) return true;
  std::stringstream in(only);
  for (std::string name; std::getline(in, name, ',');)
    if (!name.empty() && label.find(name) != std::string::npos) return true;
  return false;
}

void memory_study(int runs, const std::vector<int64_t>& ks, int64_t ratio, const std::string& only) {
  std::vector<Input> inputs;
  if (selected(only, "cora (sgc K=2)")) inputs.push_back(prepare("cora (sgc K=2)", load("cora"), "sgc", 2));
  if (selected(only, "coauthor_cs (sgc K=2)"))
    inputs.push_back(prepare("coauthor_cs (sgc K=2)", load("coauthor_cs"), "sgc", 2));
  if (selected(only, "coauthor_cs (sign K=8)"))
    inputs.push_back(prepare("coauthor_cs (sign K=8)", load("coauthor_cs"), "sign", 8));
  if (selected(only, "csbm 8415 features (Physics-sized)")) {
    CsbmOptions physics;  // Coauthor Physics-sized input: 8,415 features, 5 classes
    physics.nodes = 10000;
    physics.features = 8415;
    physics.classes = 5;
    Input phys = prepare("csbm 8415 features (Physics-sized)", make_csbm(physics), "sgc", 2);
    phys.train.lr = 0.2;
    inputs.push_back(std::move(phys));
  }
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
        test = test_accuracy(m, in.pre);  // deterministic: the same every run
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
// The full loss is evaluated after the first step past every monitor_passes
// passes (0: after every step); a pass count is then an upper bound, within
// monitor_passes plus one step. (On the Reddit-sized graph one evaluation
// costs a pass: after every mini-batch iteration it would cost more than the
// training it watches.)
double monitor_passes = 0;

Trace trace(const Input& in, const TrainOptions& base, const Targets& target) {
  auto rows = std::make_shared<int64_t>(0);
  const FeatureRows x = in.pre.train_x();
  const Problem p = softmax_problem(x.cols(), in.pre.classes, x, in.pre.train_y, rows);
  SoftmaxModel m = init_softmax(x.cols(), in.pre.classes, base.seed);
  Trace t;
  Timer timer;
  double monitor = 0, next_check = 0;
  TrainOptions opt = base;
  opt.on_step = [&](int, double) {
    const double passes = double(*rows) / double(x.rows());
    if (passes < next_check || (t.passes[0] >= 0 && t.passes[1] >= 0)) return;
    next_check = passes + monitor_passes;
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
  const double seconds = timer.seconds() - monitor;
  Eigen::VectorXf g;
  t.final_loss = softmax_loss_grad(m, x, in.pre.train_y, g);
  t.final_passes = double(*rows) / double(x.rows());
  const double goal[2] = {target.adam, target.lbfgs};
  for (int i = 0; i < 2; ++i)  // reached between the last check and the end
    if (t.passes[i] < 0 && t.final_loss <= goal[i]) {
      t.passes[i] = t.final_passes;
      t.seconds[i] = seconds;
    }
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

void passes_study(int runs, int64_t batch, int64_t powerlaw_nodes, const std::string& only, double max_passes,
                  bool growth) {
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
  if (!growth) return;
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

// ---- minibatch ------------------------------------------------------------

// How SCRN's Hessian batch relates to its gradient batch (rho is the grid's).
struct HessianRule {
  const char* name;
  bool same = false;   // the gradient's batch
  int64_t times = 1;   // else an independent batch this many times the gradient's (capped at every row)
  bool ratio = false;  // scrn's ratio test (on the gradient's batch), else every step taken
};

// One SCRN run with the rule's batches (scrn_run with oracles that pick the
// Hessian's rows), the full training loss and test accuracy watched after every iteration.
struct MiniRun {
  double final_loss = 0, max_loss = 0, test = 0, passes = 0;
  int steps = 0;
};
MiniRun mini_run(const Input& in, TrainOptions opt, const HessianRule& rule) {
  auto rows = std::make_shared<int64_t>(0);
  const FeatureRows x = in.pre.train_x();
  const int64_t n = x.rows();
  const Problem p = softmax_problem(x.cols(), in.pre.classes, x, in.pre.train_y, rows);
  SoftmaxModel m = init_softmax(x.cols(), in.pre.classes, opt.seed);
  std::vector<int64_t> last, perm(static_cast<size_t>(n));
  std::iota(perm.begin(), perm.end(), int64_t(0));
  Rng rng(opt.seed ^ 0xBA7C4ull);
  ScrnOracles o;
  o.grad = [&](const Eigen::VectorXf& th, const std::vector<int64_t>& idx, Eigen::VectorXf& g) {
    last = idx;
    return p.batch(th, idx, &g);
  };
  o.hessian = [&](const Eigen::VectorXf& th, const std::vector<int64_t>& idx) -> Hvp {
    std::vector<int64_t> use = idx;
    if (rule.same) {
      use = last;
    } else if (rule.times > 1) {
      const int64_t b = opt.batch_size * rule.times;
      use.clear();
      if (b < n) {
        for (int64_t i = 0; i < b; ++i) std::swap(perm[size_t(i)], perm[size_t(i + int64_t(rng.below(uint64_t(n - i))))]);
        use.assign(perm.begin(), perm.begin() + b);
        std::sort(use.begin(), use.end());
      }
    }
    return [&p, th, use](const Eigen::VectorXf& v, Eigen::VectorXf& out) { p.hvp(th, use, v, out); };
  };
  if (rule.ratio)
    o.value = [&p](const Eigen::VectorXf& th, const std::vector<int64_t>& idx) { return p.batch(th, idx, nullptr); };
  MiniRun r;
  Eigen::VectorXf g;
  r.max_loss = softmax_loss_grad(m, x, in.pre.train_y, g);
  opt.on_step = [&](int, double) {
    r.max_loss = std::max(r.max_loss, softmax_loss_grad(m, x, in.pre.train_y, g));
  };
  r.steps = scrn_run(m.theta, p, o, opt).steps;
  r.final_loss = softmax_loss_grad(m, x, in.pre.train_y, g);
  r.passes = double(*rows) / double(n);
  r.test = test_accuracy(m, in.pre);
  return r;
}

// rho x batch size x Hessian rule for SCRN on Planetoid, each for a fixed
// number of iterations: which small-batch settings stay stable.
void minibatch_study(const std::string& only, const std::vector<int64_t>& batches, const std::vector<double>& rhos,
                     int iterations, int cubic, const std::vector<double>& wds) {
  const HessianRule rules[] = {{"independent"}, {"same batch", true}, {"independent, 4x", false, 4},
                               {"indep. + ratio test", false, 1, true}};
  for (const char* name : {"cora", "citeseer", "pubmed"}) {
    if (!only.empty() && only.find(name) == std::string::npos) continue;
    Input in = prepare(name, load(name), "sgc", 2);
    for (const double wd : wds.empty() ? std::vector<double>{in.train.weight_decay} : wds) {
      in.train.weight_decay = wd;
      TrainOptions adam = in.train, lbfgs = in.train;
      const Evaluation a = fit_evaluate(in.pre, adam);
      lbfgs.optimizer = &find_optimizer("lbfgs");
      lbfgs.epochs = 500;
      const Evaluation l = fit_evaluate(in.pre, lbfgs);
      std::printf("%s (weight decay %g, %zu training rows): Adam final loss %.4f test %.1f%%; L-BFGS 500: loss %.4f test "
                  "%.1f%%; SCRN %d iterations, cubic %d\n",
                  name, in.train.weight_decay, in.pre.train_y.size(), a.final_loss, a.test_acc * 100, l.final_loss,
                  l.test_acc * 100, iterations, cubic);
      std::printf("%-20s %6s %8s %10s %10s %7s %8s %6s\n", "hessian", "batch", "rho", "final", "max", "test", "passes",
                  "steps");
      for (const HessianRule& rule : rules)
        for (const int64_t b : batches)
          for (const double rho : rhos) {
            TrainOptions opt = in.train;
            opt.optimizer = &find_optimizer("scrn");
            opt.batch_size = b;
            opt.rho = rho;
            opt.epochs = iterations;
            opt.cubic_iters = cubic;
            const MiniRun r = mini_run(in, opt, rule);
            std::printf("%-20s %6lld %8.0e %10.4f %10.4f %6.1f%% %8.1f %6d\n", rule.name, (long long)b, rho,
                        r.final_loss, r.max_loss, r.test * 100, r.passes, r.steps);
            std::fflush(stdout);
          }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 3;
  int64_t ratio = 8, batch = 64, powerlaw_nodes = 40000;
  double max_passes = 2000;
  std::string only;
  std::vector<int64_t> ks{1024, 4096, 16384, 65536}, batches{16, 35, 70};
  std::vector<double> rhos{1e-3, 1e-2, 1e-1, 1}, wds;  // wds empty: the preset's weight decay
  int iterations = 200, cubic = 10;
  std::string growth_flag = "on";
  CLI::App app{"The compressed optimizer and SCRN against Adam and L-BFGS (the header of bench/optimizer_bench.cc "
               "describes each study)."};
  app.require_subcommand(1);
  CLI::App* memory = app.add_subcommand("memory", "sgc-compressed on wide inputs beside Adam");
  CLI::App* passes = app.add_subcommand("passes", "passes and time to Adam's and L-BFGS's final losses");
  CLI::App* minibatch = app.add_subcommand("minibatch", "SCRN's Hessian-batch rules on Planetoid");
  for (CLI::App* study : {memory, passes, minibatch}) {
    sgc::bench::add_runs_option(*study, runs);
    study->add_option("--only", only, "comma-separated inputs: sign, cora, citeseer, pubmed, powerlaw (default all)");
  }
  const auto positive = CLI::PositiveNumber;
  memory->add_option("--ks", ks, "compressed state sizes k")->delimiter(',')->capture_default_str()->check(positive);
  memory->add_option("--sparsity-ratio", ratio, "R, s = k / R")->capture_default_str()->check(positive);
  passes->add_option("--batch", batch, "mini-batch rows")->capture_default_str()->check(positive);
  passes->add_option("--powerlaw-nodes", powerlaw_nodes, "nodes of the Reddit-shaped graph")
      ->capture_default_str()
      ->check(positive);
  passes->add_option("--max-passes", max_passes, "about how many passes")->capture_default_str()->check(positive);
  passes->add_option("--monitor-passes", monitor_passes, "evaluate the full loss every P passes (0: every step)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  passes->add_option("--growth", growth_flag, "the strong growth condition study")
      ->capture_default_str()
      ->check(CLI::IsMember({"on", "off"}));
  minibatch->add_option("--batches", batches, "batch sizes")->delimiter(',')->capture_default_str()->check(positive);
  minibatch->add_option("--rhos", rhos, "cubic regularisations")->delimiter(',')->capture_default_str()->check(
      positive);
  minibatch->add_option("--iterations", iterations, "iterations per run")->capture_default_str()->check(positive);
  minibatch->add_option("--cubic", cubic, "cubic-model steps per iteration")->capture_default_str()->check(positive);
  minibatch->add_option("--weight-decays", wds, "weight decays (default the preset's)")->delimiter(',')->check(
      CLI::NonNegativeNumber);
  if (const int rc = sgc::bench::parse_command_line(app, argc, argv); rc >= 0) return rc;
  const bool growth = growth_flag == "on";
  std::printf("%s; %u cores, %d OpenMP threads; medians of %d runs\n", sgc::bench::host_line().c_str(),
              std::thread::hardware_concurrency(), omp_get_max_threads(), runs);
  std::fflush(stdout);
  try {
    if (memory->parsed()) memory_study(runs, ks, ratio, only);
    else if (passes->parsed()) passes_study(runs, batch, powerlaw_nodes, only, max_passes, growth);
    else minibatch_study(only, batches, rhos, iterations, cubic, wds);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "optimizer_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
