// Tree-structured Parzen Estimator; see tpe.h for the algorithm and source.
#include "sgc/tune/tpe.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

#include "sgc/error.h"
#include "sgc/util/printable.h"

namespace sgc::tune {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kInf = std::numeric_limits<double>::infinity();

// NaN scores rank below everything else.
double rank_of(double score) { return std::isnan(score) ? -kInf : score; }

// The space the estimators work in: log for Scale::Log, identity otherwise.
double to_t(const ParamSpec& p, double x) { return p.scale == Scale::Log ? std::log(x) : x; }
double from_t(const ParamSpec& p, double t) { return p.scale == Scale::Log ? std::exp(t) : t; }

// Clamps to the bounds; integer parameters are rounded to [ceil(low), floor(high)].
double snap(const ParamSpec& p, double x) {
  if (p.integer) return std::clamp(std::round(x), std::ceil(p.low), std::floor(p.high));
  return std::clamp(x, p.low, p.high);
}

double log_sum_exp(const std::vector<double>& v) {
  double m = *std::max_element(v.begin(), v.end());
  if (m == -kInf) return -kInf;
  double s = 0.0;
  for (double x : v) s += std::exp(x - m);
  return m + std::log(s);
}

// P(a <= Z <= b) for a standard normal Z, accurate in either tail.
double normal_mass(double a, double b) {
  const double r = 1.0 / std::sqrt(2.0);
  double m = a > 0.0 ? std::erfc(a * r) - std::erfc(b * r) : std::erfc(-b * r) - std::erfc(-a * r);
  return std::max(0.0, 0.5 * m);
}

// A Gaussian mixture truncated (as a whole) to [lo, hi], in the transformed space.
struct Mixture {
  std::vector<double> mu, sigma, weight;  // weights sum to 1
  double lo = 0.0, hi = 0.0;
  double log_accept = 0.0;  // log of the untruncated mass inside [lo, hi]

  double log_pdf(double t) const {
    std::vector<double> terms(mu.size());
    for (std::size_t i = 0; i < mu.size(); ++i) {
      double z = (t - mu[i]) / sigma[i];
      terms[i] = std::log(weight[i]) - std::log(sigma[i] * std::sqrt(2.0 * kPi)) - 0.5 * z * z;
    }
    return log_sum_exp(terms) - log_accept;
  }
  double log_mass(double a, double b) const {  // of [a, b] within [lo, hi]
    std::vector<double> terms(mu.size());
    for (std::size_t i = 0; i < mu.size(); ++i)
      terms[i] = std::log(weight[i]) +
                 std::log(normal_mass((a - mu[i]) / sigma[i], (b - mu[i]) / sigma[i]));
    return log_sum_exp(terms) - log_accept;
  }
};

// hyperopt's linear forgetting: the newest `lf` observations weigh 1, older
// ones ramp linearly from 1/n (oldest) towards 1.
std::vector<double> forgetting_weights(std::size_t n, std::size_t lf) {
  std::vector<double> w(n, 1.0);
  if (n < lf) return w;
  std::size_t ramp = n - lf;
  for (std::size_t i = 0; i < ramp; ++i)
    w[i] = ramp == 1 ? 1.0 / n : 1.0 / n + (1.0 - 1.0 / n) * double(i) / double(ramp - 1);
  return w;
}

// The adaptive Parzen estimator of hyperopt over observations `obs` (in trial
// order, transformed space) plus the prior N((lo+hi)/2, hi-lo).
Mixture fit_parzen(const std::vector<double>& obs, double prior_weight, std::size_t lf,
                   double lo, double hi) {
  const double prior_mu = 0.5 * (lo + hi), prior_sigma = hi - lo;
  const std::size_t n = obs.size();
  std::vector<double> w_obs = forgetting_weights(n, lf);
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return obs[a] < obs[b]; });

  Mixture m;
  m.lo = lo;
  m.hi = hi;
  std::size_t prior_pos = 0;  // first sorted observation not below the prior mean
  while (prior_pos < n && obs[order[prior_pos]] < prior_mu) ++prior_pos;
  for (std::size_t i = 0; i <= n; ++i) {
    if (i == prior_pos) {
      m.mu.push_back(prior_mu);
      m.weight.push_back(prior_weight);
    }
    if (i < n) {
      m.mu.push_back(obs[order[i]]);
      m.weight.push_back(w_obs[order[i]]);
    }
  }
  const std::size_t k = m.mu.size();
  m.sigma.assign(k, prior_sigma);
  if (k == 2) {
    m.sigma[1 - prior_pos] = 0.5 * prior_sigma;  // hyperopt's single-observation case
  } else if (k > 2) {
    for (std::size_t i = 0; i < k; ++i) {
      double left = i > 0 ? m.mu[i] - m.mu[i - 1] : 0.0;
      double right = i + 1 < k ? m.mu[i + 1] - m.mu[i] : 0.0;
      m.sigma[i] = std::max(left, right);
    }
  }
  const double min_sigma = prior_sigma / std::min(100.0, 1.0 + double(k));
  for (double& s : m.sigma) s = std::clamp(s, min_sigma, prior_sigma);
  m.sigma[prior_pos] = prior_sigma;

  double total = std::accumulate(m.weight.begin(), m.weight.end(), 0.0);
  double accept = 0.0;
  for (std::size_t i = 0; i < k; ++i) {
    m.weight[i] /= total;
    accept += m.weight[i] * normal_mass((lo - m.mu[i]) / m.sigma[i], (hi - m.mu[i]) / m.sigma[i]);
  }
  m.log_accept = std::log(accept);
  return m;
}

