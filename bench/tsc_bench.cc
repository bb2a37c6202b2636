// TSC's costs per epoch (model/tsc_model.h), on Planetoid Cora and Pubmed:
//   1. the propagation part (forward + backward through the L masked steps)
//      by the steps path and by the powers path (S^c X precomputed), alone
//      and with the encoder product each needs (the powers path folds the
//      encoder into its products), for one mask draw, with H_i stored at every
//      step (contrastive k = 1) and at the last step only;
//   2. one contrastive term: exact tiled and sampled negatives, and the
//      exact term's memory (its block and its N x h matrices) on Pubmed,
//      with the process's peak RSS before and after;
//   3. whole epochs of the model at the authors' settings.
// Medians of --runs; the host (CPU, caches, triad) is printed first.
//   tsc_bench [--data-dir DIR] [--runs 3] [--layers 32]
#include <cstdio>
#include <string>

#include "bench_util.h"
#include "sgc/data/feature_norm.h"
#include "sgc/gemm.h"
#include "sgc/io/planetoid.h"
#include "sgc/model/contrastive.h"
#include "sgc/model/tsc_model.h"
#include "sgc/model/tsc_steps.h"
#include "sgc/ops/spmm.h"
#include "sgc/presets.h"
#include "sgc/util/memory.h"
#include "sgc/util/timer.h"

using sgc::bench::median_seconds;
using sgc::bench::random_dense;

namespace {

sgc::TscProblem problem_of(const std::string& dir, const std::string& name, int hidden) {
  sgc::Dataset d = sgc::load_planetoid(dir, name);
  sgc::normalize_features(d, sgc::FeatureNorm::Row);
  sgc::TscProblem p;
  p.s = sgc::normalized_operator(d.adjacency, sgc::OperatorSpec{});
  p.x = d.features;
  p.xt = sgc::csr_transpose(p.x);
  p.train = d.train, p.val = d.val, p.test = d.test, p.labels = d.labels;
  p.shape = {p.x.cols, hidden, d.num_classes, 1};
  return p;
}

void propagation_part(const std::string& name, const sgc::TscProblem& p, int layers, int runs) {
  const int64_t n = p.x.rows, f = p.x.cols, h = p.shape.hidden;
  sgc::Rng rng(1);
  const sgc::TscMasks masks = sgc::draw_tsc_masks(layers, int(h), 0.5, rng);
  const auto counts = sgc::tsc_counts(masks, int(h));
  int max_count = 0;
  for (int c : counts[size_t(layers)]) max_count = std::max(max_count, c);
  // X~ = [X, 1] densely, and its powers up to the largest count of this draw.
  sgc::DenseMatrix xt = sgc::DenseMatrix::Zero(n, f + 1);
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t e = p.x.indptr[r]; e < p.x.indptr[r + 1]; ++e) xt(r, p.x.indices[e]) = p.x.values[e];
    xt(r, f) = 1;
  }
  sgc::Timer timer;
  std::vector<sgc::DenseMatrix> powers{xt};
  for (int c = 1; c <= max_count; ++c) {
    sgc::DenseMatrix next;
    sgc::spmm(p.s, powers.back(), next);
    powers.push_back(std::move(next));
  }
  const double precompute = timer.seconds();
  const sgc::DenseMatrix w = random_dense(f + 1, h, 2);
  for (bool every_step : {true, false}) {
    std::vector<bool> keep(size_t(layers) + 1, every_step);  // every H_i, or H_L alone
    keep[size_t(layers)] = true;
    std::vector<sgc::DenseMatrix> grads(size_t(layers) + 1);
    for (int i = 0; i <= layers; ++i)
      if (keep[size_t(i)]) grads[size_t(i)] = random_dense(n, h, 10 + uint64_t(i));
    double encoder = 0;
    const double steps = median_seconds(runs, [&] {
      sgc::DenseMatrix h0 = random_dense(n, h, 3), dh0;
      std::vector<sgc::DenseMatrix> saved, g = grads;
      sgc::tsc_forward_steps(p.s, masks, h0, keep, saved);
      sgc::tsc_backward_steps(p.s, masks, g, dh0);
    });
    encoder = median_seconds(runs, [&] {
      sgc::DenseMatrix h0, dw;
      sgc::spmm(p.x, sgc::DenseMatrix(w.topRows(f)), h0);
      sgc::spmm(p.xt, h0, dw);
    });
    const double by_powers = median_seconds(runs, [&] {
      std::vector<sgc::DenseMatrix> saved;
      sgc::DenseMatrix dw;
      sgc::tsc_forward_powers(powers, counts, w, keep, saved);
      sgc::tsc_backward_powers(powers, counts, grads, dw);
    });
    const sgc::TscPathCosts cost = sgc::tsc_path_costs(p.s, p.x, masks, keep);
    std::printf("%-8s L=%d H_i stored %-10s steps %.4f s (+ encoder %.4f s = %.4f s) | powers %.4f s "
                "(precompute %.3f s once, %d powers, %.0f MB) | steps/powers %.2fx (with encoder %.2fx) | "
                "cost model: steps %.2g, powers %.2g multiply-adds\n",
                name.c_str(), layers, every_step ? "every step" : "last only", steps, encoder, steps + encoder,
                by_powers, precompute, max_count + 1,
                double(powers.size()) * double(n) * double(f + 1) * 4 / 1e6, steps / by_powers,
                (steps + encoder) / by_powers, cost.steps, cost.powers);
  }
}

