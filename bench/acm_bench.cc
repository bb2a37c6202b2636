// ACM on SGC (model/acm_model.h) on Cora at depth: the whole training (K
// projected propagation steps forward and back, plus the evaluation pass, per
// epoch) with the authors' Cora settings, median of --runs; and one epoch's
// parts (forward with trace, backward, evaluation forward) timed apart.
//
//   acm_bench [--runs N] [--k K] [--epochs E] [--data-dir DIR]
#include <omp.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_util.h"
#include "sgc/graph/normalizations.h"
#include "sgc/io/load.h"
#include "sgc/io/planetoid.h"
#include "sgc/model/acm_model.h"
#include "sgc/presets.h"
#include "sgc/util/timer.h"

namespace {

}  // namespace

int main(int argc, char** argv) {
  int runs = 3, k = 120, epochs = 1000;
  std::string dir = sgc::bench::planetoid_dir();
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--runs")) runs = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--k")) k = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--epochs")) epochs = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--data-dir")) dir = sgc::bench::planetoid_dir(argv[i + 1]);
  }
  std::printf("%s; %u hardware threads, %d OpenMP threads\n", sgc::bench::host_line().c_str(),
              std::thread::hardware_concurrency(), omp_get_max_threads());
  sgc::Dataset cora = sgc::load_planetoid(dir, "cora");
  cora.family = "planetoid";
  sgc::Config c = sgc::preset_for("planetoid", "cora", sgc::default_operator(), sgc::acm_model()).config;
  c.op.k = k;
  c.train.epochs = epochs;

  // One epoch's parts, on the prepared operator and features.
  {
    const sgc::CsrMatrix s = sgc::normalized_operator(cora.adjacency, c.op);
    sgc::Dataset d = cora;
    sgc::normalize_features(d, c.feature_norm);
    const sgc::DenseMatrix w_in = sgc::DenseMatrix::Random(d.num_features(), d.num_classes);
    const Eigen::VectorXf w = Eigen::VectorXf::Ones(d.num_classes);
    sgc::AcmTrace<float> trace;
    sgc::DenseMatrix g_in;
    Eigen::VectorXf g_w;
    const int reps = 20;
    sgc::Timer t;
    for (int r = 0; r < reps; ++r) sgc::acm_forward(s, d.features, w_in, w, k, &trace);
    const double fwd = t.seconds() / reps;
    t.reset();
    for (int r = 0; r < reps; ++r)
      sgc::acm_backward(s, d.features, w, trace, sgc::DenseMatrix(trace.z[size_t(k)]), g_in, g_w);
    const double bwd = t.seconds() / reps;
    t.reset();
    for (int r = 0; r < reps; ++r) sgc::acm_forward<float>(s, d.features, w_in, w, k);
    const double eval = t.seconds() / reps;
    std::printf("cora K=%d, one epoch: forward+trace %.2f ms, backward %.2f ms, evaluation %.2f ms\n", k, fwd * 1e3,
                bwd * 1e3, eval * 1e3);
  }

  std::vector<double> seconds;
  double acc = 0;
  for (int r = 0; r < runs; ++r) {
    sgc::AcmModel m;
    sgc::Timer t;
    m.prepare(cora, c);
    const sgc::Evaluation e = m.fit(c);
    seconds.push_back(t.seconds());
    acc = e.test_acc;
    std::printf("  run %d: %.2f s, test accuracy %.1f%% (epoch %d)\n", r + 1, seconds.back(), 100 * e.test_acc,
                e.epoch);
  }
  std::printf("acm cora K=%d, %d epochs: median %.2f s over %d runs (target < 10 s on 2 cores); test %.1f%%\n", k,
              epochs, sgc::bench::median(seconds), runs, 100 * acc);
  return 0;
}
