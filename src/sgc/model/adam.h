// Adam (Kingma & Ba, ICLR 2015) with PyTorch's semantics: L2 weight decay is
// added to the gradient (not decoupled as in AdamW), and the bias corrections
// are folded into the step size and the denominator as torch.optim.Adam does.
// The step is three pieces over moment vectors the caller owns (adam_step,
// adam_moments, adam_delta), so that other optimizers keeping Adam's moments
// elsewhere (sgc_compressed.h: compressed to R^k) take the same step.
#pragma once

#include <cmath>

#include <Eigen/Dense>

namespace sgc {

struct AdamOptions {
  double lr = 0.01;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
};

// One step's constants, t = 1, 2, ...: betas and 1 - beta rounded to float
// from double, as torch does (float(0.999) is not 0.999), and the bias
// corrections folded into the step size and the denominator.
struct AdamStep {
  float b1, b2, one_minus_b1, one_minus_b2;
  float step_size;     // lr / (1 - beta1^t)
  float inv_sqrt_bc2;  // 1 / sqrt(1 - beta2^t)
  float eps;
};
inline AdamStep adam_step(const AdamOptions& o, int t) {
  return {float(o.beta1),
          float(o.beta2),
          float(1 - o.beta1),
          float(1 - o.beta2),
          float(o.lr / (1 - std::pow(o.beta1, t))),
          float(1.0 / std::sqrt(1 - std::pow(o.beta2, t))),
          float(o.eps)};
}

// The moment update on the caller's m and v (any length, e.g. compressed
// moments): m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2.
template <class G>
inline void adam_moments(const AdamStep& s, Eigen::VectorXf& m, Eigen::VectorXf& v, const G& g) {
  m = s.b1 * m + s.one_minus_b1 * g;
  v = s.b2 * v + s.one_minus_b2 * g.cwiseAbs2();
}

// The update to subtract from the parameters, as an array expression over m and v:
// lr/(1 - b1^t) m / (sqrt(v) / sqrt(1 - b2^t) + eps).
inline auto adam_delta(const AdamStep& s, const Eigen::VectorXf& m, const Eigen::VectorXf& v) {
  return s.step_size * m.array() / (v.array().sqrt() * s.inv_sqrt_bc2 + s.eps);
}

class Adam {
 public:
  Adam(Eigen::Index size, AdamOptions opt)
      : opt_(opt), m_(Eigen::VectorXf::Zero(size)), v_(Eigen::VectorXf::Zero(size)) {}

  // One update of theta given the loss gradient (grad is modified: + wd * theta).
  void step(Eigen::VectorXf& theta, Eigen::VectorXf& grad) {
    const AdamStep s = adam_step(opt_, ++t_);
    if (opt_.weight_decay != 0) grad += float(opt_.weight_decay) * theta;
    adam_moments(s, m_, v_, grad);
    theta.array() -= adam_delta(s, m_, v_);
  }

 private:
  AdamOptions opt_;
  Eigen::VectorXf m_, v_;
  int t_ = 0;
};

}  // namespace sgc
