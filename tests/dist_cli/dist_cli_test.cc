// The distributed command line, run as a user would (this test is one
// process; it starts `mpirun -np P sgc ...` under a timeout):
//   * `mpirun sgc train --generator powerlaw` (each rank draws its rows) gives
//     the one-process accuracy, and `mpirun sgc partition --generator
//     powerlaw` writes the same bytes as partitioning the one-process graph;
//   * `mpirun sgc predict` writes the one-process predictions (rank 0, atomically),
//     from a loaded, a partitioned and a generated graph;
//   * a rank that dies mid-run (SGC_DIST_FAULT, the test hook in comm.h) or
//     an MPI error ends every rank with a non-zero status and a message,
//     never a hang; so do ranks started with different command lines;
//   * flags a run cannot honour are refused (--partition of written parts,
//     a --split other than theirs, partition of a loaded graph on 2 ranks).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "../test_util.h"
#include "sgc/io/format/npy.h"
#include "sgc/io/format/zip_writer.h"

namespace sgc {
namespace {

namespace fs = std::filesystem;

struct Shell {
  int status;  // exit status
  std::string out;
  double seconds = 0;
};

// `cmd` through the shell under a timeout, stdout (and stderr when `merge`) captured.
Shell shell(const std::string& cmd, bool merge = true, int timeout_s = 300) {
  const std::string full = "OMP_NUM_THREADS=1 timeout -k 10 " + std::to_string(timeout_s) + " " + cmd +
                           (merge ? " 2>&1" : " 2>/dev/null");
  const auto start = std::chrono::steady_clock::now();
  FILE* pipe = popen(full.c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  const int rc = pclose(pipe);
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc), out,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
}

std::string sgc_cmd(const std::string& args) { return std::string(SGC_CLI_PATH) + " " + args; }
std::string mpirun(int np, const std::string& args) {
  return std::string(SGC_MPIEXEC) + " --allow-run-as-root --oversubscribe -np " + std::to_string(np) + " " +
         sgc_cmd(args);
}

nlohmann::json json_of(const Shell& r) {
  EXPECT_EQ(r.status, 0) << r.out;
  try {
    return nlohmann::json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not JSON: " << r.out;
    return {};
  }
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class DistCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / ("sgc_dist_cli_" + std::to_string(getpid()))).string();
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

const std::string kReddit = "--generator powerlaw --nodes 3000 --features 24 --classes 6 --avg-degree 16 --seed 5";

TEST_F(DistCli, GeneratedPartsTrainAndPartitionAsOneProcess) {
  const nlohmann::json one = json_of(shell(sgc_cmd("train " + kReddit + " --epochs 15 --json"), false));
  for (int np : {2, 3}) {
    const nlohmann::json many = json_of(shell(mpirun(np, "train " + kReddit + " --epochs 15 --json"), false));
    EXPECT_NEAR(many["accuracy"]["test"].get<double>(), one["accuracy"]["test"].get<double>(), 0.001 + 1e-12) << np;
    EXPECT_NEAR(many["accuracy"]["val"].get<double>(), one["accuracy"]["val"].get<double>(), 0.001 + 1e-12) << np;
    EXPECT_EQ(many["ranks"].get<int>(), np);
  }
  // Each rank writes its own part: the same bytes as cutting the one-process graph.
  const Shell a = shell(mpirun(3, "partition " + kReddit + " --parts 3 --out " + dir_ + "/ranks"));
  ASSERT_EQ(a.status, 0) << a.out;
  const Shell b = shell(sgc_cmd("partition " + kReddit + " --parts 3 --out " + dir_ + "/one"));
  ASSERT_EQ(b.status, 0) << b.out;
  for (const char* f : {"manifest.json", "part-00000.bin", "part-00001.bin", "part-00002.bin"}) {
    const std::string x = slurp(dir_ + "/ranks/" + f), y = slurp(dir_ + "/one/" + f);
    EXPECT_FALSE(x.empty()) << f;
    EXPECT_TRUE(x == y) << f << " differs";
  }
  // A layout for another number of ranks is one clear error.
  const Shell bad = shell(mpirun(2, "partition " + kReddit + " --parts 3 --out " + dir_ + "/bad"));
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.out.find("mpirun -np 3"), std::string::npos) << bad.out;
}

// The CSV's lines and how many of them the two files share.
size_t same_lines(const std::string& a, const std::string& b, size_t& lines) {
  std::istringstream x(a), y(b);
  std::string u, v;
  size_t same = 0;
  lines = 0;
  while (std::getline(x, u) && std::getline(y, v)) same += u == v, ++lines;
  return same;
}

void expect_same_predictions(const std::string& got_csv, const std::string& want_csv, const Shell& got,
                             const Shell& want) {
  ASSERT_EQ(got.status, 0) << got.out;
  ASSERT_EQ(want.status, 0) << want.out;
  const nlohmann::json g = nlohmann::json::parse(got.out), w = nlohmann::json::parse(want.out);
  EXPECT_NEAR(g["test_accuracy"].get<double>(), w["test_accuracy"].get<double>(), 0.001 + 1e-12);
  EXPECT_NEAR(g["labelled_accuracy"].get<double>(), w["labelled_accuracy"].get<double>(), 0.001 + 1e-12);
  const std::string a = slurp(got_csv), b = slurp(want_csv);
  size_t lines = 0;
  const size_t same = same_lines(a, b, lines);
  EXPECT_EQ(lines, size_t(w["nodes"].get<int64_t>() + 1));
  EXPECT_GE(double(same), 0.999 * double(lines)) << same << " of " << lines << " lines agree";
  EXPECT_EQ(std::count(a.begin(), a.end(), '\n'), std::count(b.begin(), b.end(), '\n'));
}

TEST_F(DistCli, PredictMatchesOneProcess) {
  // Cora (row-normalised features, transductive).
  const std::string data = " --data-dir " + testing::planetoid_dir();
  const std::string model = dir_ + "/cora.model";
  ASSERT_EQ(shell(sgc_cmd("train --dataset cora" + data + " --save " + model)).status, 0);
  const std::string cora = "predict --dataset cora" + data + " --model " + model + " --json";
  const Shell want = shell(sgc_cmd(cora + " --out " + dir_ + "/one.csv"), false);
  for (int np : {2, 4}) {
    const std::string out = dir_ + "/many" + std::to_string(np) + ".csv";
    expect_same_predictions(out, dir_ + "/one.csv", shell(mpirun(np, cora + " --out " + out), false), want);
  }
  // From a contiguous layout.
  ASSERT_EQ(shell(sgc_cmd("partition --dataset cora" + data + " --parts 3 --out " + dir_ + "/parts")).status, 0);
  expect_same_predictions(
      dir_ + "/parts.csv", dir_ + "/one.csv",
      shell(mpirun(3, "predict --partitioned " + dir_ + "/parts --model " + model + " --json --out " + dir_ + "/parts.csv"),
            false),
      want);
  // A METIS layout does not record node ids: refused, on every rank, with one message.
  ASSERT_EQ(shell(sgc_cmd("partition --dataset cora" + data + " --parts 2 --method metis --out " + dir_ + "/metis")).status, 0);
  const Shell metis = shell(mpirun(2, "predict --partitioned " + dir_ + "/metis --model " + model));
  EXPECT_EQ(metis.status, 1) << metis.out;
  EXPECT_NE(metis.out.find("contiguous"), std::string::npos) << metis.out;

  // Reddit-shaped (z-scored with the training graph's statistics), generated rank by rank.
  const std::string reddit_model = dir_ + "/reddit.model";
  ASSERT_EQ(shell(sgc_cmd("train " + kReddit + " --epochs 15 --save " + reddit_model)).status, 0);
  const std::string reddit = "predict " + kReddit + " --model " + reddit_model + " --json";
  const Shell want_r = shell(sgc_cmd(reddit + " --out " + dir_ + "/r1.csv"), false);
  expect_same_predictions(dir_ + "/r3.csv", dir_ + "/r1.csv", shell(mpirun(3, reddit + " --out " + dir_ + "/r3.csv"), false),
                          want_r);
  // A model of another class count, on every rank, with one message.
  ASSERT_EQ(shell(sgc_cmd("train --nodes 2000 --classes 3 --save " + dir_ + "/c3.model")).status, 0);
  const Shell classes = shell(mpirun(2, "predict --nodes 2000 --classes 4 --model " + dir_ + "/c3.model"));
  EXPECT_EQ(classes.status, 1) << classes.out;
  EXPECT_NE(classes.out.find("the model has 3 classes, the data set csbm has 4"), std::string::npos) << classes.out;
  // No temporary files left beside the outputs.
  for (const auto& e : fs::directory_iterator(dir_))
    EXPECT_EQ(e.path().filename().string().find(".tmp"), std::string::npos) << e.path();
}

// Commands without a distributed path would run the whole job once per rank
// (and race on their outputs): under mpirun -np 2 they are refused.
TEST_F(DistCli, OneProcessCommandsRefuseMoreRanks) {
  for (const std::string& cmd : std::vector<std::string>{"tune --nodes 2000 --trials 2", "sweep --nodes 2000 --ks 1",
                                                        "attack --nodes 2000",
                                "generate --nodes 300 --out " + dir_ + "/gen", "info"}) {
    const Shell r = shell(mpirun(2, cmd));
    EXPECT_NE(r.status, 0) << cmd << "\n" << r.out;
    EXPECT_NE(r.out.find("runs in one process, and this is one of 2 under mpirun"), std::string::npos)
        << cmd << "\n" << r.out;
  }
  EXPECT_FALSE(fs::exists(dir_ + "/gen"));
  const Shell one = shell(mpirun(1, "info"));
  EXPECT_EQ(one.status, 0) << one.out;
  // Partitioning a loaded graph: every rank would write every part.
  const Shell gen = shell(sgc_cmd("generate --nodes 300 --format edgelist --out " + dir_ + "/g"));
  ASSERT_EQ(gen.status, 0) << gen.out;
  const Shell part = shell(mpirun(2, "partition --dataset " + dir_ + "/g/edges.txt --parts 2 --out " + dir_ + "/p"));
  EXPECT_NE(part.status, 0) << part.out;
  EXPECT_NE(part.out.find("run it once, without mpirun"), std::string::npos) << part.out;
  EXPECT_FALSE(fs::exists(dir_ + "/p"));
}

// mpirun's `-np 1 A : -np 1 B` starts ranks with different commands: they
// would wait for each other in different collectives (a hang) or add up
// different computations. Refused at once, by every rank.
TEST_F(DistCli, RanksStartedWithDifferentCommandLinesAreRefused) {
  const std::string train = "train --nodes 2000 --epochs 5";
  for (const std::string& other : {std::string(" --k 3"), std::string(" --seed 9"), std::string(" --partition metis")}) {
    const std::string cmd = std::string(SGC_MPIEXEC) + " --allow-run-as-root --oversubscribe -np 1 " + sgc_cmd(train) +
                            " : -np 1 " + sgc_cmd(train + other);
    const Shell r = shell(cmd, true, 120);
    EXPECT_NE(r.status, 0) << other << "\n" << r.out;
    EXPECT_LT(r.seconds, 100) << other << ": hung";
    EXPECT_NE(r.out.find("rank 1 of 2 was started with another command line than rank 0"), std::string::npos)
        << other << "\n" << r.out;
  }
  EXPECT_EQ(shell(mpirun(2, train)).status, 0);  // the same command on both ranks runs
}

// Labels 100, 110, 120 (renumbered 0..2 by the loader) come back as those
// values from parts, as from the loaded data set.
TEST_F(DistCli, PredictFromPartsWritesTheFilesLabelValues) {
  const int64_t n = 60;
  std::vector<float> x(size_t(n) * 3, 0.1f);
  const size_t un = static_cast<size_t>(n);
  std::vector<int64_t> y(un), edges;
  std::vector<uint8_t> train(un), val(un), test(un);
  for (int64_t i = 0; i < n; ++i) {
    y[size_t(i)] = 100 + 10 * (i % 3);
    x[size_t(i * 3 + i % 3)] = 1.0f;
    for (int64_t j : {i + 1, i + 3})
      if (j < n) edges.insert(edges.end(), {i, j});
    train[size_t(i)] = i % 2 == 0;
    val[size_t(i)] = i % 4 == 1;
    test[size_t(i)] = i % 4 == 3;
  }
  auto bytes = [](const auto& v) {
    return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(v[0]));
  };
  const std::string data = dir_ + "/valued.npz";
  const std::string xs = bytes(x), ys = bytes(y), es = bytes(edges), tr = bytes(train), va = bytes(val), te = bytes(test);
  write_npz(data,
            {{"node_features", npy_header("<f4", {n, 3}), xs},
             {"node_labels", npy_header("<i8", {n}), ys},
             {"edges", npy_header("<i8", {int64_t(edges.size() / 2), 2}), es},
             {"train_masks", npy_header("|b1", {n}), tr},
             {"val_masks", npy_header("|b1", {n}), va},
             {"test_masks", npy_header("|b1", {n}), te}},
            false);
  const std::string model = dir_ + "/m.sgcm", parts = dir_ + "/parts";
  ASSERT_EQ(shell(sgc_cmd("train --dataset " + data + " --epochs 30 --save " + model)).status, 0);
  ASSERT_EQ(shell(sgc_cmd("partition --dataset " + data + " --parts 2 --out " + parts)).status, 0);
  const Shell one = shell(sgc_cmd("predict --dataset " + data + " --model " + model + " --out " + dir_ + "/one.csv"));
  ASSERT_EQ(one.status, 0) << one.out;
  const Shell two = shell(mpirun(2, "predict --partitioned " + parts + " --model " + model + " --out " + dir_ + "/two.csv"));
  ASSERT_EQ(two.status, 0) << two.out;
  const std::string expected = slurp(dir_ + "/one.csv");
  EXPECT_NE(expected.find(",110\n"), std::string::npos) << expected.substr(0, 200);
  EXPECT_EQ(slurp(dir_ + "/two.csv"), expected);
}

