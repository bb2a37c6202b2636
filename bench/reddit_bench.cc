// Reddit-scale benchmark on the Reddit-shaped synthetic graph (powerlaw.h):
//  1. one propagation hop S X (median of --runs), beside a STREAM-like triad
//     measured in the same process, and the fraction of the triad bandwidth
//     the hop reaches on the bytes it gathers (nnz rows of X read + Y written);
//     the same hop with X and Y in bfloat16, and a roofline: compulsory bytes
//     (S, X once, Y) and those of the chosen blocking against the triad;
//  2. the end-to-end inductive run: generate -> z-score -> normalise both
//     graphs -> propagate (K=2) -> L-BFGS -> micro/macro-F1, each stage timed,
//     and the peak resident memory.
//
//   reddit_bench [--nodes N] [--avg-degree D] [--features F] [--runs R] [--lbfgs-iters I]
//                [--dump DIR] [--stages zscore,hop,inductive|dump]
// --stages zscore (not by default) times the features' z-score statistics
// with every thread and with one, beside the triad;
// --stages inductive alone makes the peak RSS that of the end-to-end run;
// --stages dump only generates the graph and writes S and X to --dump DIR
// (the GPU baselines' input: nothing timed on the host).
// --dump writes S (CSR arrays), X and the propagated training features with
// their labels as .npy files, so bench/compare_reddit.py can time SciPy and
// PyTorch on exactly the same data; a last line "json: {...}" carries the
// figures for it.
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "sgc/data/powerlaw.h"
#include "sgc/graph/normalize.h"
#include "sgc/ops/spmm.h"
#include "sgc/ops/spmm_plan.h"
#include "sgc/model/linear_model.h"
#include "sgc/util/memory.h"
#include "sgc/util/timer.h"
#include "bench_util.h"

namespace {

using sgc::bench::median;
using sgc::bench::time_process;

// Minimal .npy (version 1.0) writer for 1-D/2-D little-endian arrays.
template <class T>
void write_npy(const std::string& path, const char* descr, const T* data, std::vector<int64_t> shape) {
  std::string dims;
  for (int64_t s : shape) dims += std::to_string(s) + ",";
  if (shape.size() > 1) dims.pop_back();
  std::string header = "{'descr': '" + std::string(descr) + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  header.append(64 - (10 + header.size() + 1) % 64, ' ');
  header += '\n';
  // Checked writes to a temporary name, renamed when complete: a full disk
  // leaves no truncated array for the comparison scripts to read.
  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) { std::perror(tmp.c_str()); std::exit(1); }
  const uint16_t len = uint16_t(header.size());
  int64_t count = 1;
  for (int64_t s : shape) count *= s;
  bool ok = std::fwrite("\x93NUMPY\x01\x00", 1, 8, f) == 8 && std::fwrite(&len, 2, 1, f) == 1 &&
            std::fwrite(header.data(), 1, header.size(), f) == header.size() &&
            std::fwrite(data, sizeof(T), size_t(count), f) == size_t(count);
  ok = std::fclose(f) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::perror(path.c_str());
    std::remove(tmp.c_str());
    std::exit(1);
  }
}


