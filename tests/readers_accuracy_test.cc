// SGC on Amazon Computers and Coauthor CS (shared/data/graphdata, pickled
// scipy matrices inside npz) with the split of Shchur et al. 2018: 20 labelled
// nodes per class for training, 30 per class for validation, the rest for
// testing, drawn with the fixed seed 0 (LoadOptions split 0). Propagation
// (K = 2) must beat the same regression on the raw features (K = 0).
// The same numbers come from the command line:
//   sgc train --dataset amazon_cs --k 2   (and --k 0; likewise coauthor_cs)
#include <gtest/gtest.h>

#include <cstdio>

#include "sgc/io/load.h"
#include "sgc/model/linear_model.h"
#include "sgc/presets.h"
#include "test_util.h"

namespace sgc {
namespace {

class GraphDataAccuracy : public ::testing::TestWithParam<const char*> {};

TEST_P(GraphDataAccuracy, PropagationBeatsRawFeatures) {
  LoadOptions o;
  o.dir = testing::data_dir();
  Dataset d = load_dataset(GetParam(), o);
  // K = 2, Adam lr 0.2, 100 epochs, no weight decay
  const Config cfg = preset_for(d, default_operator()).config;
  Config raw = cfg;
  raw.op.k = 0;
  const Evaluation k0 = fit_evaluate(precompute(d, raw), cfg.train);
  const Evaluation k2 = fit_evaluate(precompute(std::move(d), cfg), cfg.train);
  std::printf("%s: test accuracy K=2 %.4f, K=0 %.4f (val %.4f / %.4f)\n", GetParam(), k2.test_acc, k0.test_acc,
              k2.val_acc, k0.val_acc);
  EXPECT_EQ(cfg.op.k, 2);
  EXPECT_GT(k2.test_acc, k0.test_acc + 0.01);
  EXPECT_GT(k2.val_acc, k0.val_acc);
}

INSTANTIATE_TEST_SUITE_P(Shchur2018, GraphDataAccuracy, ::testing::Values("amazon_cs", "coauthor_cs"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace sgc