// The parts fix the data set, its split and features: flags that would
// choose them again are refused, and the split the parts hold is the one trained.
TEST_F(DistCli, PartitionedRunsRefuseTheFlagsThePartsFixed) {
  const Shell gen = shell(sgc_cmd("generate --nodes 400 --format edgelist --out " + dir_ + "/g"));
  ASSERT_EQ(gen.status, 0) << gen.out;
  const std::string edges = dir_ + "/g/edges.txt", parts = dir_ + "/parts";
  const Shell part = shell(sgc_cmd("partition --dataset " + edges + " --split 2 --parts 2 --out " + parts));
  ASSERT_EQ(part.status, 0) << part.out;
  EXPECT_EQ(nlohmann::json::parse(slurp(parts + "/manifest.json")).at("split"), 2);
  const std::string run = "train --epochs 20 --json --partitioned " + parts;
  for (const std::string& extra : {std::string("--split 1"), std::string("--split 0"), std::string("--nodes 50"),
                                   std::string("--data-dir /tmp"), "--feature-store " + dir_ + "/x.sgcf",
                                   "--dataset " + edges}) {
    const Shell r = shell(mpirun(2, run + " " + extra));
    EXPECT_NE(r.status, 0) << extra << "\n" << r.out;
    EXPECT_NE(r.out.find("reads the parts as sgc partition wrote them"), std::string::npos) << extra << "\n" << r.out;
  }
  const Shell metis = shell(mpirun(2, run + " --partition metis"));
  EXPECT_NE(metis.status, 0) << metis.out;
  EXPECT_NE(metis.out.find("were split when written"), std::string::npos) << metis.out;
  const nlohmann::json two = json_of(shell(mpirun(2, run + " --split 2"), false));
  const nlohmann::json one = json_of(shell(sgc_cmd("train --epochs 20 --json --dataset " + edges + " --split 2"), false));
  EXPECT_EQ(two.at("accuracy"), one.at("accuracy"));
}

