// Tree-structured Parzen Estimator (TPE) for hyperparameter search.
//
// Algorithm: Bergstra, Bardenet, Bengio, Kegl, "Algorithms for Hyper-Parameter
// Optimization", NeurIPS 2011, with the defaults of the hyperopt library
// (hyperopt/tpe.py), re-implemented here from that description:
//   * the first `startup_trials` suggestions are random draws from the prior
//     (uniform, or log-uniform for Scale::Log);
//   * afterwards the observed trials are split by score: the best
//     n_below = min(ceil(gamma * sqrt(n)), 25) form "below" (good), the rest
//     "above" (bad);
//   * for every parameter independently, and in the transformed space (log for
//     Scale::Log), each group gets an adaptive Parzen estimator: a Gaussian
//     mixture of the prior N((low+high)/2, high-low) with weight
//     `prior_weight` plus one Gaussian per observation, whose sigma is the
//     larger gap to its neighbours in sorted order (prior mean included),
//     clipped to [range / min(100, 1 + components), range]; observations older
//     than the newest `linear_forgetting` get linearly decaying weights; the
//     mixture is truncated to [low, high];
//   * `candidates` points are drawn from the "below" mixture l(x) and the one
//     maximising log l(x) - log g(x) (g: the "above" mixture) is suggested.
// Integer parameters are rounded; their likelihood is the probability mass of
// the rounding bin [x - 1/2, x + 1/2] (as hyperopt's quantised distributions).
//
// Randomness comes from std::mt19937_64 seeded with `seed`, turned into
// uniform/normal variates by this file's own code, so a seed gives the same
// suggestions with any standard library.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace sgc::tune {

enum class Scale { Linear, Log };

// One searched parameter. Log: log-uniform on [low, high], low > 0.
// Integer: values are rounded to integers in [ceil(low), floor(high)].
struct ParamSpec {
  std::string name;
  double low = 0.0;
  double high = 1.0;
  Scale scale = Scale::Linear;
  bool integer = false;
};

// One evaluated point; `score` is maximised (NaN counts as the worst score).
struct Trial {
  std::vector<double> params;
  double score = 0.0;
};

struct TpeOptions {
  int trials = 60;             // used by tpe_maximize
  int startup_trials = 20;     // random suggestions before TPE starts
  double gamma = 0.25;         // n_below = min(ceil(gamma * sqrt(n)), 25)
  int candidates = 24;         // draws from l(x) per suggestion
  double prior_weight = 1.0;   // weight of the prior component
  int linear_forgetting = 25;  // newest trials kept at full weight
  uint64_t seed = 0;
};

class TpeSearch {
 public:
  // Throws sgc::ArgumentError (naming the parameter or option) on an invalid
  // space: empty, low >= high, non-finite bounds, low <= 0 for Scale::Log, an
  // integer range with no integer; or invalid options.
  TpeSearch(std::vector<ParamSpec> space, TpeOptions opts);

  // The next point to evaluate (one value per ParamSpec, in order).
  std::vector<double> suggest();
  // Records an evaluated point. Throws sgc::ArgumentError if `params` has the
  // wrong size or a value outside its parameter's bounds.
  void observe(std::vector<double> params, double score);

  const std::vector<Trial>& history() const { return history_; }
  // Highest score (NaN is worst); ties -> earliest trial. Throws sgc::Error if
  // nothing has been observed yet.
  const Trial& best() const;
  const std::vector<ParamSpec>& space() const { return space_; }

 private:
  double uniform01();  // [0, 1), 53 random bits
  double normal();     // standard normal (Box-Muller)
  double sample_prior(const ParamSpec& p);
  double sample_tpe(std::size_t dim, const std::vector<std::size_t>& below,
                    const std::vector<std::size_t>& above);

  std::vector<ParamSpec> space_;
  TpeOptions opts_;
  std::mt19937_64 rng_;
  std::vector<Trial> history_;
};

// Runs `objective` for opts.trials suggested points and returns the best trial.
Trial tpe_maximize(const std::vector<ParamSpec>& space, const TpeOptions& opts,
                   const std::function<double(const std::vector<double>&)>& objective);

}  // namespace sgc::tune
