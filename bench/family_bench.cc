// The SGC family on Planetoid: DGC with its published settings (Wang et al.,
// NeurIPS 2021) computed by K naive Euler steps and by the truncated binomial
// series, the heat kernel, SSGC, PPR and SIGN: sparse products, propagation
// time (median of --runs; the naive steps --naive-runs times), test accuracy,
// and the whole `sgc train --op dgc` process, beside the DGC paper's GPU times
// (0.37 / 0.86 / 2.35 s on a GTX 1080 Ti for cora / citeseer / pubmed).
//
//   family_bench [--runs N] [--naive-runs N] [--data-dir DIR] [--datasets cora,citeseer,pubmed]
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "sgc/graph/normalize.h"
#include "sgc/io/planetoid.h"
#include "sgc/ops/operator.h"
#include "sgc/model/linear_model.h"
#include "sgc/presets.h"
#include "sgc/util/memory.h"
#include "sgc/util/timer.h"
#include "bench_util.h"


namespace {

using sgc::bench::median;
using sgc::bench::time_process;



const std::map<std::string, double> kDgcGpuSeconds{{"cora", 0.37}, {"citeseer", 0.86}, {"pubmed", 2.35}};

struct Measured {
  sgc::OperatorResult result;
  double seconds = 0;
};

// Propagation of the row-normalised sparse features to the train/val/test
// rows, as precompute() does; median time of `runs`.
Measured propagate(const sgc::CsrMatrix& s, const sgc::CsrMatrix& x, const sgc::OperatorSpec& spec,
                   const std::vector<int32_t>& rows, int runs) {
  Measured m;
  std::vector<double> times;
  for (int r = 0; r < runs; ++r) {
    sgc::Timer t;
    m.result = sgc::run_operator(s, x, spec, &rows);
    times.push_back(t.seconds());
  }
  m.seconds = median(times);
  return m;
}

double relative_difference(const sgc::DenseMatrix& a, const sgc::DenseMatrix& b) {
  return (a.cast<double>() - b.cast<double>()).norm() / b.cast<double>().norm();
}

}  // namespace

int main(int argc, char** argv) {
  sgc::reexec_with_runtime_settings(argv);
  int runs = 5, naive_runs = 1;
  std::string data_dir = sgc::bench::planetoid_dir();
  std::string datasets = "cora,citeseer,pubmed";
  CLI::App app{"Every operator of the registry on Planetoid: products, propagation time, accuracy; DGC's series "
               "against naive Euler steps."};
  sgc::bench::add_runs_option(app, runs);
  app.add_option("--naive-runs", naive_runs, "runs of the naive DGC (slow)")->capture_default_str()->check(
      CLI::Range(1, 1000));
  sgc::bench::add_planetoid_dir_option(app, data_dir);
  app.add_option("--datasets", datasets, "comma-separated Planetoid names")->capture_default_str();
  if (const int rc = sgc::bench::parse_command_line(app, argc, argv); rc >= 0) return rc;
  std::printf("family_bench: propagation of the train/val/test rows, seconds (median of %d runs; naive: %d)\n\n",
              runs, naive_runs);
  std::stringstream names(datasets);
  std::string name;
  while (std::getline(names, name, ',')) {
    sgc::Dataset d = sgc::load_planetoid(data_dir, name);
    sgc::normalize_features(d, sgc::FeatureNorm::Row);
    std::vector<int32_t> rows = d.train;
    rows.insert(rows.end(), d.val.begin(), d.val.end());
    rows.insert(rows.end(), d.test.begin(), d.test.end());
    const sgc::Preset dgc = sgc::preset_for(d, sgc::find_operator("dgc"));
    const sgc::CsrMatrix s = sgc::normalized_operator(d.adjacency, dgc.config.op);

    std::printf("%s: DGC T=%g K=%d (published %.1f%%, %.2f s on a GTX 1080 Ti)\n", name.c_str(), dgc.config.op.t,
                dgc.config.op.k, dgc.published_accuracy, kDgcGpuSeconds.at(name));
    std::printf("  %-28s %9s %11s %10s %9s\n", "operator", "products", "propagate", "train", "test acc");
    sgc::OperatorSpec naive_spec = dgc.config.op;
    naive_spec.def = &sgc::find_operator("dgc_naive");
    const Measured naive = propagate(s, d.features, naive_spec, rows, naive_runs);
    const Measured series = propagate(s, d.features, dgc.config.op, rows, runs);

    std::vector<std::pair<std::string, sgc::OperatorSpec>> lines{{"dgc, K naive Euler steps", naive_spec},
                                                                 {"dgc, truncated series", dgc.config.op}};
    // Every other operator of the registry with its preset for this data set
    // (published settings where there are some, else its defaults).
    for (const sgc::OperatorDef* op : sgc::operators()) {
      if (op == dgc.config.op.def || op == naive_spec.def) continue;
      const sgc::Preset p = sgc::preset_for(d, *op);
      try {
        sgc::validate_operator(p.config.op);
      } catch (const sgc::ArgumentError&) {
        continue;  // needs settings no preset gives (poly's coefficients)
      }
      const std::string summary = sgc::operator_summary(p.config.op);
      lines.push_back({summary.substr(0, summary.find(" norm=")), p.config.op});
    }

    for (const auto& [label, spec] : lines) {
      const Measured m = &spec == &lines[0].second   ? naive
                         : &spec == &lines[1].second ? series
                                                     : propagate(s, d.features, spec, rows, runs);
      // Train on these features with the operator's published training settings (else SGC's).
      const sgc::TrainOptions train = sgc::preset_for(d, *spec.def).config.train;
      sgc::Precomputed pre;
      pre.x = m.result.features;
      pre.classes = d.num_classes;
      for (int32_t i : d.train) pre.train_y.push_back(d.labels[i]);
      for (int32_t i : d.val) pre.val_y.push_back(d.labels[i]);
      for (int32_t i : d.test) pre.test_y.push_back(d.labels[i]);
      sgc::StageTimes times;
      const sgc::Evaluation ev = sgc::fit_evaluate(pre, train, &times);
      std::printf("  %-28s %9lld %10.4fs %9.4fs %8.1f%%\n", label.c_str(), (long long)m.result.sparse_products,
                  m.seconds, times.train, 100 * ev.test_acc);
    }
    std::printf("  series / naive: %.1fx fewer products, %.1fx faster, relative difference %.1e\n",
                double(naive.result.sparse_products) / double(series.result.sparse_products),
                naive.seconds / series.seconds, relative_difference(series.result.features, naive.result.features));
    std::vector<double> process;
    for (int r = 0; r < runs; ++r)
      process.push_back(
          time_process({SGC_CLI_PATH, "train", "--dataset", name, "--data-dir", data_dir, "--op", "dgc"}));
    std::printf("  whole `sgc train --dataset %s --op dgc` process: %.3f s (DGC paper, GPU: %.2f s)\n\n", name.c_str(),
                median(process), kDgcGpuSeconds.at(name));
  }
  return 0;
}