void contrastive_part(const std::string& name, int64_t n, int64_t h, int runs) {
  const sgc::DenseMatrix z1 = random_dense(n, h, 4), z2 = random_dense(n, h, 5);
  const int64_t rss_before = sgc::peak_rss_bytes();
  const double exact = median_seconds(runs, [&] { sgc::contrastive_exact(z1, z2, 0.5); });
  const int64_t rss_after = sgc::peak_rss_bytes();
  const double sampled = median_seconds(runs, [&] { sgc::contrastive_sampled(z1, z2, 0.5, 256, 7); });
  const int64_t block = sgc::contrastive_block_rows(n);
  std::printf("%-8s N=%lld h=%lld one contrastive term: exact %.3f s, sampled (256 negatives) %.4f s (%.0fx); "
              "exact's block %lld x N = %.1f MB x 2, its N x h matrices %.1f MB each (a dense N x N would be "
              "%.0f MB); peak RSS %.0f -> %.0f MB\n",
              name.c_str(), (long long)n, (long long)h, exact, sampled, exact / sampled, (long long)block,
              double(block) * double(n) * 4 / 1e6, double(n) * double(h) * 4 / 1e6, double(n) * double(n) * 4 / 1e6,
              double(rss_before) / 1e6, double(rss_after) / 1e6);
}

void epochs(const std::string& dir, const std::string& name, int runs) {
  sgc::Dataset d = sgc::load_planetoid(dir, name);
  d.family = "planetoid";
  sgc::Config c = sgc::preset_for(d, sgc::default_operator(), sgc::find_model("tsc")).config;
  c.train.epochs = runs;
  auto m = sgc::make_model(c);
  m->prepare(d, c);
  sgc::Timer timer;
  m->fit(c);
  std::printf("%-8s model at the authors' settings (L=%d, contrast k=%d, exact): %.2f s per epoch (incl. evaluation)\n",
              name.c_str(), c.op.k, c.model_params.contrast_k, timer.seconds() / runs);
}

}  // namespace

int main(int argc, char** argv) {
  sgc::reexec_with_runtime_settings(argv);
  std::string dir = sgc::bench::planetoid_dir();
  int runs = 3, layers = 32;
  CLI::App app{"TSC's parts: the contrastive step, propagation to depth, whole epochs, on Cora and Pubmed."};
  sgc::bench::add_planetoid_dir_option(app, dir);
  sgc::bench::add_runs_option(app, runs);
  app.add_option("--layers", layers, "propagation depth")->capture_default_str()->check(CLI::Range(1, 100000));
  if (const int rc = sgc::bench::parse_command_line(app, argc, argv); rc >= 0) return rc;
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::printf("%s; dense products: %s\n", sgc::bench::host_line().c_str(), sgc::gemm_backend().c_str());
  try {
    contrastive_part("pubmed", 19717, 256, 1);  // first: its peak RSS is the process's
    for (const char* name : {"cora", "pubmed"}) propagation_part(name, problem_of(dir, name, 256), layers, runs);
    contrastive_part("cora", 2708, 256, runs);
    for (const char* name : {"cora", "pubmed"}) epochs(dir, name, runs);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tsc_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
