// Training on P ranks gives the single-process accuracy (same seed, within
// 0.1 point) on Cora and Pubmed with the paper's settings (Adam), for the
// contiguous and the METIS partition, and on a small Reddit-shaped graph
// under the Reddit protocol (inductive, z-scored features, L-BFGS).
#include <gtest/gtest.h>

#include <cstdio>

#include "dist_util.h"
#include "sgc/data/powerlaw.h"
#include "sgc/dist/dist_job.h"
#include "sgc/io/planetoid.h"
#include "sgc/model/linear_model.h"
#include "sgc/presets.h"

namespace sgc {
namespace {

void expect_same_accuracy(const Dataset& d, const Config& c, const char* what) {
  const dist::Comm comm;
  const Evaluation one = fit_evaluate(precompute(d, c), c.train);
  for (auto m : {dist::PartitionMethod::Contiguous, dist::PartitionMethod::Metis}) {
    const dist::DistOutcome many = dist::run_distributed(comm, dist::distribute(comm, d, c, m), c);
    EXPECT_NEAR(many.eval.test_acc, one.test_acc, 0.001 + 1e-12) << what << ", " << dist::to_string(m);
    EXPECT_NEAR(many.eval.val_acc, one.val_acc, 0.001 + 1e-12) << what << ", " << dist::to_string(m);
    EXPECT_NEAR(many.eval.final_loss, one.final_loss, 1e-3 * std::abs(one.final_loss)) << what;
    // Every rank holds the same model.
    std::vector<double> w(many.model.theta.data(), many.model.theta.data() + many.model.theta.size());
    std::vector<double> sum = w;
    comm.sum_in_rank_order(sum);
    double spread = 0;
    for (size_t i = 0; i < w.size(); ++i) spread = std::max(spread, std::abs(sum[i] - comm.size() * w[i]));
    EXPECT_EQ(comm.all(spread == 0), true) << what << ": ranks hold different weights";
    if (comm.rank() == 0)
      std::printf("%s, %d rank(s), %s: test %.4f (one process %.4f), val %.4f (%.4f)\n", what, comm.size(),
                  dist::to_string(m).c_str(), many.eval.test_acc, one.test_acc, many.eval.val_acc, one.val_acc);
  }
}

TEST(DistAccuracy, PlanetoidMatchesOneProcess) {
  for (const char* name : {"cora", "pubmed"}) {
    const Dataset d = load_planetoid(testing::planetoid_dir(), name);
    expect_same_accuracy(d, preset_for("planetoid", name, default_operator()).config, name);
  }
}

TEST(DistAccuracy, RedditShapedInductiveMatchesOneProcess) {
  const testing::RedditCase r = testing::small_reddit_inductive(4000, 32, 8, 20, 3, 20);
  expect_same_accuracy(r.data, r.config, "reddit-shaped (inductive)");
}

}  // namespace
}  // namespace sgc