// log-likelihood of the (snapped) value x of parameter p under mixture m.
double log_likelihood(const ParamSpec& p, const Mixture& m, double x) {
  if (!p.integer) return m.log_pdf(to_t(p, x));
  double a = std::max(x - 0.5, p.low), b = std::min(x + 0.5, p.high);
  return m.log_mass(to_t(p, a), to_t(p, b));
}

std::string where(const ParamSpec& p) { return "tpe: parameter '" + p.name + "': "; }

}  // namespace

TpeSearch::TpeSearch(std::vector<ParamSpec> space, TpeOptions opts)
    : space_(std::move(space)), opts_(opts), rng_(opts.seed) {
  if (space_.empty()) throw ArgumentError("tpe: the search space has no parameters");
  for (const ParamSpec& p : space_) {
    if (!std::isfinite(p.low) || !std::isfinite(p.high))
      throw ArgumentError(where(p) + "bounds must be finite");
    if (!(p.low < p.high))
      throw ArgumentError(where(p) + "low (" + format_number(p.low) + ") must be < high (" +
                          format_number(p.high) + ")");
    if (p.scale == Scale::Log && !(p.low > 0.0))
      throw ArgumentError(where(p) + "low (" + format_number(p.low) +
                          ") must be > 0 on a log scale");
    if (p.integer && std::ceil(p.low) > std::floor(p.high))
      throw ArgumentError(where(p) + "integer range contains no integer");
  }
  if (opts_.trials < 1) throw ArgumentError("tpe: trials must be >= 1");
  if (opts_.startup_trials < 0) throw ArgumentError("tpe: startup_trials must be >= 0");
  if (!(opts_.gamma > 0.0 && opts_.gamma <= 1.0))
    throw ArgumentError("tpe: gamma must be in (0, 1]");
  if (opts_.candidates < 1) throw ArgumentError("tpe: candidates must be >= 1");
  if (!(opts_.prior_weight > 0.0 && std::isfinite(opts_.prior_weight)))
    throw ArgumentError("tpe: prior_weight must be finite and > 0");
  if (opts_.linear_forgetting < 1) throw ArgumentError("tpe: linear_forgetting must be >= 1");
}

double TpeSearch::uniform01() { return double(rng_() >> 11) * 0x1.0p-53; }

double TpeSearch::normal() {
  double u1 = 1.0 - uniform01();  // (0, 1]
  double u2 = uniform01();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * kPi * u2);
}

