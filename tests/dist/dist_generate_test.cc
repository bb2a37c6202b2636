// The Reddit-shaped generator on P ranks, each drawing only its rows
// (powerlaw_part.h): every rank's part is bit for bit the part of the
// one-process graph cut into the same contiguous blocks (A, halo degrees,
// labels, split, features), and training on the generated parts gives the
// one-process accuracy.
#include <gtest/gtest.h>

#include <cstdio>

#include "dist_util.h"
#include "sgc/data/powerlaw.h"
#include "sgc/dist/dist_job.h"
#include "sgc/dist/powerlaw_part.h"
#include "sgc/dist/rank_part.h"
#include "sgc/model/linear_model.h"

namespace sgc {
namespace {

TEST(DistGenerate, PartsEqualCuttingTheOneProcessGraph) {
  const dist::Comm comm;
  struct Case {
    int64_t nodes, features;
    int32_t classes;
    double avg_degree, homophily;
    uint64_t seed;
  };
  // Sparse and weakly homophilous; dense hubs inside few classes.
  for (const Case& k : {Case{3000, 24, 6, 16, 0.4, 5}, Case{1500, 7, 3, 80, 0.9, 11}}) {
    PowerLawOptions o;
    o.nodes = k.nodes;
    o.features = k.features;
    o.classes = k.classes;
    o.avg_degree = k.avg_degree;
    o.homophily = k.homophily;
    o.seed = k.seed;
    const dist::GeneratedPart gen = dist::generate_powerlaw_part(comm, o);
    const Dataset d = make_powerlaw(o);
    const dist::Partition p = dist::contiguous_partition(d.adjacency, comm.size());
    const dist::PartCutter cutter(d, p);
    const std::string diff = dist::compare_parts(gen.part, cutter.part(comm.rank()));
    EXPECT_TRUE(diff.empty()) << "rank " << comm.rank() << " of " << comm.size() << ", " << k.nodes
                              << " nodes: the generated part differs in " << diff;
    EXPECT_TRUE(comm.all(diff.empty()));
    EXPECT_EQ(gen.cut, cutter.cut());
    EXPECT_GT(comm.sum(gen.part.a.nnz()), 0);
  }
}

TEST(DistGenerate, TrainingOnGeneratedPartsMatchesOneProcess) {
  const dist::Comm comm;
  const testing::RedditCase r = testing::small_reddit_inductive(3000, 24, 6, 16, 5, 15);
  const Evaluation one = fit_evaluate(precompute(r.data, r.config), r.config.train);
  dist::GeneratedPart gen = dist::generate_powerlaw_part(comm, r.options);
  const dist::DistOutcome parts =
      dist::run_distributed(comm, dist::local_data(comm, std::move(gen.part), r.config, "powerlaw", gen.cut, "generator"),
                            r.config);
  EXPECT_NEAR(parts.eval.test_acc, one.test_acc, 0.001 + 1e-12);
  EXPECT_NEAR(parts.eval.val_acc, one.val_acc, 0.001 + 1e-12);
  EXPECT_NEAR(parts.eval.final_loss, one.final_loss, 1e-4 * std::abs(one.final_loss));
  if (comm.rank() == 0)
    std::printf("reddit-shaped generated on %d rank(s): test %.4f (one process %.4f), loss %.6f (%.6f)\n",
                comm.size(), parts.eval.test_acc, one.test_acc, parts.eval.final_loss, one.final_loss);
}

}  // namespace
}  // namespace sgc
