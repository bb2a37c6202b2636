// InfAttack speed: time per target of the efficient and exact greedy
// variants (src/sgc/attack) against SGC victims of depth K = 2, 4, 8 on Cora
// and Pubmed, and at K = 2 on an OGB-arxiv-shaped generated graph (169,343
// nodes, ~1.17M undirected edges, 128 features, 40 classes; power-law
// degrees). Prints the host (CPU model, cores) and, per configuration, the
// median over --runs runs of the mean seconds per target (all budgets
// 2..10: the search and the victim's evaluation at every budget).
//
//   attack_bench [--runs 3] [--targets 20] [--exact-targets 5] [--no-arxiv | --only-arxiv]
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "sgc/attack/infattack.h"
#include "sgc/attack/targets.h"
#include "sgc/attack/victim.h"
#include "sgc/data/powerlaw.h"
#include "sgc/io/load.h"
#include "sgc/util/timer.h"

namespace {

void bench(const sgc::Dataset& d, const std::string& name, int k, sgc::attack::Variant var, int runs, int ntargets) {
  sgc::Config c = sgc::attack::victim_config(d, sgc::default_operator(), sgc::default_model(), k);
  if (d.family == "synthetic") {  // arxiv-like: SGC's transductive setting on the Gaussian features
    c.protocol = sgc::Protocol::Transductive;
    c.feature_norm = sgc::FeatureNorm::None;
  }
  const sgc::attack::Victim v = sgc::attack::train_victim(d, c);
  sgc::attack::AttackOptions o;
  o.variant = var;
  o.k = k;
  o.max_add_candidates = sgc::attack::default_add_candidates(d, k);
  const std::vector<int32_t> targets = sgc::attack::select_targets(d, v.clean.label, ntargets, 1);
  std::vector<double> per_target;
  sgc::attack::AttackReport r;
  for (int i = 0; i < runs; ++i) {
    r = sgc::attack::run_attack(d, v, targets, o);
    per_target.push_back(r.seconds_per_target);
  }
  std::printf("%-10s K=%d %-9s targets %3zu  candidates %-5s  %.5f s/target (median of %d)  success@2 %.2f @10 %.2f\n",
              name.c_str(), k, sgc::attack::to_string(var).c_str(), targets.size(),
              o.max_add_candidates ? std::to_string(o.max_add_candidates).c_str() : "all", sgc::bench::median(per_target),
              runs, r.success_rate.front(), r.success_rate.back());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 3, ntargets = 20, exact_targets = 5;
  bool arxiv = true, planetoid = true;
  bool no_arxiv = false, only_arxiv = false;
  CLI::App app{"The InfAttack evasion attack: time per target, efficient and exact, on Cora, Pubmed and an "
               "arxiv-shaped graph."};
  sgc::bench::add_runs_option(app, runs);
  app.add_option("--targets", ntargets, "targets per efficient-attack run")->capture_default_str()->check(
      CLI::Range(1, 100000));
  app.add_option("--exact-targets", exact_targets, "targets per exact-attack run")->capture_default_str()->check(
      CLI::Range(1, 100000));
  app.add_flag("--no-arxiv", no_arxiv, "skip the arxiv-shaped graph");
  app.add_flag("--only-arxiv", only_arxiv, "the arxiv-shaped graph alone")->excludes("--no-arxiv");
  if (const int rc = sgc::bench::parse_command_line(app, argc, argv); rc >= 0) return rc;
  arxiv = !no_arxiv, planetoid = !only_arxiv;
  std::printf("%s; %u hardware threads; single-threaded attack\n", sgc::bench::host_line().c_str(),
              std::thread::hardware_concurrency());
  std::fflush(stdout);
  const std::string dir = sgc::default_data_root() + "/planetoid";
  for (const char* name : {"cora", "pubmed"}) {
    if (!planetoid) break;
    const sgc::Dataset d = sgc::load_dataset(name, dir);
    for (int k : {2, 4, 8}) {
      bench(d, name, k, sgc::attack::Variant::Efficient, runs, ntargets);
      bench(d, name, k, sgc::attack::Variant::Exact, runs, exact_targets);
    }
  }
  if (arxiv) {
    sgc::PowerLawOptions p;
    p.nodes = 169343, p.classes = 40, p.features = 128, p.avg_degree = 13.8, p.seed = 1;
    p.train_fraction = 0.54, p.val_fraction = 0.18;  // arxiv's split sizes
    sgc::Timer t;
    const sgc::Dataset d = sgc::make_powerlaw(p);
    std::printf("arxiv-shaped graph: %lld nodes, %lld adjacency entries, generated in %.1f s\n",
                (long long)d.num_nodes(), (long long)d.adjacency.indices.size(), t.seconds());
    bench(d, "arxiv-like", 2, sgc::attack::Variant::Efficient, runs, ntargets);
  }
  return 0;
}
