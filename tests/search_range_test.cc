// `sgc tune`'s ranges for the parameters of optimizers and models
// (presets.h search_range): every numeric parameter has one, its ends lie in
// the parameter's domain, and the ranges of one optimizer combine into valid
// configurations at every corner; names nobody reads are refused with a hint.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "sgc/error.h"
#include "sgc/model/config.h"
#include "sgc/model/model.h"
#include "sgc/presets.h"
#include "test_util.h"

namespace sgc {
namespace {

nlohmann::json value_of(const SearchRange& r, bool high) {
  const double v = high ? r.high : r.low;
  return r.integer ? nlohmann::json(std::llround(v)) : nlohmann::json(v);
}

TEST(SearchRange, EveryOptimizerParameterHasAValidRange) {
  for (const OptimizerDef* opt : optimizers()) {
    std::vector<SearchRange> ranges;
    for (std::string_view name : opt->params) {
      const SearchRange r = search_range(name, default_operator(), *opt);
      const OptimizerParamDef* d = find_optimizer_param(name);
      ASSERT_NE(d, nullptr) << name;
      EXPECT_LT(r.low, r.high) << name;
      EXPECT_EQ(r.integer, d->integer) << name;
      if (r.log) EXPECT_GT(r.low, 0) << name;
      EXPECT_FALSE(r.by_default) << name << ": searched only when named";
      ranges.push_back(r);
    }
    // Every corner of the optimizer's ranges together is a valid configuration
    // (chunks <= sparsity <= sketch_dim hold throughout).
    for (uint32_t corner = 0; corner < (1u << ranges.size()); ++corner) {
      TrainOptions o;
      o.optimizer = opt;
      for (size_t i = 0; i < ranges.size(); ++i)
        find_optimizer_param(ranges[i].name)->set(o, value_of(ranges[i], corner >> i & 1));
      EXPECT_NO_THROW(validate_train_options(o)) << opt->name << " corner " << corner;
    }
  }
}

TEST(SearchRange, EveryNumericModelParameterHasAValidRange) {
  int checked = 0;
  for (const ModelDef* model : models())
    for (std::string_view name : model->params) {
      const ModelParamDef* d = find_model_param(name);
      ASSERT_NE(d, nullptr) << name;
      if (d->type == ModelParamDef::Type::Choice) {
        EXPECT_THROW(search_range(name, default_operator(), default_optimizer(), *model), ArgumentError) << name;
        continue;
      }
      const SearchRange r = search_range(name, default_operator(), default_optimizer(), *model);
      EXPECT_LT(r.low, r.high) << name;
      EXPECT_EQ(r.integer, d->type == ModelParamDef::Type::Int) << name;
      for (const bool high : {false, true}) {
        ModelParams p;
        EXPECT_NO_THROW(d->set(p, value_of(r, high))) << name << (high ? " high" : " low");
      }
      ++checked;
    }
  EXPECT_GE(checked, 8);  // tsc's and acm's numeric parameters
}

TEST(SearchRange, ParametersNobodyReadsAreRefusedWithAHint) {
  // rho belongs to scrn / scrn-zo, not to the default Adam.
  try {
    search_range("rho", default_operator());
    FAIL() << "rho searched with adam";
  } catch (const ArgumentError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("scrn"), std::string::npos) << m;
    EXPECT_NE(m.find("--optimizer"), std::string::npos) << m;
  }
  try {
    search_range("tau", default_operator());
    FAIL() << "tau searched with the linear model";
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("tsc"), std::string::npos) << e.what();
  }
  EXPECT_THROW(search_range("no_such", default_operator()), ArgumentError);
  // The operators' own and the training's ranges are unchanged.
  EXPECT_EQ(search_range("lr", default_operator()).high, 2);
  EXPECT_TRUE(search_range("k", default_operator()).integer);
}

// Through the command line: `sgc tune --optimizer scrn --search rho,batch_size`.
TEST(SearchRange, TuneSearchesOptimizerParameters) {
  const testing::CliRun run = testing::run_cli(
      "tune --nodes 2000 --threads 1 --optimizer scrn --epochs 4 --search rho,batch_size --range rho=1e-4:1e-1 "
      "--trials 3 --json");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const nlohmann::json j = nlohmann::json::parse(run.output.substr(run.output.find('{')));
  EXPECT_EQ(j["searched"]["rho"]["scale"], "log");
  EXPECT_EQ(j["searched"]["rho"]["high"], 1e-1);
  EXPECT_TRUE(j["searched"]["batch_size"]["integer"].get<bool>());
  const double rho = j["best"]["rho"].get<double>();
  EXPECT_GE(rho, 1e-4);
  EXPECT_LE(rho, 1e-1);
  const testing::CliRun refused = testing::run_cli("tune --nodes 2000 --threads 1 --search rho --trials 2");
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("--optimizer"), std::string::npos) << refused.output;
}

// Both ends of every searched range are checked before the first trial,
// whoever reads the parameter: the training's and the optimizer's ranges too,
// not only the operator's (they failed in the trial that drew the bad end).
TEST(SearchRange, EndsOutsideATrainingParametersDomainAreRefusedFirst) {
  for (const char* range : {"--optimizer scrn --search cubic_iters --range cubic_iters=5:1e9",
                            "--model acm --k 4 --search dropout --range dropout=0:2"}) {
    const testing::CliRun run =
        testing::run_cli(std::string("tune --nodes 2000 --threads 1 --epochs 4 --trials 2 ") + range);
    EXPECT_EQ(run.exit_code, 1) << range << ": " << run.output;
    EXPECT_NE(run.output.find("--range"), std::string::npos) << range << ": " << run.output;
    EXPECT_EQ(run.output.find("best "), std::string::npos) << range << ": the search ran: " << run.output;
  }
}

}  // namespace
}  // namespace sgc
