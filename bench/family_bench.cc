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
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "sgc/graph/normalize.h"
#include "sgc/io/planetoid.h"
#include "sgc/ops/operator.h"
#include "sgc/ops/published.h"
#include "sgc/pipeline.h"
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
// rows, as the pipeline does; median time of `runs`.
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
  sgc::reexec_with_huge_page_heap(argv);
  int runs = 5, naive_runs = 1;
  std::string data_dir = std::string(SGC_DEFAULT_DATA_DIR) + "/planetoid";
  std::string datasets = "cora,citeseer,pubmed";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--runs")) runs = std::max(1, std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--naive-runs")) naive_runs = std::max(1, std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--data-dir")) data_dir = argv[i + 1];
    else if (!std::strcmp(argv[i], "--datasets")) datasets = argv[i + 1];
  }
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
    const sgc::PublishedSetting dgc = *sgc::published_setting("dgc", name);
    const sgc::CsrMatrix s = sgc::normalized_operator(d.adjacency, dgc.op);

    std::printf("%s: DGC T=%g K=%d (published %.1f%%, %.2f s on a GTX 1080 Ti)\n", name.c_str(), dgc.op.t, dgc.op.k,
                dgc.test_accuracy, kDgcGpuSeconds.at(name));
    std::printf("  %-28s %9s %11s %10s %9s\n", "operator", "products", "propagate", "train", "test acc");
    sgc::OperatorSpec naive_spec = dgc.op;
    naive_spec.op = "dgc_naive";
    const Measured naive = propagate(s, d.features, naive_spec, rows, naive_runs);
    const Measured series = propagate(s, d.features, dgc.op, rows, runs);

    std::vector<std::pair<std::string, sgc::OperatorSpec>> lines{{"dgc, K naive Euler steps", naive_spec},
                                                                 {"dgc, truncated series", dgc.op}};
    sgc::OperatorSpec heat = dgc.op;
    heat.op = "heat";
    lines.push_back({"heat kernel exp(-T(I-S))", heat});
    if (auto ssgc = sgc::published_setting("ssgc", name)) lines.push_back({"ssgc K=16 alpha=0.05", ssgc->op});
    sgc::OperatorSpec ppr;
    ppr.op = "ppr";
    lines.push_back({"ppr alpha=0.1", ppr});
    sgc::OperatorSpec sign;
    sign.op = "sign";
    lines.push_back({"sign K=2", sign});

    for (const auto& [label, spec] : lines) {
      const Measured m = spec.op == "dgc_naive" ? naive : spec.op == "dgc" ? series : propagate(s, d.features, spec, rows, runs);
      // Train on these features with the operator's published training settings (else SGC's).
      sgc::TrainOptions train = sgc::paper_defaults(name).train;
      if (auto p = sgc::published_setting(spec.op, name)) train = p->train;
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
