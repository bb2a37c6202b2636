// `sgc partition` -> `sgc train --partitioned`: each rank reads only its part
// and gets the same accuracy as the in-memory split and as one process
// (contiguous and METIS; transductive on Cora, inductive z-scored on a small
// Reddit-shaped graph). A corrupt or missing part, or a layout written for
// another number of ranks, is the same error on every rank.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>

#include <nlohmann/json.hpp>

#include "dist_util.h"
#include "sgc/data/powerlaw.h"
#include "sgc/dist/dist_job.h"
#include "sgc/dist/part_file.h"
#include "sgc/dist/partition.h"
#include "sgc/dist/rank_part.h"
#include "sgc/io/planetoid.h"
#include "sgc/model/linear_model.h"
#include "sgc/presets.h"

namespace sgc {
namespace {

// A directory every rank names alike (rank 0's pid, broadcast).
std::string shared_dir(const dist::Comm& comm, const char* what) {
  long pid = long(getpid());
  MPI_Bcast(&pid, 1, MPI_LONG, 0, comm.get());
  return (std::filesystem::temp_directory_path() / ("sgc_dist_" + std::string(what) + "_" + std::to_string(pid)))
      .string();
}

void write_on_rank0(const dist::Comm& comm, const Dataset& d, dist::PartitionMethod m, int parts,
                    const std::string& dir) {
  std::string err;
  if (comm.rank() == 0) {
    std::filesystem::remove_all(dir);
    try {
      dist::write_partitioned(d, m, parts, dir);
    } catch (const Error& e) {
      err = e.what();
    }
  }
  dist::agree_or_throw(comm, err);
}

void round_trip(const Dataset& d, const Config& c, const char* what) {
  const dist::Comm comm;
  const Evaluation one = fit_evaluate(precompute(d, c), c.train);
  const std::string dir = shared_dir(comm, "roundtrip");
  for (auto m : {dist::PartitionMethod::Contiguous, dist::PartitionMethod::Metis}) {
    write_on_rank0(comm, d, m, comm.size(), dir);
    const dist::DistOutcome parts = dist::run_distributed(comm, dist::read_part(comm, dir, c), c);
    const dist::DistOutcome memory = dist::run_distributed(comm, dist::distribute(comm, d, c, m), c);
    EXPECT_NEAR(parts.eval.test_acc, one.test_acc, 0.001 + 1e-12) << what << ", " << dist::to_string(m);
    EXPECT_NEAR(parts.eval.val_acc, one.val_acc, 0.001 + 1e-12) << what << ", " << dist::to_string(m);
    EXPECT_NEAR(parts.eval.test_acc, memory.eval.test_acc, 0.001 + 1e-12) << what << ", " << dist::to_string(m);
    EXPECT_EQ(parts.halo_rows, memory.halo_rows) << what;
    if (comm.rank() == 0)
      std::printf("%s, %d rank(s), %s parts: test %.4f (in memory %.4f, one process %.4f)\n", what, comm.size(),
                  dist::to_string(m).c_str(), parts.eval.test_acc, memory.eval.test_acc, one.test_acc);
  }
  comm.barrier();
  if (comm.rank() == 0) std::filesystem::remove_all(dir);
}

TEST(DistPartition, CoraRoundTrip) {
  const Dataset d = load_planetoid(testing::planetoid_dir(), "cora");
  round_trip(d, preset_for("planetoid", "cora", default_operator()).config, "cora");
}

TEST(DistPartition, RedditShapedInductiveRoundTrip) {
  const testing::RedditCase r = testing::small_reddit_inductive(3000, 24, 6, 16, 5, 15);
  round_trip(r.data, r.config, "reddit-shaped (inductive)");
}

TEST(DistPartition, BadLayoutsFailOnEveryRank) {
  const dist::Comm comm;
  const Dataset d = load_planetoid(testing::planetoid_dir(), "cora");
  const Config c = preset_for("planetoid", "cora", default_operator()).config;
  const std::string dir = shared_dir(comm, "bad");
  // Written for one rank more than this run has.
  write_on_rank0(comm, d, dist::PartitionMethod::Contiguous, comm.size() + 1, dir);
  try {
    dist::read_part(comm, dir, c);
    ADD_FAILURE() << "a layout for another number of ranks was accepted";
  } catch (const dist::CollectiveError& e) {
    EXPECT_NE(std::string(e.what()).find("written for " + std::to_string(comm.size() + 1) + " ranks"),
              std::string::npos)
        << e.what();
  }
  // More parts than nodes: refused before anything is written.
  try {
    write_on_rank0(comm, d, dist::PartitionMethod::Contiguous, int(d.num_nodes()) + 1, dir);
    ADD_FAILURE() << "more parts than nodes were accepted";
  } catch (const dist::CollectiveError& e) {
    EXPECT_NE(std::string(e.what()).find("each part needs at least one node"), std::string::npos) << e.what();
  }
  if (comm.rank() == 0) EXPECT_FALSE(std::filesystem::exists(dir));
  // One corrupt byte in the last rank's part.
  write_on_rank0(comm, d, dist::PartitionMethod::Contiguous, comm.size(), dir);
  char name[32];
  std::snprintf(name, sizeof name, "/part-%05d.bin", comm.size() - 1);
  if (comm.rank() == 0) {
    std::fstream f(dir + name, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x7f');
  }
  comm.barrier();
  try {
    dist::read_part(comm, dir, c);
    ADD_FAILURE() << "a corrupt part was accepted";
  } catch (const dist::CollectiveError& e) {
    EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos) << e.what();
  }
  // A missing part.
  comm.barrier();
  if (comm.rank() == 0) std::filesystem::remove(dir + name);
  comm.barrier();
  EXPECT_THROW(dist::read_part(comm, dir, c), dist::CollectiveError);
  comm.barrier();
  if (comm.rank() == 0) std::filesystem::remove_all(dir);
}

// The manifest is hand-editable JSON without a checksum of its own: the
// fields the reader relies on are checked against what sgc partition writes
// and against the parts' headers, naming the manifest or the part.
TEST(DistPartition, EditedManifestsAreRefused) {
  const dist::Comm comm;
  const Dataset d = load_planetoid(testing::planetoid_dir(), "cora");
  const Config c = preset_for("planetoid", "cora", default_operator()).config;
  const std::string dir = shared_dir(comm, "manifest");
  const std::string manifest = dir + "/manifest.json";
  write_on_rank0(comm, d, dist::PartitionMethod::Contiguous, comm.size(), dir);
  std::string original;
  if (comm.rank() == 0) {
    std::ifstream in(manifest);
    original.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto expect_refused = [&](const std::function<void(nlohmann::json&)>& edit, const std::string& needle) {
    if (comm.rank() == 0) {
      nlohmann::json m = nlohmann::json::parse(original);
      edit(m);
      std::ofstream(manifest) << m.dump(1);
    }
    comm.barrier();
    try {
      dist::read_part(comm, dir, c);
      ADD_FAILURE() << "accepted: " << needle;
    } catch (const dist::CollectiveError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
    comm.barrier();
  };
  expect_refused([](nlohmann::json& m) { m["method"] = "spectral"; }, "method \"spectral\"");
  expect_refused([](nlohmann::json& m) { m["files"][0]["file"] = "other.bin"; }, "files[0] names \"other.bin\"");
  expect_refused([](nlohmann::json& m) { m["files"][0]["rows"] = m["files"][0]["rows"].get<int64_t>() - 1; },
                 "rows in all");
  expect_refused([](nlohmann::json& m) { m["dataset"] = ""; }, "no data set name");
  if (comm.size() > 1)  // the same total, another split between the parts: the part's header disagrees
    expect_refused(
        [](nlohmann::json& m) {
          m["files"][0]["rows"] = m["files"][0]["rows"].get<int64_t>() - 1;
          m["files"][1]["rows"] = m["files"][1]["rows"].get<int64_t>() + 1;
        },
        "the manifest says");
  if (comm.rank() == 0) std::filesystem::remove_all(dir);
}

// A part with a valid checksum that is still wrong (hand-made, or written by
// a faulty tool) is refused naming its file: a NaN edge weight was reported
// as a propagation overflow, a bad halo id by the halo exchange without a file.
TEST(DistPartition, DamagedPartsWithValidChecksumsNameTheirFile) {
  const dist::Comm comm;
  const Dataset d = load_planetoid(testing::planetoid_dir(), "cora");
  const Config c = preset_for("planetoid", "cora", default_operator()).config;
  const std::string dir = shared_dir(comm, "damaged");
  const dist::Partition p = dist::contiguous_partition(d.adjacency, comm.size());
  const dist::PartCutter cutter(d, p);
  const int last = comm.size() - 1;
  char name[32];
  std::snprintf(name, sizeof name, "part-%05d.bin", last);
  auto expect_refused = [&](const std::function<void(dist::RankPart&)>& damage, const std::string& needle) {
    dist::RankPart part = cutter.part(comm.rank());
    if (comm.rank() == last) damage(part);
    if (comm.rank() == 0) std::filesystem::remove_all(dir);
    comm.barrier();
    dist::write_rank_parts(comm, part, "contiguous", "cora", "planetoid", cutter.cut(), dir);
    try {
      dist::read_part(comm, dir, c);
      ADD_FAILURE() << "accepted: " << needle;
    } catch (const dist::CollectiveError& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_refused([](dist::RankPart& q) { q.a.values[0] = std::numeric_limits<float>::quiet_NaN(); }, "is not finite");
  // A NaN feature was reported by rank 0 from the z-score sums, naming neither file nor node.
  expect_refused(
      [](dist::RankPart& q) {
        q.x.dense = to_dense(q.x.sparse);
        q.x.sparse = CsrMatrix{};
        q.x.dense(q.rows - 1, 3) = std::numeric_limits<float>::infinity();
      },
      "features of node ");
  // A rank field of all ones was printed as "part of rank 4294967295".
  expect_refused([](dist::RankPart& q) { q.rank = -1; }, "damaged header: it names no rank of the manifest's");
  expect_refused([](dist::RankPart& q) { q.parts += 1; }, "damaged header");
  if (comm.size() > 1) {
    expect_refused([](dist::RankPart& q) { q.rank = 0; }, "holds the part of rank 0, not of rank");
    expect_refused([](dist::RankPart& q) { q.halo[0] = q.first; }, "halo entry 0 (node ");
    expect_refused([](dist::RankPart& q) { q.halo.back() = q.nodes + 5; }, "outside the graph's 2708 nodes");
  }
  comm.barrier();
  if (comm.rank() == 0) std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sgc
