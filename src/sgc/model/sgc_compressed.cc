// The compressed optimizer as a registry entry (optimizer.h); the algorithm
// and its choices are described in sgc_compressed.h.
#include "sgc/model/sgc_compressed.h"

#include <cmath>

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
  ++t_;
  // The float arithmetic of adam.h, so that k >= d and s >= d give Adam's iterates bit for bit.
  const float b1 = float(kBeta1), b2 = float(kBeta2);
  const float one_minus_b1 = float(1 - kBeta1), one_minus_b2 = float(1 - kBeta2);
  if (wd_ != 0) grad += float(wd_) * theta;
  const double bc1 = 1 - std::pow(kBeta1, t_);
  const double bc2 = 1 - std::pow(kBeta2, t_);
  const float step_size = float(lr_ / bc1);
  const float inv_sqrt_bc2 = float(1.0 / std::sqrt(bc2));
  for (Chunk& ch : chunks_) {
    auto g = grad.segment(ch.lo, ch.size);
    auto x = theta.segment(ch.lo, ch.size);
    if (ch.sketch.identity() && ch.sparsity >= ch.size) {  // no compression, no sparsification: Adam
      ch.m = b1 * ch.m + one_minus_b1 * g;
      ch.v = b2 * ch.v + one_minus_b2 * g.cwiseAbs2();
      x.array() -= step_size * ch.m.array() / (ch.v.array().sqrt() * inv_sqrt_bc2 + float(kEps));
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
    ch.m = b1 * ch.m + one_minus_b1 * p;
    ch.v = b2 * ch.v + one_minus_b2 * p.cwiseAbs2();
    const Eigen::VectorXf u =
        (step_size * ch.m.array() / (ch.v.array().sqrt() * inv_sqrt_bc2 + float(kEps))).matrix();
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
