// SGC + TSC, the Two-Sided Constraint against over-smoothing (Peng et al.,
// KDD 2024, arXiv 2408.03152; the authors' TSC_SGC_C / TSC_SGC_P):
//   H_0   = X W_1 + b_1   (row-normalised X; Pubmed: a second linear layer,
//                          no activation between)
//   H_L   = L masked weight-free steps of S (model/tsc_steps.h)
//   logits = H_L W_c + b_c, cross-entropy on the training nodes
//   + the contrastive constraint between H_{i+1} and H_i at the contrastive
//     steps (model/contrastive.h), weighted by --contrast-weight.
// Adam on all weights for a fixed number of epochs; the masks (and contrast
// dropout) are redrawn every epoch from the seed. After each epoch the model
// is scored with the expected operator (deterministic; --inference sampled
// draws masks as the authors' code does) and the best-validation epoch is
// kept (--checkpoint). L is the operator's K (--op sgc, --k).
#pragma once

#include <cstdint>
#include <vector>

#include "sgc/dense.h"
#include "sgc/graph/csr.h"
#include "sgc/model/model.h"
#include "sgc/model/tsc_steps.h"

namespace sgc {

// Layout of TSC's weights in one vector:
// [W_1 (F x h), b_1 (h), (W_2 (h x h), b_2 (h)), W_c (h x C), b_c (C)], row-major.
struct TscShape {
  int64_t features = 0, hidden = 0, classes = 0;
  int encoder_layers = 1;
  int64_t size() const;
  int64_t classifier_offset() const;
};

// Everything one training step needs, for the model and the benchmark.
struct TscProblem {
  CsrMatrix s;   // normalised adjacency (symmetric)
  CsrMatrix x;   // normalised features, N x F
  CsrMatrix xt;  // x transposed
  std::vector<int32_t> train, val, test;
  std::vector<int32_t> labels;  // per node
  TscShape shape;
};

struct TscStepTimes {
  double encoder = 0, propagation = 0, contrastive = 0, classifier = 0;
};

// Loss and gradient of one forward/backward pass with the given masks;
// `contrast_seed` seeds dropout and sampled negatives.
double tsc_loss_grad(const TscProblem& p, const ModelParams& mp, const TscMasks& masks,
                     const Eigen::VectorXf& theta, Eigen::VectorXf& grad, uint64_t contrast_seed,
                     TscStepTimes* times = nullptr);

// H_0 for every node.
DenseMatrix tsc_encode(const TscShape& shape, const CsrMatrix& x, const Eigen::VectorXf& theta);
// Class scores of every node from H_0 (expected operator, or masks drawn from `seed`).
DenseMatrix tsc_scores(const TscShape& shape, const CsrMatrix& s, DenseMatrix h0, int layers, const ModelParams& mp,
                       const Eigen::VectorXf& theta, uint64_t seed);

const ModelDef& tsc_model();

}  // namespace sgc
