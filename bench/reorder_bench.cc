// Does node reordering pay for one propagation hop? For real graphs (and the
// Reddit-shaped one), times S X with S and X in their stored order, in reverse
// Cuthill-McKee order and in degree order, for both kernels (whole rows and
// column panels), medians of --runs interleaved runs; X is d random columns
// (a hop's cost does not depend on the values).
//
//   reorder_bench [--data DIR] [--features D] [--runs R] [--graphs a,b,...]
#include <omp.h>

#include <cstdio>
#include <string>
#include <vector>

#include "sgc/data/powerlaw.h"
#include "sgc/graph/normalize.h"
#include "sgc/graph/reorder.h"
#include "sgc/io/load.h"
#include "sgc/ops/spmm.h"
#include "sgc/random.h"
#include "sgc/util/memory.h"
#include "sgc/util/timer.h"
#include "bench_util.h"

namespace {

using sgc::bench::median;

sgc::DenseMatrix random_features(int64_t n, int64_t d) {
  sgc::DenseMatrix x(n, d);
  sgc::Rng rng(1);
  for (int64_t i = 0; i < x.size(); ++i) x.data()[i] = float(rng.uniform());
  return x;
}

struct Layout {
  std::string name;
  sgc::CsrMatrix s;
  sgc::DenseMatrix x;
  double seconds_to_build = 0;
};

void run_graph(const std::string& name, const sgc::CsrMatrix& adjacency, int64_t d, int runs) {
  std::vector<Layout> layouts;
  layouts.push_back({"stored", sgc::aug_norm_adj(adjacency), random_features(adjacency.rows, d), 0});
  for (const char* how : {"rcm", "degree"}) {
    sgc::Timer t;
    const auto order = std::string(how) == "rcm" ? sgc::reverse_cuthill_mckee(layouts[0].s)
                                                 : sgc::degree_order(layouts[0].s);
    Layout l{how, sgc::permute_symmetric(layouts[0].s, order), sgc::gather_rows(layouts[0].x, order), 0};
    l.seconds_to_build = t.seconds();
    layouts.push_back(std::move(l));
  }
  const sgc::SpmmKernel kernels[] = {sgc::SpmmKernel::Rows, sgc::SpmmKernel::Panels};
  std::vector<std::vector<double>> times(layouts.size() * 2);
  sgc::DenseMatrix y;
  for (int r = 0; r < runs; ++r)
    for (size_t l = 0; l < layouts.size(); ++l)
      for (int k = 0; k < 2; ++k) {
        sgc::Timer t;
        sgc::spmm(layouts[l].s, layouts[l].x, y, kernels[k]);
        times[l * 2 + k].push_back(t.seconds());
      }
  std::printf("%s: %lld nodes, %lld non-zeros, d = %lld\n", name.c_str(), (long long)adjacency.rows,
              (long long)layouts[0].s.nnz(), (long long)d);
  const double base_rows = median(times[0]), base_panels = median(times[1]);
  for (size_t l = 0; l < layouts.size(); ++l) {
    const double rows = median(times[l * 2]), panels = median(times[l * 2 + 1]);
    std::printf("  %-7s whole rows %8.4f s (%.2fx)   panels %8.4f s (%.2fx)   ordering took %.3f s\n",
                layouts[l].name.c_str(), rows, base_rows / rows, panels, base_panels / panels,
                layouts[l].seconds_to_build);
  }
}

}  // namespace

int main(int argc, char** argv) {
  sgc::reexec_with_runtime_settings(argv);
  std::string data = sgc::default_data_root(), graphs = "reddit_shaped,soc-Slashdot0902,coauthor_cs,amazon_cs,pubmed";
  int64_t d = 602;
  int runs = 5;
  CLI::App app{"Row orders of the graph (stored, RCM, degree, ...): one hop's speed-up against the stored order."};
  app.add_option("--data", data, "data root")->capture_default_str()->check(CLI::ExistingDirectory);
  app.add_option("--features", d, "feature columns of the hop")->capture_default_str()->check(
      CLI::Range(int64_t(1), int64_t(100000)));
  sgc::bench::add_runs_option(app, runs);
  app.add_option("--graphs", graphs, "comma-separated graphs (reddit_shaped is generated)")->capture_default_str();
  if (const int rc = sgc::bench::parse_command_line(app, argc, argv); rc >= 0) return rc;
  std::printf("reorder_bench: %d threads, median of %d interleaved runs; speed-ups against the stored order\n",
              omp_get_max_threads(), runs);
  size_t start = 0;
  while (start <= graphs.size()) {
    const size_t end = std::min(graphs.find(',', start), graphs.size());
    const std::string g = graphs.substr(start, end - start);
    start = end + 1;
    if (g.empty()) continue;
    try {
      if (g == "reddit_shaped") {
        sgc::PowerLawOptions o;
        o.features = 1;
        run_graph(g, sgc::make_powerlaw(o).adjacency, d, runs);
      } else {
        sgc::LoadOptions lo;
        lo.dir = data;
        const std::string name = g == "soc-Slashdot0902" ? data + "/snap/soc-Slashdot0902.txt.gz" : g;
        run_graph(g, sgc::load_dataset(name, lo).adjacency, d, runs);
      }
    } catch (const std::exception& e) {
      std::printf("%s: skipped (%s)\n", g.c_str(), e.what());
    }
  }
  return 0;
}
