#include "sgc/data/class_features.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include "sgc/util/interrupt.h"

namespace sgc {

Rng node_rng(uint64_t seed, uint64_t stream, int64_t i) {
  return Rng(splitmix64(seed ^ splitmix64(stream * 0x100000001B3ull + uint64_t(i))));
}

namespace {

// The ziggurat's layers for f(x) = exp(-x^2 / 2): 128 of equal area v, the
// base one (layer 0) holding the tail beyond r. x[i] is layer i's right edge
// (x[0] = v / f(r) for the base, x[1] = r, ..., x[128] = 0) and ratio[i] =
// x[i + 1] / x[i], the part of layer i that lies under f for every height.
struct Ziggurat {
  static constexpr int kLayers = 128;
  static constexpr double kR = 3.442619855899, kV = 9.91256303526217e-3;  // Marsaglia & Tsang's constants
  double x[kLayers + 1], ratio[kLayers];
  Ziggurat() {
    double f = std::exp(-0.5 * kR * kR);
    x[0] = kV / f;
    x[1] = kR;
    x[kLayers] = 0;
    for (int i = 2; i < kLayers; ++i) {
      x[i] = std::sqrt(-2 * std::log(kV / x[i - 1] + f));
      f = std::exp(-0.5 * x[i] * x[i]);
    }
    for (int i = 0; i < kLayers; ++i) ratio[i] = x[i + 1] / x[i];
  }
};

const Ziggurat& ziggurat() {
  static const Ziggurat z;
  return z;
}

}  // namespace

double ziggurat_normal(Rng& rng) {
  const Ziggurat& z = ziggurat();
  for (;;) {
    // One word: bits 0-6 pick the layer, the top 53 a uniform in [-1, 1).
    const uint64_t r = rng.next();
    const int i = int(r & (Ziggurat::kLayers - 1));
    const double u = double(r >> 11) * 0x1.0p-52 - 1.0;
    if (std::abs(u) < z.ratio[i]) return u * z.x[i];
    if (i == 0) {
      // The tail beyond r (Marsaglia, 1964): r + e1 / r with e1, e2 exponential, 2 e2 > (e1 / r)^2.
      double t, e;
      do {
        t = -std::log(1.0 - rng.uniform()) / Ziggurat::kR;
        e = -std::log(1.0 - rng.uniform());
      } while (2 * e < t * t);
      return u < 0 ? -(Ziggurat::kR + t) : Ziggurat::kR + t;
    }
    // The wedge between layers i and i + 1: accept under f.
    const double v = u * z.x[i];
    const double f0 = std::exp(-0.5 * (z.x[i] * z.x[i] - v * v)), f1 = std::exp(-0.5 * (z.x[i + 1] * z.x[i + 1] - v * v));
    if (f1 + rng.uniform() * (f0 - f1) < 1.0) return v;
  }
}

DenseMatrix class_gaussian_features(const std::vector<int32_t>& labels, int32_t classes, int64_t dim, double signal,
                                    double noise, uint64_t seed, int64_t first, GaussianDraw draw) {
  DenseMatrix mu(classes, dim);
  Rng mean_rng(splitmix64(seed ^ 0xC1A55ull));
  const double scale = signal / std::sqrt(double(dim));
  for (Eigen::Index c = 0; c < mu.rows(); ++c)
    for (Eigen::Index j = 0; j < mu.cols(); ++j) mu(c, j) = float(scale * mean_rng.normal());
  const int64_t n = int64_t(labels.size());
  DenseMatrix x(n, dim);
  (void)ziggurat();  // the tables, before the threads
  // In blocks of about 2^24 values with an interrupt check between (each
  // row's draws depend on its id only).
  const int64_t block = std::max<int64_t>(1, (int64_t(1) << 24) / std::max<int64_t>(1, dim));
  for (int64_t lo = 0; lo < n; lo += block) {
    check_interrupt();
    const int64_t hi = std::min(n, lo + block);
#pragma omp parallel for schedule(static)
    for (int64_t i = lo; i < hi; ++i) {
      Rng rng = node_rng(seed, 4, first + i);
      const float* m = mu.row(labels[size_t(i)]).data();
      float* row = x.row(i).data();
      if (draw == GaussianDraw::Ziggurat)
        for (int64_t j = 0; j < dim; ++j) row[j] = m[j] + float(noise * ziggurat_normal(rng));
      else
        for (int64_t j = 0; j < dim; ++j) row[j] = m[j] + float(noise * rng.normal());
    }
  }
  return x;
}

std::vector<int32_t> random_order(int64_t n, uint64_t seed) {
  std::vector<int32_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  Rng rng(splitmix64(seed ^ 0x5917ull));
  for (int64_t i = n - 1; i > 0; --i) {
    check_interrupt_every(i);
    std::swap(order[i], order[rng.below(uint64_t(i) + 1)]);
  }
  return order;
}

}  // namespace sgc
