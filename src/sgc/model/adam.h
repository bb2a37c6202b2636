// Adam (Kingma & Ba, ICLR 2015) with PyTorch's semantics: L2 weight decay is
// added to the gradient (not decoupled as in AdamW), and the bias corrections
// are folded into the step size and the denominator as torch.optim.Adam does.
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

class Adam {
 public:
  Adam(Eigen::Index size, AdamOptions opt)
      : opt_(opt), m_(Eigen::VectorXf::Zero(size)), v_(Eigen::VectorXf::Zero(size)) {}

  // One update of theta given the loss gradient (grad is modified: + wd * theta).
  void step(Eigen::VectorXf& theta, Eigen::VectorXf& grad) {
    ++t_;
    // 1 - beta in double, then rounded, as torch does (float(0.999) is not 0.999).
    const float b1 = float(opt_.beta1), b2 = float(opt_.beta2);
    const float one_minus_b1 = float(1 - opt_.beta1), one_minus_b2 = float(1 - opt_.beta2);
    if (opt_.weight_decay != 0) grad += float(opt_.weight_decay) * theta;
    m_ = b1 * m_ + one_minus_b1 * grad;
    v_ = b2 * v_ + one_minus_b2 * grad.cwiseAbs2();
    const double bc1 = 1 - std::pow(opt_.beta1, t_);
    const double bc2 = 1 - std::pow(opt_.beta2, t_);
    const float step_size = float(opt_.lr / bc1);
    const float inv_sqrt_bc2 = float(1.0 / std::sqrt(bc2));
    theta.array() -= step_size * m_.array() / (v_.array().sqrt() * inv_sqrt_bc2 + float(opt_.eps));
  }

 private:
  AdamOptions opt_;
  Eigen::VectorXf m_, v_;
  int t_ = 0;
};

}  // namespace sgc