TEST_F(DistCli, ARankThatDiesEndsEveryRank) {
  struct Case {
    int np;
    const char* fault;
    const char* says;
  };
  // Killed at its first hop, at a later hop (inductive: two graphs), and an MPI error.
  for (const Case& k : {Case{2, "1:1", "rank 1 of 2: SGC_DIST_FAULT: dying at hop 1"},
                        Case{3, "2:3", "rank 2 of 3: SGC_DIST_FAULT: dying at hop 3"},
                        Case{2, "0:2:mpi", "sgc: error: rank 0 of 2: MPI error: "}}) {
    const int timeout = 120;
    const Shell r = shell("env SGC_DIST_FAULT=" + std::string(k.fault) + " " + mpirun(k.np, "train " + kReddit + " --epochs 5"),
                        true, timeout);
    EXPECT_NE(r.status, 0) << k.fault << ": " << r.out;
    EXPECT_LT(r.seconds, timeout - 5) << k.fault << ": the job hung until the timeout";
    EXPECT_NE(r.out.find(k.says), std::string::npos) << k.fault << ": " << r.out;
  }
  // Without the hook the same job succeeds (the hook is what failed above).
  EXPECT_EQ(shell(mpirun(2, "train " + kReddit + " --epochs 5")).status, 0);
}

}  // namespace
}  // namespace sgc
