// ACM: Aggregation on a Compact Manifold, on SGC (Zhou et al., "Alleviating
// Over-Smoothing via Aggregation over Compact Manifolds", PAKDD 2024, arXiv
// 2407.19231; the authors' simpleGCN_ACM in github.com/DongzhuoranZhou/ACM).
//
//   Z_0 = dropout(X, p) W                    W: F x C, no bias (glorot)
//   for k = 1..K:  U = S Z_{k-1},   Z_k,i = U_i / sqrt(sum_c w_c U_ic^2 + 1e-6)
//   loss = mean over the training rows of -log softmax(Z_K)_y
//
// Each step projects the rows back onto the ellipsoid sum_c w_c z_c^2 = 1, so
// K products by S cannot collapse them to a point (SGC's over-smoothing).
// w = |v| is learned (the authors overwrite v by |v| before each forward, so
// Adam updates |v|; reproduced here) or fixed to 1 (--metric unit: the unit
// sphere). S is the sgc operator's normalisation (default D~^-1/2 (A+I) D~^-1/2);
// K is --k. The projection is nonlinear, so propagation runs inside training
// on N x C; the gradients are written by hand (acm_steps.h). Training: Adam
// with L2 weight decay on W and v, c.train.epochs full-batch steps, keeping
// the weights of the first epoch with the best validation accuracy
// (--checkpoint), evaluated without dropout.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Dense>

#include "sgc/dense.h"
#include "sgc/graph/csr.h"
#include "sgc/model/model.h"

namespace sgc {

template <class T>
using AcmMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using AcmVector = Eigen::Matrix<T, Eigen::Dynamic, 1>;

// Z_K for Z_0 = x w_in, x sparse N x F (dropout already applied to its
// values), the metric w (C; all ones for the unit sphere). The steps and their
// gradient are AcmSteps (acm_steps.h); these two are for one-off calls.
template <class T>
AcmMatrix<T> acm_forward(const CsrMatrix& s, const CsrMatrix& x, const AcmMatrix<T>& w_in, const AcmVector<T>& w,
                         int k);

// Mean cross-entropy of log softmax(Z_K) over `rows` (labels y) and its
// gradients with respect to w_in and the metric w (computed for any w: with
// the unit metric the caller ignores it); S must be symmetric. Forward and
// gradient in T (the gradient rescaled every step: see acm_steps.h).
template <class T>
double acm_loss_grad(const CsrMatrix& s, const CsrMatrix& x, const AcmMatrix<T>& w_in, const AcmVector<T>& w, int k,
                     const std::vector<int32_t>& rows, const std::vector<int32_t>& y, AcmMatrix<T>& grad_w_in,
                     AcmVector<T>& grad_w);

// x with each stored value dropped with probability p and the rest scaled by
// 1/(1-p) (as torch's dropout); the draws depend on (seed, epoch, row) only,
// so the result does not depend on the thread count.
void acm_dropout(const CsrMatrix& x, double p, uint64_t seed, int epoch, CsrMatrix& out);

class AcmModel : public Model {
 public:
  std::string prepare_key(const Config& c) const override;
  void prepare(Dataset data, const Config& c, StageTimes* times = nullptr) override;
  Evaluation fit(const Config& c, StageTimes* times = nullptr) override;
  Prediction predict(Dataset data, const Config& c) const override;
  ModelState state() const override;
  void set_state(const ModelState& s, const Config& c) override;
  // Z_K recomputed in double from the formula above (no padding, renumbering
  // or blocked sweeps of acm_steps.h) against the float steps.
  VerifyReport verify(Dataset, const Config& c) const override;
  // Z after the K projected steps (no dropout): what the softmax reads.
  DenseMatrix representation(Dataset, const Config& c) const override {
    return acm_forward<float>(s_, x_, w_in_, w_, c.op.k);
  }

  const DenseMatrix& weights() const { return w_in_; }
  const Eigen::VectorXf& metric() const { return w_; }

 private:
  CsrMatrix s_, x_;  // the operator and the normalised features (sparse)
  std::vector<int32_t> train_, val_, test_;
  std::vector<int32_t> train_y_, val_y_, test_y_;
  int32_t classes_ = 0;
  std::string name_;     // the data set prepared, for messages
  DenseMatrix w_in_;     // F x C
  Eigen::VectorXf w_;    // C, the metric weights used (|v|, or ones)
};

const ModelDef& acm_model();

struct Preset;
// The authors' settings for `--model acm` (ModelDef::preset): Adam, lr,
// weight decay and epochs by data set (Cora, Citeseer, Pubmed, Coauthor CS;
// elsewhere their defaults), dropout 0.6.
void acm_preset(std::string_view family, std::string_view name, Preset& p);

}  // namespace sgc
