// The compressed optimizer as a registry entry (optimizer.h); the algorithm
// and its choices are described in sgc_compressed.h.
#include "sgc/model/sgc_compressed.h"

#include <cmath>

#include "sgc/model/adam.h"
#include "sgc/util/timer.h"

namespace sgc {

namespace {
constexpr double kBeta1 = 0.9, kBeta2 = 0.999, kEps = 1e-8;
constexpr int kSketchNnz = 4;   // entries per sketch column
constexpr int64_t kRounds = 16;  // OMP rounds per recovery (columns per round: ceil(2 s / 16))

int64_t share(int64_t total, int parts, int i) { return total / parts + (i < total % parts ? 1 : 0); }
}  // namespace

CompressedAdam::CompressedAdam(int64_t d, const TrainOptions& opt) : lr_(opt.lr), wd_(opt.weight_decay) {
  const int c = int(std::min<int64_t>(opt.chunks, d));
  int64_t lo = 0;
  for (int i = 0; i < c; ++i) {
    const int64_t size = share(d, c, i), k = std::max<int64_t>(1, share(opt.sketch_dim, c, i));
    const int64_t s = std::max<int64_t>(1, share(opt.sparsity, c, i));
    HashedSketch sketch(std::min(k, size), size, kSketchNnz, opt.seed * 0x100000001B3ull + uint64_t(i) + 1);
    const int64_t rows = sketch.rows();
    chunks_.push_back({lo, size, std::min(s, size), sketch, Eigen::VectorXf::Zero(rows), Eigen::VectorXf::Zero(rows)});
    lo += size;
  }
}

int64_t CompressedAdam::state_bytes() const {
  int64_t bytes = 0;
  for (const Chunk& ch : chunks_) bytes += int64_t(sizeof(float)) * (ch.m.size() + ch.v.size());
  return bytes;
}

void CompressedAdam::step(Eigen::VectorXf& theta, Eigen::VectorXf& grad) {
  // Adam's own step (adam.h) on the compressed moments, so that k >= d and s >= d give its iterates bit for bit.
  const AdamStep st = adam_step({lr_, kBeta1, kBeta2, kEps, wd_}, ++t_);
  if (wd_ != 0) grad += float(wd_) * theta;
  for (Chunk& ch : chunks_) {
    auto g = grad.segment(ch.lo, ch.size);
    auto x = theta.segment(ch.lo, ch.size);
    if (ch.sketch.identity() && ch.sparsity >= ch.size) {  // no compression, no sparsification: Adam
      adam_moments(st, ch.m, ch.v, g);
      x.array() -= adam_delta(st, ch.m, ch.v);
      continue;
    }
    // p = A g_s.
    const std::vector<int64_t> keep = top_entries(g, ch.sparsity);
    Eigen::VectorXf p;
    if (ch.sketch.identity()) {
      p.setZero(ch.size);
      for (int64_t j : keep) p[j] = g[j];
    } else {
      std::vector<float> val;
      val.reserve(keep.size());
      for (int64_t j : keep) val.push_back(g[j]);
      ch.sketch.apply(keep, val, p);
    }
    adam_moments(st, ch.m, ch.v, p);
    const Eigen::VectorXf u = adam_delta(st, ch.m, ch.v).matrix();
    Timer timer;
    const SparseVec delta = omp_recover(ch.sketch, u, ch.sparsity, (2 * ch.sparsity + kRounds - 1) / kRounds);
    recovery_seconds_ += timer.seconds();
    for (size_t i = 0; i < delta.idx.size(); ++i) x[delta.idx[i]] -= delta.val[i];
  }
}

namespace {
MinimizeResult compressed_minimize(Eigen::VectorXf& theta, const Objective& f, const TrainOptions& opt) {
  CompressedAdam opt_state(theta.size(), opt);
  Eigen::VectorXf grad;
  MinimizeResult r;
  for (int epoch = 0; epoch < opt.epochs; ++epoch) {
    r.final_loss = f(theta, grad);
    opt_state.step(theta, grad);
    if (opt.on_step) opt.on_step(epoch + 1, r.final_loss);
  }
  r.evaluations = r.steps = opt.epochs;
  return r;
}
}  // namespace

const OptimizerDef& sgc_compressed_optimizer() {
  static const OptimizerDef def{"sgc-compressed",
                                "Sparse Gradient Compression (Yang et al., 2025): Adam with moments compressed to "
                                "--sketch-dim k, top --sparsity s gradient entries, updates recovered by OMP",
                                true,
                                compressed_minimize,
                                {"sketch_dim", "sparsity", "chunks"}};
  return def;
}

}  // namespace sgc
