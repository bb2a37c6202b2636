// Sparse Gradient Compression (Yang, Amiri, Pedapati, Chaudhury & Chen,
// arXiv 2502.00311, sections 3-4): Adam whose moments live in R^k, k << d.
//
// Each step, for the loss gradient g in R^d (plus weight_decay * theta, as the
// engine's Adam does):
//   g_s = the s entries of g largest in magnitude (the rest set to 0)
//   p   = A g_s                      A: a fixed random k x d sketch (sparse_recovery.h)
//   m   = b1 m + (1 - b1) p          v = b2 v + (1 - b2) p * p   (in R^k)
//   u   = lr/(1 - b1^t) m / (sqrt(v / (1 - b2^t)) + eps)          (Adam's bias corrections)
//   theta -= OMP(A, u, s)            the s-sparse update whose measurements are u
// The state is m and v: 2 k floats, whatever d is. Choices the paper leaves
// open: the bias corrections are Adam's, applied in R^k; the support is chosen
// by OMP itself (generalized OMP: ceil(2s/16) columns per round up to 2s, so
// d is scanned at most 16 times per step, then the s largest coefficients are
// kept and refitted); A is a hashed sparse sign matrix with 4
// entries per column (sparse_recovery.h), regenerated on the fly, so it takes
// no memory; with k >= d, A = I and OMP keeps the update's s largest entries
// (k >= d and s >= d is exactly Adam). Chunked variant (paper's section 4.3):
// theta split into c consecutive chunks with k/c, s/c and their own sketch
// each (smaller OMP problems: the cost of a round falls by c).
#pragma once

#include <cstdint>
#include <vector>

#include <Eigen/Dense>

#include "sgc/model/optimizer.h"
#include "sgc/model/sparse_recovery.h"

namespace sgc {

class CompressedAdam {
 public:
  // d parameters; k, s, chunks, lr and weight decay from opt (opt.seed seeds the sketches).
  CompressedAdam(int64_t d, const TrainOptions& opt);

  // One update of theta given the loss gradient (grad is modified: + wd * theta).
  void step(Eigen::VectorXf& theta, Eigen::VectorXf& grad);

  // Bytes of optimizer state (the moments; the sketches are regenerated, not stored).
  int64_t state_bytes() const;
  // Seconds spent in sparse recovery (OMP) so far.
  double recovery_seconds() const { return recovery_seconds_; }

 private:
  struct Chunk {
    int64_t lo = 0, size = 0, sparsity = 0;
    HashedSketch sketch;
    Eigen::VectorXf m, v;
  };
  double lr_, wd_;
  std::vector<Chunk> chunks_;
  int t_ = 0;
  double recovery_seconds_ = 0;
};

}  // namespace sgc