// STREAM triad a = b + s * c over arrays far larger than the caches; GB/s
// counting 3 arrays moved (as STREAM does, without write-allocate traffic).
double triad_gbs(int runs) {
  const size_t n = size_t(1) << 26;  // 256 MiB per array
  std::vector<float> a(n), b(n, 1.0f), c(n, 2.0f);
  std::vector<double> times;
  for (int r = 0; r < runs; ++r) {
    sgc::Timer t;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; ++i) a[i] = b[i] + 3.0f * c[i];
    times.push_back(t.seconds());
  }
  if (a[n / 2] != 7.0f) std::fprintf(stderr, "triad check failed\n");
  return 3.0 * n * sizeof(float) / median(times) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  sgc::reexec_with_runtime_settings(argv);
  sgc::PowerLawOptions o;
  int runs = 3, lbfgs_iters = 2;
  std::string dump, stages = "hop,inductive";
  CLI::App app{"The Reddit-shaped graph: one hop beside the triad, and the inductive run end to end."};
  sgc::bench::add_powerlaw_options(app, o);
  sgc::bench::add_runs_option(app, runs);
  app.add_option("--lbfgs-iters", lbfgs_iters, "L-BFGS iterations of the end to end")->capture_default_str()->check(
      CLI::Range(1, 100000));
  app.add_option("--dump", dump, "write S, X and the hop's result as .npy files into DIR")->check(
      CLI::ExistingDirectory);
  app.add_option("--stages", stages, "comma-separated: zscore, hop, inductive; or dump")
      ->capture_default_str()
      ->check([](const std::string& v) {
        std::stringstream list(v);
        for (std::string stage; std::getline(list, stage, ',');)
          if (stage != "zscore" && stage != "hop" && stage != "inductive" && stage != "dump")
            return "unknown stage '" + stage + "' (zscore, hop, inductive, dump)";
        return std::string();
      });
  if (const int rc = sgc::bench::parse_command_line(app, argc, argv); rc >= 0) return rc;
  const bool dump_only = stages == "dump";
  if (dump_only && dump.empty()) {
    std::fprintf(stderr, "reddit_bench: --stages dump needs --dump DIR\n");
    return 2;
  }
  std::printf("reddit_bench: %d threads, median of %d runs\n", omp_get_max_threads(), runs);

  sgc::Timer t;
  sgc::Dataset d = sgc::make_powerlaw(o);
  const double gen_s = t.seconds();
  std::printf("generate: %lld nodes, %lld non-zeros, %lld features, %d classes: %.2f s\n",
              (long long)d.num_nodes(), (long long)d.adjacency.nnz(), (long long)d.num_features(), d.num_classes, gen_s);

  // 0. The features' z-score statistics (the inductive run's first stage):
  // with every thread and with one, beside the triad, in GB/s of X read.
  if (stages.find("zscore") != std::string::npos) {
    std::printf("%s\n", sgc::bench::host_line().c_str());
    const sgc::DenseMatrix& x = d.dense_features;
    const int threads = omp_get_max_threads();
    std::vector<double> all, one;
    for (int r = 0; r < std::max(runs, 5); ++r) {  // interleaved, so machine noise hits both alike
      t.reset();
      const sgc::ZScoreStats a = sgc::zscore_stats(x);
      all.push_back(t.seconds());
      omp_set_num_threads(1);
      t.reset();
      const sgc::ZScoreStats b = sgc::zscore_stats(x);
      one.push_back(t.seconds());
      omp_set_num_threads(threads);
      if (a.mean != b.mean || a.std != b.std) std::fprintf(stderr, "z-score statistics depend on the thread count\n");
    }
    const double gb = double(x.size()) * sizeof(float) / 1e9, triad_now = triad_gbs(5);
    std::printf("z-score statistics of X (%.2f GB): %d threads %.4f s (%.1f GB/s, %.2f of the triad %.1f GB/s); "
                "1 thread %.4f s (%.2fx slower)\n",
                gb, threads, median(all), gb / median(all), gb / median(all) / triad_now, triad_now, median(one),
                median(one) / median(all));
  }

  // 1. One hop and the triad.
  double hop_s = 0, hop_rows_s = 0, hop_bf16_s = 0, triad = 0, gathered_gb = 0;
  if (stages.find("hop") != std::string::npos || dump_only) {
    const sgc::CsrMatrix s = sgc::aug_norm_adj(d.adjacency);
    if (!dump.empty()) {
      write_npy(dump + "/s_indptr.npy", "<i8", s.indptr.data(), {int64_t(s.indptr.size())});
      write_npy(dump + "/s_indices.npy", "<i4", s.indices.data(), {s.nnz()});
      write_npy(dump + "/s_values.npy", "<f4", s.values.data(), {s.nnz()});
      write_npy(dump + "/x.npy", "<f4", d.dense_features.data(), {d.num_nodes(), d.num_features()});
    }
    if (dump_only) return 0;
    // The two kernels interleaved, so machine noise hits both alike.
    sgc::DenseMatrix y, y_rows;
    std::vector<double> hop, hop_rows;
    for (int r = 0; r < runs; ++r) {
      t.reset();
      sgc::spmm(s, d.dense_features, y, sgc::SpmmKernel::Panels);
      hop.push_back(t.seconds());
      t.reset();
      sgc::spmm(s, d.dense_features, y_rows, sgc::SpmmKernel::Rows);
      hop_rows.push_back(t.seconds());
    }
    if (y != y_rows) std::fprintf(stderr, "kernels disagree\n");
    // The same hop with X and Y stored in bfloat16 (fp32 accumulation), as
    // the intermediate hops of --precision bf16 run: X converted once, untimed.
    const int64_t n = s.rows, dcols = d.num_features();
    std::vector<uint16_t> x16(size_t(n * dcols)), y16(size_t(n * dcols));
    sgc::kernels::active().from_f32(d.dense_features.data(), x16.data(), sgc::kernels::Storage::BF16, n * dcols);
    std::vector<double> hop16;
    for (int r = 0; r < runs; ++r) {
      t.reset();
      sgc::spmm_stored(s, x16.data(), sgc::kernels::Storage::BF16, dcols, nullptr, y16.data(),
                       sgc::kernels::Storage::BF16);
      hop16.push_back(t.seconds());
    }
    hop_bf16_s = median(hop16);
    triad = triad_gbs(std::max(runs, 5));
    const double bytes = (double(s.nnz()) + double(s.rows)) * double(d.num_features()) * sizeof(float);
    hop_s = median(hop);
    hop_rows_s = median(hop_rows);
    gathered_gb = bytes / 1e9;
    std::printf("one hop S X (column panels): %.3f s; gathered %.1f GB -> %.1f GB/s; triad %.1f GB/s; fraction %.2f\n",
                hop_s, gathered_gb, gathered_gb / hop_s, triad, gathered_gb / hop_s / triad);
    std::printf("one hop S X (whole rows):    %.3f s (panels %.2fx faster)\n", hop_rows_s, hop_rows_s / hop_s);
    std::printf("one hop S X (bf16 X and Y):  %.3f s (%.2fx the fp32 hop)\n", hop_bf16_s, hop_s / hop_bf16_s);
    // Roofline: the bytes a hop must move from memory at least (S once, X
    // once, Y written) and those the chosen blocking moves (S once per panel),
    // against the triad measured here.
    const double s_bytes = double(s.nnz()) * 8 + double(s.rows + 1) * 8;
    for (int eb : {4, 2}) {
      const sgc::SpmmPlan plan = sgc::plan_spmm(s.rows, s.nnz(), n, dcols, eb, omp_get_max_threads(), sgc::SpmmKernel::Auto);
      const double passes = plan.panels ? double((dcols + plan.panel_width - 1) / plan.panel_width) : 1.0;
      const double compulsory = s_bytes + 2.0 * double(n) * double(dcols) * eb;
      const double blocked = passes * s_bytes + 2.0 * double(n) * double(dcols) * eb;
      const double secs = eb == 4 ? hop_s : hop_bf16_s;
      std::printf("roofline (%s): compulsory %.2f GB -> %.3f s at the triad; %s (%d-column panels, %.0f passes over S) "
                  "%.2f GB -> %.3f s; measured %.3f s = %.2f of the blocked bound\n",
                  eb == 4 ? "fp32" : "bf16", compulsory / 1e9, compulsory / 1e9 / triad,
                  plan.panels ? "blocked" : "whole rows", int(plan.panel_width), passes, blocked / 1e9,
                  blocked / 1e9 / triad, secs, blocked / 1e9 / triad / secs);
    }
    std::printf("%s", sgc::describe_kernels(omp_get_max_threads()).c_str());
  }

  // 2. End-to-end inductive run.
  if (stages.find("inductive") == std::string::npos) return 0;
  sgc::StageTimes times;
  times.load = gen_s;
  sgc::Config config;
  config.op.k = 2;
  config.feature_norm = sgc::FeatureNorm::ZScore;
  config.protocol = sgc::Protocol::Inductive;
  const sgc::Precomputed pre = sgc::precompute(std::move(d), config, &times);
  sgc::TrainOptions train;
  train.optimizer = &sgc::find_optimizer("lbfgs");
  train.epochs = lbfgs_iters;
  train.weight_decay = 0;
  // The loss after each iteration and when it was reached, so a comparison can
  // time sgc to the loss another optimizer ends at.
  std::string trace;
  sgc::Timer train_clock;
  train.on_step = [&](int it, double loss) {
    trace += (trace.empty() ? "" : ", ") + std::string("[") + std::to_string(it) + ", " +
             std::to_string(train_clock.seconds()) + ", " + std::to_string(loss) + "]";
  };
  train_clock.reset();
  const sgc::Evaluation ev = sgc::fit_evaluate(pre, train, &times);
  if (!dump.empty()) {
    write_npy(dump + "/train_x.npy", "<f4", pre.x.data(), {int64_t(pre.train_y.size()), pre.x.cols()});
    write_npy(dump + "/train_y.npy", "<i4", pre.train_y.data(), {int64_t(pre.train_y.size())});
  }
  const double total = times.load + times.normalize + times.propagate + times.train + times.evaluate;
  std::printf("inductive: generate %.2f s, normalize %.2f s, propagate %.2f s, train (L-BFGS %d it, %d evaluations) "
              "%.2f s, evaluate %.2f s, total %.2f s\n",
              times.load, times.normalize, times.propagate, lbfgs_iters, ev.train_evaluations, times.train,
              times.evaluate, total);
  std::printf("inductive: train loss %.4f, test micro-F1 %.4f, macro-F1 %.4f; peak RSS %.2f GB\n", ev.final_loss,
              ev.test_acc, ev.test_macro_f1, sgc::peak_rss_bytes() / 1e9);
  std::printf("json: {\"hop_s\": %.6f, \"hop_bf16_s\": %.6f, \"hop_rows_s\": %.6f, \"triad_gbs\": %.3f, \"gathered_gb\": %.3f, \"train_s\": %.6f, "
              "\"train_loss\": %.6f, \"lbfgs_iters\": %d, \"total_s\": %.3f, \"peak_rss_gb\": %.3f, "
              "\"test_micro_f1\": %.4f, \"test_macro_f1\": %.4f, \"lbfgs_evals\": %d, \"lbfgs_trace\": [%s]}\n",
              hop_s, hop_bf16_s, hop_rows_s, triad, gathered_gb, times.train, ev.final_loss, lbfgs_iters, total, sgc::peak_rss_bytes() / 1e9,
              ev.test_acc, ev.test_macro_f1, ev.train_evaluations, trace.c_str());
  return 0;
}