double TpeSearch::sample_prior(const ParamSpec& p) {
  double lo = to_t(p, p.low), hi = to_t(p, p.high);
  return snap(p, from_t(p, lo + (hi - lo) * uniform01()));
}

double TpeSearch::sample_tpe(std::size_t dim, const std::vector<std::size_t>& below,
                             const std::vector<std::size_t>& above) {
  const ParamSpec& p = space_[dim];
  const double lo = to_t(p, p.low), hi = to_t(p, p.high);
  auto fit = [&](const std::vector<std::size_t>& idx) {
    std::vector<double> obs;
    for (std::size_t i : idx) obs.push_back(to_t(p, history_[i].params[dim]));
    return fit_parzen(obs, opts_.prior_weight, std::size_t(opts_.linear_forgetting), lo, hi);
  };
  const Mixture l = fit(below), g = fit(above);

  double best_x = 0.0, best_ei = -kInf;
  for (int c = 0; c < opts_.candidates; ++c) {
    double t;
    do {  // rejection sampling of the truncated mixture; every mean lies in [lo, hi]
      double u = uniform01(), acc = 0.0;
      std::size_t j = 0;
      while (j + 1 < l.weight.size() && (acc += l.weight[j]) <= u) ++j;
      t = l.mu[j] + l.sigma[j] * normal();
    } while (!(t >= lo && t <= hi));
    double x = snap(p, from_t(p, t));
    double ei = log_likelihood(p, l, x) - log_likelihood(p, g, x);
    if (c == 0 || ei > best_ei) {
      best_x = x;
      best_ei = ei;
    }
  }
  return best_x;
}

std::vector<double> TpeSearch::suggest() {
  std::vector<double> x(space_.size());
  const std::size_t n = history_.size();
  if (n == 0 || n < std::size_t(opts_.startup_trials)) {
    for (std::size_t d = 0; d < space_.size(); ++d) x[d] = sample_prior(space_[d]);
    return x;
  }
  // Split by score: the best n_below trials form "below", the rest "above";
  // both keep trial order (which linear forgetting relies on).
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return rank_of(history_[a].score) > rank_of(history_[b].score);
  });
  std::size_t n_below = std::min<std::size_t>(
      std::size_t(std::ceil(opts_.gamma * std::sqrt(double(n)))), opts_.linear_forgetting);
  std::vector<std::size_t> below(order.begin(), order.begin() + n_below);
  std::vector<std::size_t> above(order.begin() + n_below, order.end());
  std::sort(below.begin(), below.end());
  std::sort(above.begin(), above.end());
  for (std::size_t d = 0; d < space_.size(); ++d) x[d] = sample_tpe(d, below, above);
  return x;
}

void TpeSearch::observe(std::vector<double> params, double score) {
  if (params.size() != space_.size())
    throw ArgumentError("tpe: observe() got " + std::to_string(params.size()) +
                        " values for " + std::to_string(space_.size()) + " parameters");
  for (std::size_t d = 0; d < space_.size(); ++d) {
    const ParamSpec& p = space_[d];
    if (!(params[d] >= p.low && params[d] <= p.high))
      throw ArgumentError(where(p) + "observed value " + std::to_string(params[d]) +
                          " is outside [" + format_number(p.low) + ", " +
                          format_number(p.high) + "]");
  }
  history_.push_back(Trial{std::move(params), score});
}

const Trial& TpeSearch::best() const {
  if (history_.empty()) throw Error("tpe: best() called before any trial was observed");
  std::size_t b = 0;
  for (std::size_t i = 1; i < history_.size(); ++i)
    if (rank_of(history_[i].score) > rank_of(history_[b].score)) b = i;
  return history_[b];
}

Trial tpe_maximize(const std::vector<ParamSpec>& space, const TpeOptions& opts,
                   const std::function<double(const std::vector<double>&)>& objective) {
  TpeSearch search(space, opts);
  for (int i = 0; i < opts.trials; ++i) {
    std::vector<double> x = search.suggest();
    double score = objective(x);
    search.observe(std::move(x), score);
  }
  return search.best();
}

}  // namespace sgc::tune
