// Tests for the Tree-structured Parzen Estimator (src/sgc/tune/tpe.h).
#include "sgc/tune/tpe.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "sgc/error.h"

namespace sgc::tune {
namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

// A 1-D problem with its optimum at x = 1e-6 on a log-uniform range (a weight decay's scale).
double peak_at_1e6(const std::vector<double>& x) {
  double d = std::log10(x[0]) + 6.0;
  return -d * d;
}

std::vector<ParamSpec> log_space() { return {{"lr", 1e-10, 1e-4, Scale::Log}}; }

std::vector<std::vector<double>> run_suggestions(uint64_t seed, int n) {
  TpeOptions o;
  o.seed = seed;
  TpeSearch s(log_space(), o);
  std::vector<std::vector<double>> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(s.suggest());
    s.observe(out.back(), peak_at_1e6(out.back()));
  }
  return out;
}

TEST(Tpe, SameSeedSameSuggestions) {
  auto a = run_suggestions(7, 40), b = run_suggestions(7, 40);
  EXPECT_EQ(a, b);  // exact, including the 20 TPE (post-startup) suggestions
  EXPECT_NE(a, run_suggestions(8, 40));
}

TEST(Tpe, SuggestionsStayInBoundsAndIntegersAreRounded) {
  std::vector<ParamSpec> space = {{"lin", -2.0, 3.0, Scale::Linear},
                                  {"log", 1e-5, 1e-1, Scale::Log},
                                  {"k", 1.0, 10.0, Scale::Linear, true},
                                  {"hidden", 2.0, 1000.0, Scale::Log, true},
                                  {"odd", 0.5, 4.5, Scale::Linear, true}};
  TpeOptions o;
  o.seed = 3;
  o.startup_trials = 10;
  TpeSearch s(space, o);
  for (int t = 0; t < 80; ++t) {
    std::vector<double> x = s.suggest();
    ASSERT_EQ(x.size(), space.size());
    for (std::size_t d = 0; d < space.size(); ++d) {
      const ParamSpec& p = space[d];
      double lo = p.integer ? std::ceil(p.low) : p.low;
      double hi = p.integer ? std::floor(p.high) : p.high;
      EXPECT_GE(x[d], lo) << p.name;
      EXPECT_LE(x[d], hi) << p.name;
      if (p.integer) {
        EXPECT_EQ(x[d], std::round(x[d])) << p.name;
      }
    }
    // Push towards the edges so truncation at the bounds is exercised.
    s.observe(x, x[0] + std::log(x[1]) + x[2] - std::log(x[3]) + x[4]);
  }
  EXPECT_EQ(s.history().size(), 80u);
}

void expect_argument_error(const std::vector<ParamSpec>& space, const TpeOptions& o,
                           const std::string& needle) {
  try {
    TpeSearch s(space, o);
    ADD_FAILURE() << "no exception, expected one mentioning " << needle;
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(Tpe, InvalidSpecsThrowArgumentError) {
  TpeOptions o;
  expect_argument_error({}, o, "no parameters");
  expect_argument_error({{"alpha", 1.0, 1.0, Scale::Linear}}, o, "alpha");
  expect_argument_error({{"beta", 2.0, 1.0, Scale::Linear}}, o, "beta");
  expect_argument_error({{"wd", 0.0, 1.0, Scale::Log}}, o, "wd");
  expect_argument_error({{"wd2", -1.0, 1.0, Scale::Log}}, o, "wd2");
  expect_argument_error({{"nan", kNaN, 1.0, Scale::Linear}}, o, "nan");
  expect_argument_error({{"inf", 0.0, INFINITY, Scale::Linear}}, o, "inf");
  expect_argument_error({{"k", 0.2, 0.8, Scale::Linear, true}}, o, "k");
  std::vector<ParamSpec> ok = {{"x", 0.0, 1.0, Scale::Linear}};
  TpeOptions bad = o;
  bad.trials = 0;
  expect_argument_error(ok, bad, "trials");
  bad = o;
  bad.gamma = 0.0;
  expect_argument_error(ok, bad, "gamma");
  bad = o;
  bad.candidates = 0;
  expect_argument_error(ok, bad, "candidates");
  bad = o;
  bad.prior_weight = 0.0;
  expect_argument_error(ok, bad, "prior_weight");
  bad = o;
  bad.startup_trials = -1;
  expect_argument_error(ok, bad, "startup_trials");
}

TEST(Tpe, ObserveValidatesAndBestBreaksTiesEarliest) {
  TpeSearch s({{"x", 0.0, 1.0, Scale::Linear}, {"y", 1.0, 2.0, Scale::Log}}, TpeOptions{});
  EXPECT_THROW(s.best(), Error);
  EXPECT_THROW(s.observe({0.5}, 1.0), ArgumentError);
  EXPECT_THROW(s.observe({0.5, 3.0}, 1.0), ArgumentError);
  EXPECT_THROW(s.observe({kNaN, 1.5}, 1.0), ArgumentError);
  s.observe({0.1, 1.1}, kNaN);
  EXPECT_EQ(s.best().params[0], 0.1);  // the only trial, even if NaN
  s.observe({0.2, 1.2}, -5.0);
  EXPECT_EQ(s.best().params[0], 0.2);  // NaN ranks below any number
  s.observe({0.3, 1.3}, 2.0);
  s.observe({0.4, 1.4}, 2.0);
  EXPECT_EQ(s.best().params[0], 0.3);  // tie -> earliest
  s.observe({0.5, 1.5}, kNaN);
  EXPECT_EQ(s.history().size(), 5u);
  EXPECT_NO_THROW(s.suggest());  // NaN trials are used as the worst ones
}

TEST(Tpe, FindsLogScaleOptimumAndBeatsRandomSearch) {
  double tpe_regret = 0.0, random_regret = 0.0;
  const int seeds = 10;
  for (int seed = 0; seed < seeds; ++seed) {
    TpeOptions o;
    o.trials = 60;
    o.seed = uint64_t(seed);
    Trial best = tpe_maximize(log_space(), o, peak_at_1e6);
    EXPECT_LT(std::abs(std::log10(best.params[0]) + 6.0), 0.3) << "seed " << seed;
    tpe_regret += -best.score;

    TpeOptions r = o;
    r.startup_trials = r.trials;  // every suggestion a prior draw: random search
    random_regret += -tpe_maximize(log_space(), r, peak_at_1e6).score;
  }
  tpe_regret /= seeds;
  random_regret /= seeds;
  RecordProperty("tpe_mean_regret", std::to_string(tpe_regret));
  RecordProperty("random_mean_regret", std::to_string(random_regret));
  EXPECT_LT(tpe_regret, random_regret);
}

TEST(Tpe, Converges2DWithLogAndLinearParams) {
  // Optimum at lr = 1e-3, dropout = 0.3.
  auto f = [](const std::vector<double>& x) {
    double a = std::log10(x[0]) + 3.0, b = (x[1] - 0.3) * 5.0;
    return -(a * a + b * b);
  };
  std::vector<ParamSpec> space = {{"lr", 1e-6, 1.0, Scale::Log},
                                  {"dropout", 0.0, 0.9, Scale::Linear}};
  for (uint64_t seed : {1u, 2u, 3u}) {
    TpeOptions o;
    o.trials = 100;
    o.seed = seed;
    Trial best = tpe_maximize(space, o, f);
    EXPECT_LT(std::abs(std::log10(best.params[0]) + 3.0), 0.5) << "seed " << seed;
    EXPECT_LT(std::abs(best.params[1] - 0.3), 0.1) << "seed " << seed;
  }
}

}  // namespace
}  // namespace sgc::tune
