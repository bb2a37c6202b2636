// The `sgc` command: runs out of the box, and bad input gives a one-line
// error naming the flag or file, with a non-zero exit (never a crash).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "readers_util.h"
#include "sgc/io/format/npy.h"
#include "sgc/model/model_file.h"
#include "test_util.h"

namespace {


void expect_error(const std::string& args, const std::string& needle) { sgc::testing::expect_cli_error(args, needle); }

TEST(Cli, SyntheticRunShowsPropagationGain) {
  const sgc::testing::CliRun r = sgc::testing::run_cli("train --json --nodes 2000");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["dataset"], "csbm");
  EXPECT_GT(j["accuracy"]["test"].get<double>(), j["baseline_k0"]["test"].get<double>());
  for (const char* stage : {"load", "normalize", "propagate", "train", "evaluate", "total"})
    EXPECT_GE(j["seconds"][stage].get<double>(), 0.0) << stage;
  EXPECT_GT(j["peak_rss_bytes"].get<long long>(), 0);
}

TEST(Cli, TextOutputMentionsBothAccuracies) {
  const sgc::testing::CliRun r = sgc::testing::run_cli("train --nodes 2000 --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("test accuracy"), std::string::npos);
  EXPECT_NE(r.output.find("K=0"), std::string::npos);
}

TEST(Cli, CoraJsonMatchesLibraryDefaults) {
  const sgc::testing::CliRun r = sgc::testing::run_cli("train --dataset cora --json --data-dir " + sgc::testing::planetoid_dir());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["k"], 2);
  EXPECT_DOUBLE_EQ(j["weight_decay"].get<double>(), 1.3027e-5);
  EXPECT_GE(j["accuracy"]["test"].get<double>(), 0.805);
}

TEST(Cli, BadInputIsAOneLineError) {
  const std::string dir = " --data-dir " + sgc::testing::planetoid_dir();
  expect_error("train --dataset nosuch" + dir, "--dataset");
  expect_error("train --dataset cora --k -1" + dir, "--k");
  expect_error("train --dataset cora --epochs 0" + dir, "--epochs");
  expect_error("train --dataset cora --lr -3" + dir, "--lr");
  expect_error("train --dataset cora --feature-norm bogus" + dir, "--feature-norm");
  expect_error("train --dataset cora --data-dir /nonexistent/dir", "/nonexistent/dir");
  expect_error("train --homophily 2", "--homophily");
  expect_error("train --epochs abc", "--epochs");
  expect_error("frobnicate", "unknown command 'frobnicate'");
  expect_error("tune --trials 0 --nodes 2000", "trials");
}

// A split without rows has no accuracy: n/a in the text, null in --json,
// never 0; tune and sweep, which need the split, refuse it.
TEST(Cli, AnEmptySplitHasNoAccuracy) {
  sgc::testing::TempDir tmp;
  const std::string edges = tmp.file("ring.txt");
  std::ofstream(edges) << "0 1\n1 2\n2 3\n3 0\n";  // four nodes: every one of them trains
  sgc::testing::CliRun r = sgc::testing::run_cli("train --dataset " + edges);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("val accuracy n/a, test accuracy n/a"), std::string::npos) << r.output;
  r = sgc::testing::run_cli("train --json --dataset " + edges);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_TRUE(j["accuracy"]["test"].is_null()) << r.output;
  EXPECT_TRUE(j["macro_f1"]["val"].is_null()) << r.output;
  EXPECT_EQ(j["accuracy"]["train"].get<double>(), 1.0);
  expect_error("tune --trials 2 --dataset " + edges, "the validation split is empty");
  expect_error("sweep --dataset " + edges, "the test split is empty");
}

}  // namespace

namespace {

TEST(Cli, TuneOnCoraMatchesThePapersWeightDecayOnValidation) {
  const std::string dir = " --data-dir " + sgc::testing::planetoid_dir();
  const sgc::testing::CliRun paper = sgc::testing::run_cli("train --dataset cora --json --seed 1" + dir);
  const sgc::testing::CliRun tuned = sgc::testing::run_cli("tune --dataset cora --json --seed 1" + dir);
  ASSERT_EQ(paper.exit_code, 0) << paper.output;
  ASSERT_EQ(tuned.exit_code, 0) << tuned.output;
  const auto p = nlohmann::json::parse(paper.output);
  const auto t = nlohmann::json::parse(tuned.output);
  const double wd = t["best"]["weight_decay"].get<double>();
  EXPECT_GE(wd, 1e-10);
  EXPECT_LE(wd, 1e-4);
  EXPECT_GE(t["best"]["val"].get<double>(), p["accuracy"]["val"].get<double>() - 0.002)
      << "tuned weight decay " << wd;
}

}  // namespace

namespace {

TEST(Cli, InductiveLbfgsSaveAndPredictOnANewGraph) {
  const std::string model = ::testing::TempDir() + "/sgc_cli_powerlaw.sgcm";
  const std::string csv = ::testing::TempDir() + "/sgc_cli_pred.csv";
  const sgc::testing::CliRun train = sgc::testing::run_cli("train --generator powerlaw --nodes 6000 --avg-degree 30 --features 64 --classes 10 "
                               "--epochs 30 --baseline --json --save " + model);
  ASSERT_EQ(train.exit_code, 0) << train.output;
  const auto t = nlohmann::json::parse(train.output);
  EXPECT_EQ(t["optimizer"], "lbfgs");
  EXPECT_TRUE(t["inductive"].get<bool>());
  EXPECT_GT(t["accuracy"]["test"].get<double>(), t["baseline_k0"]["test"].get<double>() + 0.1);
  // A bigger graph from the same generator (same class means): unseen nodes.
  const sgc::testing::CliRun pred = sgc::testing::run_cli("predict --json --generator powerlaw --nodes 9000 --avg-degree 30 --features 64 "
                              "--classes 10 --model " + model + " --out " + csv);
  ASSERT_EQ(pred.exit_code, 0) << pred.output;
  const auto p = nlohmann::json::parse(pred.output);
  EXPECT_EQ(p["nodes"], 9000);
  EXPECT_GT(p["test_accuracy"].get<double>(), t["baseline_k0"]["test"].get<double>() + 0.1);
  std::ifstream in(csv);
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header, "node,class");
  expect_error("predict --model " + csv, "magic");  // not a model file
  expect_error("predict --generator powerlaw --nodes 9000 --features 32 --model " + model, "features");
}

TEST(Cli, BadTrainingFlags) {
  expect_error("train --nodes 2000 --optimizer sgd", "--optimizer");
  expect_error("train --generator lattice", "--generator");
  expect_error("train --generator powerlaw --nodes 5 ", "--nodes");
}

// Values that used to be taken silently (clamped, ignored or read as "not
// given") are errors naming the flag, before any work.
TEST(Cli, ValuesThatWereTakenSilentlyAreRefused) {
  const std::string small = " --nodes 2000 --threads 1";
  expect_error("train --save \"\"" + small, "--save");
  expect_error("train --seed 99999999999999999999999" + small, "at most 18446744073709551615");
  expect_error("info --threads -3", "--threads");
  expect_error("tune --search k --range k=1.5:3 --trials 2" + small, "k takes integers");
  expect_error("tune --search k,k --trials 2" + small, "--search: k is named twice");
  expect_error("tune --search k --range k=-1:4 --trials 2" + small, "--range k=-1:4: at k = -1");
  expect_error("attack --plot plot.svg" + small, "add --report");
  expect_error("attack --report --flips flips.csv" + small, "not written by --report");
  expect_error("attack --attack-k 0" + small, "--attack-k");
  expect_error("convert --dataset cora --key x --out x.sgcf", "--key: names an array of --in's archive");
  expect_error("train --train-per-class 0" + small, "--train-per-class: must be at least 1, got 0");
  const sgc::testing::CliRun bogus = sgc::testing::run_cli("bogus --nodes 5");
  EXPECT_EQ(bogus.exit_code, 105);
  EXPECT_NE(bogus.output.find("sgc: error: unknown command 'bogus' (commands: train, tune,"), std::string::npos)
      << bogus.output;
}

// Flags that another flag decides (a loaded model's settings, the report's
// own victims, targets read from a file) and empty list items are refused,
// not dropped; every one of these ran before, ignoring the flag.
TEST(Cli, FlagsThatAnotherFlagDecidesAreRefused) {
  const std::string small = " --nodes 2000 --threads 1";
  expect_error("attack --report --load model.bin" + small, "--load: the robustness report trains its own victims");
  expect_error("attack --report --k 4" + small, "--k: the robustness report trains its own victims");
  expect_error("attack --report --op dgc" + small, "--op: the robustness report");
  expect_error("attack --load model.bin --k 3" + small, "--k: not used with --load");
  expect_error("attack --load model.bin --lr 0.1" + small, "--lr: not used with --load");
  expect_error("attack --targets t.txt --num-targets 5" + small, "--num-targets: the targets are read from --targets");
  expect_error("attack --budgets 2,4," + small, "--budgets: '2,4,' has an empty item");
  expect_error("attack --budgets 99999999999" + small, "is not a number of flips");
  expect_error("sweep --ks 1,,2" + small, "--ks: '1,,2' has an empty item");
  expect_error("sweep --ops sgc, --ks 1" + small, "--ops: 'sgc,' has an empty item");
  expect_error("tune --search k,,lr --trials 2" + small, "--search: 'k,,lr' has an empty item");
}

// predict refuses a model of another class count (its accuracy compared
// unrelated classes) and scores that overflow float (every node was class 0).
TEST(Cli, PredictRefusesScoresThatMeanNothing) {
  sgc::testing::TempDir tmp;
  const std::string model = tmp.file("c3.sgcm"), huge = tmp.file("huge.sgcm");
  const sgc::testing::CliRun trained =
      sgc::testing::run_cli("train --quiet --nodes 2000 --classes 3 --features 8 --threads 1 --save " + model);
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  expect_error("predict --nodes 2000 --classes 4 --features 8 --threads 1 --model " + model,
               "the model has 3 classes, the data set csbm has 4");
  sgc::SavedModel saved = sgc::load_model(model);
  sgc::ModelState state = saved.model->state();
  // The largest weights a model may hold, on features whose products with them overflow.
  std::fill(state.weights.begin(), state.weights.end(), 1e20f);
  auto m = sgc::make_model(saved.config);
  m->set_state(state, saved.config);
  sgc::save_model(huge, saved.config, *m, saved.training);
  const std::string npy = tmp.file("x.npy"), store = tmp.file("x.sgcf");
  const std::vector<float> x(2000 * 8, 1e30f);
  std::ofstream(npy, std::ios::binary) << sgc::npy_bytes("<f4", {2000, 8}, {reinterpret_cast<const char*>(x.data()), x.size() * 4});
  ASSERT_EQ(sgc::testing::run_cli("convert --in " + npy + " --out " + store).exit_code, 0);
  expect_error("predict --nodes 2000 --classes 3 --features 8 --threads 1 --feature-store " + store + " --model " + huge,
               "are not finite");
  const sgc::testing::CliRun ok =
      sgc::testing::run_cli("predict --nodes 2000 --classes 3 --features 8 --threads 1 --model " + model);
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
}

// The x tick labels of a plot, in order.
std::vector<std::string> x_ticks(const std::string& svg) {
  std::vector<std::string> out;
  const std::string mark = "text-anchor=\"middle\">";
  for (size_t at = svg.find(mark); at != std::string::npos; at = svg.find(mark, at + 1)) {
    const size_t from = at + mark.size(), to = svg.find('<', from);
    const std::string label = svg.substr(from, to - from);
    if (!label.empty() && label.find_first_not_of("0123456789.") == std::string::npos) out.push_back(label);
  }
  return out;
}

// K = 0 (no propagation) has a place on the sweep's log2 axis: a tick "0" one
// power of 2 left of the smallest K; it was left out, and --ks 0 alone drew
// made-up ticks. Plot names that would mislead or collide are refused.
TEST(Cli, SweepPlotsKZeroAndRefusesMisleadingNames) {
  sgc::testing::TempDir tmp;
  const std::string svg = tmp.file("k.svg"), energy = tmp.file("e.svg"), zero = tmp.file("zero.svg");
  const std::string small = " --nodes 2000 --threads 1 --ops sgc --epochs 20 --quiet";
  sgc::testing::CliRun run = sgc::testing::run_cli("sweep --ks 0,1,4" + small + " --plot " + svg +
                                                   " --energy-plot " + energy);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string text = sgc::testing::read_bytes(svg);
  EXPECT_EQ(x_ticks(text), (std::vector<std::string>{"0", "1", "2", "4"}));
  // Three markers on the test line: K = 0, 1 and 4.
  size_t markers = 0;
  for (size_t at = text.find("<circle"); at != std::string::npos; at = text.find("<circle", at + 1)) ++markers;
  EXPECT_EQ(markers, 3u);
  EXPECT_EQ(x_ticks(sgc::testing::read_bytes(energy)), (std::vector<std::string>{"0", "1", "2", "4"}));
  run = sgc::testing::run_cli("sweep --ks 0" + small + " --plot " + zero);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(x_ticks(sgc::testing::read_bytes(zero)), (std::vector<std::string>{"0"}));
  expect_error("sweep --ks 1" + small + " --plot " + tmp.file("plot.txt"), "--plot: " + tmp.file("plot.txt") +
                                                                              ": a plot is written as .svg");
  expect_error("sweep --ks 1" + small + " --plot " + svg + " --energy-plot " + tmp.file("./k.svg"),
               "--energy-plot: names the same file as --plot");
  expect_error("attack --report --nodes 2000 --plot " + tmp.file("r.csv"), "--plot: ");
}

// --precision bf16 on sparse features at K = 2 stores nothing in 16 bits (the
// first hop stays sparse, the last is fp32): the output says so instead of
// implying a 16-bit run; at K = 4 two hops are stored in 16 bits.
TEST(Cli, PrecisionSaysWhatWasStoredIn16Bits) {
  const std::string cora = "train --threads 1 --precision bf16 --dataset cora --data-dir " + sgc::testing::data_dir();
  const sgc::testing::CliRun text = sgc::testing::run_cli(cora);
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("--precision bf16 stored nothing in 16 bits here"), std::string::npos) << text.output;
  const sgc::testing::CliRun k2 = sgc::testing::run_cli(cora + " --json"), k4 = sgc::testing::run_cli(cora + " --k 4 --json");
  ASSERT_EQ(k2.exit_code, 0) << k2.output;
  ASSERT_EQ(k4.exit_code, 0) << k4.output;
  EXPECT_EQ(nlohmann::json::parse(k2.output)["stored_16bit"], 0);
  EXPECT_EQ(nlohmann::json::parse(k4.output)["stored_16bit"], 2);
  // A run in column blocks (Pubmed's test rows through the head) counts too:
  // each block's dense input and its hops.
  const sgc::testing::CliRun pubmed = sgc::testing::run_cli(
      "train --threads 1 --precision bf16 --json --dataset pubmed --data-dir " + sgc::testing::data_dir());
  ASSERT_EQ(pubmed.exit_code, 0) << pubmed.output;
  const nlohmann::json p = nlohmann::json::parse(pubmed.output);
  EXPECT_GT(p["column_blocks"].get<int>(), 1) << pubmed.output;
  EXPECT_EQ(p["stored_16bit"], 2) << pubmed.output;
}

// Flags that were accepted and had no effect (a third audit): each is an
// error naming it now.
TEST(Cli, FlagsWithoutEffectAreRefused) {
  const std::string cora = " --threads 1 --dataset cora --data-dir " + sgc::testing::data_dir();
  const std::string small = " --nodes 2000 --threads 1";
  expect_error("train --optimizer lbfgs --lr 1e-6" + cora, "--lr: optimizer lbfgs chooses its own steps");
  expect_error("train --optimizer scrn --lr 0.5" + small, "--lr: optimizer scrn chooses its own steps");
  expect_error("tune --optimizer lbfgs --search lr --trials 2" + small, "--search: lr: optimizer lbfgs");
  expect_error("train --op poly --coeffs 1,,2" + cora, "--coeffs: '1,,2' has an empty item");
  expect_error("train --op poly --coeffs 1,x" + cora, "--coeffs: 'x' is not a finite number");
  expect_error("train --nodes 500" + cora, "--nodes: describes the built-in synthetic graph, which --dataset replaces");
  expect_error("train --generator powerlaw" + cora, "--generator: describes the built-in synthetic graph");
  expect_error("train --split 7" + small, "--split: the built-in synthetic graph has one split");
  expect_error("train --data-dir /nonexistent" + small, "--data-dir: the folder of --dataset's files");
  expect_error("train --threads 1 --dataset " + sgc::testing::planetoid_dir() + "/ind.cora.graph --data-dir /tmp",
               "--data-dir: /tmp: not used when the data set is a path");
  expect_error("train --norm norm_adj --self-loop 2" + small, "--self-loop: --norm norm_adj adds no self-loops");
  expect_error("generate --format store --gzip --nodes 300 --out gen_unused", "--gzip: compresses the edge list");
  EXPECT_FALSE(std::filesystem::exists("gen_unused"));
  // lbfgs reports no learning rate.
  const sgc::testing::CliRun lbfgs = sgc::testing::run_cli("train --json --optimizer lbfgs --epochs 5" + small);
  ASSERT_EQ(lbfgs.exit_code, 0) << lbfgs.output;
  EXPECT_FALSE(nlohmann::json::parse(lbfgs.output).contains("lr"));
}

// More targets asked for than qualify: the attack runs on those that do and
// says so, and the victim of --model is named with its model.
TEST(Cli, AttackSaysWhatItAttacked) {
  const sgc::testing::CliRun run =
      sgc::testing::run_cli("attack --nodes 2000 --threads 1 --budgets 1 --num-targets 100000 --model acm --k 2");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("--num-targets: 100000 asked, only "), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("victim model acm on sgc"), std::string::npos) << run.output;
  // Targets from a file that the victim already gets wrong count as successes: said so.
  sgc::testing::TempDir tmp;
  std::string ids;
  for (int v = 1708; v < 1758; ++v) ids += std::to_string(v) + "\n";
  sgc::testing::write_bytes(tmp.file("t.txt"), ids);
  const sgc::testing::CliRun given = sgc::testing::run_cli("attack --threads 1 --budgets 1 --dataset cora --data-dir " +
                                                           sgc::testing::planetoid_dir() + " --targets " + tmp.file("t.txt"));
  EXPECT_EQ(given.exit_code, 0) << given.output;
  EXPECT_NE(given.output.find("4 of the 50 targets are not classified correctly"), std::string::npos) << given.output;
  // An operator's own flags reach the victim (poly's --coeffs was dropped: "needs at least one coefficient").
  const sgc::testing::CliRun poly =
      sgc::testing::run_cli("attack --nodes 2000 --threads 1 --budgets 1 --num-targets 4 --op poly --coeffs 0.5,0.3,0.2");
  EXPECT_EQ(poly.exit_code, 0) << poly.output;
}

// A saved model given a graph with another feature count: predict and attack
// both say so, in words that fit either command.
TEST(Cli, AModelOfOtherFeaturesIsRefusedByPredictAndAttack) {
  sgc::testing::TempDir tmp;
  const std::string model = tmp.file("m.sgcm");
  const sgc::testing::CliRun saved = sgc::testing::run_cli("train --nodes 2000 --features 30 --epochs 5 --save " + model);
  ASSERT_EQ(saved.exit_code, 0) << saved.output;
  for (const std::string& cmd : {"predict --model " + model + " --out " + tmp.file("p.csv"),
                                 "attack --budgets 1 --num-targets 2 --load " + model}) {
    const sgc::testing::CliRun r = sgc::testing::run_cli(cmd + " --nodes 2000 --features 40");
    EXPECT_EQ(r.exit_code, 1) << cmd << "\n" << r.output;
    EXPECT_NE(r.output.find("sgc: error: the graph has 40 features per node (40 after sgc), the model expects 30"),
              std::string::npos)
        << cmd << "\n" << r.output;
  }
}

// predict scores the data set as the model was trained on it: the model's
// split (another split's test nodes may be its training nodes: said so), and
// the feature store it was trained on, which must be given again.
TEST(Cli, PredictScoresTheSplitAndFeaturesTheModelWasTrainedOn) {
  sgc::testing::TempDir tmp;
  const std::string texas = " --dataset texas --data-dir " + sgc::testing::data_dir() + "/heterophilous";
  const std::string model = tmp.file("t3.sgcm");
  const sgc::testing::CliRun trained = sgc::testing::run_cli("train --json --split 3 --save " + model + texas);
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  const double test = nlohmann::json::parse(trained.output).at("accuracy").at("test");
  const sgc::testing::CliRun same = sgc::testing::run_cli("predict --json --model " + model + texas);
  ASSERT_EQ(same.exit_code, 0) << same.output;
  EXPECT_EQ(nlohmann::json::parse(same.output).at("split"), 3);
  EXPECT_EQ(nlohmann::json::parse(same.output).at("test_accuracy"), test);
  const sgc::testing::CliRun other = sgc::testing::run_cli("predict --model " + model + texas + " --split 0");
  ASSERT_EQ(other.exit_code, 0) << other.output;
  EXPECT_NE(other.output.find("the model was trained on split 3"), std::string::npos) << other.output;
  expect_error("predict --model " + model + texas + " --seed 3", "--seed: predict on a data set draws nothing");

  const std::string store = tmp.file("x.sgcf"), stored_model = tmp.file("s.sgcm");
  ASSERT_EQ(sgc::testing::run_cli("convert --out " + store + texas).exit_code, 0);
  ASSERT_EQ(sgc::testing::run_cli("train --feature-store " + store + " --save " + stored_model + texas).exit_code, 0);
  expect_error("predict --model " + stored_model + texas, "--feature-store: the model was trained on texas with the features of");
  const sgc::testing::CliRun given =
      sgc::testing::run_cli("predict --model " + stored_model + " --feature-store " + store + texas);
  EXPECT_EQ(given.exit_code, 0) << given.output;
}

// An output that is one of the command's inputs (by any name) is refused
// before anything is written: the input stays as it was.
TEST(Cli, AnOutputThatIsAnInputIsRefused) {
  sgc::testing::TempDir tmp;
  const std::string model = tmp.file("m.sgcm"), edges = tmp.file("e.txt");
  ASSERT_EQ(sgc::testing::run_cli("train --nodes 2000 --epochs 5 --save " + model).exit_code, 0);
  {
    std::ofstream e(edges);
    e << "0 1\n1 2\n2 3\n3 0\n";
  }
  std::filesystem::create_symlink(model, tmp.file("link.sgcm"));
  const std::string model_bytes = sgc::testing::read_bytes(model), edge_bytes = sgc::testing::read_bytes(edges);
  expect_error("predict --nodes 2000 --model " + model + " --out " + model, "is the file --model reads");
  expect_error("predict --nodes 2000 --model " + tmp.file("link.sgcm") + " --out " + tmp.path() + "/./m.sgcm",
               "is the file --model reads");
  expect_error("train --dataset " + edges + " --save " + edges, "is the file --dataset reads");
  expect_error("convert --in " + edges + " --out " + edges, "is the file --in reads");
  EXPECT_EQ(sgc::testing::read_bytes(model), model_bytes);
  EXPECT_EQ(sgc::testing::read_bytes(edges), edge_bytes);
}

// The demo's K = 0 baseline: the same model at K = 0, left out for a model
// that needs K >= 1 (tsc) unless asked for, which is then an error.
TEST(Cli, TheBaselineIsTheSameModelAtKZero) {
  const sgc::testing::CliRun tsc = sgc::testing::run_cli("train --model tsc --epochs 2 --k 2 --nodes 2000 --json");
  ASSERT_EQ(tsc.exit_code, 0) << tsc.output;
  EXPECT_FALSE(nlohmann::json::parse(tsc.output).contains("baseline_k0"));
  expect_error("train --model tsc --epochs 2 --k 2 --nodes 2000 --baseline",
               "--baseline: the same model at K = 0 cannot run");
  const sgc::testing::CliRun linear = sgc::testing::run_cli("train --epochs 5 --nodes 2000 --json");
  ASSERT_EQ(linear.exit_code, 0) << linear.output;
  const nlohmann::json base = nlohmann::json::parse(linear.output).at("baseline_k0");
  for (const char* split : {"train", "val", "test"}) EXPECT_TRUE(base.at(split).is_number()) << split;
}

// Headers and --json say what runs: no lr for an optimizer without one, the
// model when it is not the linear one, no K for an operator without a depth,
// an integer range as integers.
TEST(Cli, HeadersAndJsonSayWhatRuns) {
  const sgc::testing::CliRun tune = sgc::testing::run_cli("tune --nodes 2000 --trials 2 --optimizer scrn --epochs 5");
  ASSERT_EQ(tune.exit_code, 0) << tune.output;
  EXPECT_NE(tune.output.find("scrn, transductive protocol, epochs=5"), std::string::npos) << tune.output;
  EXPECT_EQ(tune.output.find("lr="), std::string::npos) << tune.output;
  const sgc::testing::CliRun acm = sgc::testing::run_cli("tune --nodes 2000 --trials 2 --model acm --epochs 3");
  ASSERT_EQ(acm.exit_code, 0) << acm.output;
  EXPECT_NE(acm.output.find("model acm, adam"), std::string::npos) << acm.output;
  const sgc::testing::CliRun sweep =
      sgc::testing::run_cli("sweep --nodes 2000 --ks 1 --ops sgc --optimizer lbfgs --epochs 5");
  ASSERT_EQ(sweep.exit_code, 0) << sweep.output;
  EXPECT_NE(sweep.output.find("lbfgs, transductive protocol, epochs=5"), std::string::npos) << sweep.output;
  EXPECT_EQ(sweep.output.find("lr="), std::string::npos) << sweep.output;

  const sgc::testing::CliRun ppr = sgc::testing::run_cli("train --nodes 2000 --op ppr --epochs 2 --json");
  ASSERT_EQ(ppr.exit_code, 0) << ppr.output;
  EXPECT_FALSE(nlohmann::json::parse(ppr.output).contains("k")) << ppr.output;
  const sgc::testing::CliRun ranges =
      sgc::testing::run_cli("tune --nodes 2000 --trials 2 --search k --range k=1:4 --epochs 2 --json");
  ASSERT_EQ(ranges.exit_code, 0) << ranges.output;
  const nlohmann::json k = nlohmann::json::parse(ranges.output).at("searched").at("k");
  EXPECT_TRUE(k.at("low").is_number_integer() && k.at("high").is_number_integer()) << k;
  EXPECT_EQ(k.at("high"), 4);
}

// sweep runs every depth a configuration takes (acm at K = 0) and says which
// it cannot run and why (tsc, dgc at K = 0), instead of a bare "-".
TEST(Cli, SweepSaysWhichDepthsItSkipped) {
  const sgc::testing::CliRun r = sgc::testing::run_cli("sweep --nodes 2000 --ks 0,1 --ops dgc --models acm,tsc --epochs 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("dgc has no run at K = 0: --k: dgc needs K >= 1"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("tsc has no run at K = 0"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("acm has no run"), std::string::npos) << r.output;
  const sgc::testing::CliRun j = sgc::testing::run_cli("sweep --nodes 2000 --ks 0,1 --models acm --ops sgc --epochs 2 --json");
  ASSERT_EQ(j.exit_code, 0) << j.output;
  for (const nlohmann::json& c : nlohmann::json::parse(j.output).at("curves"))
    EXPECT_EQ(c.at("points").size(), 2u) << c.at("name");  // acm at K = 0 is a point
}

// An OGB folder with several splits is named one by --ogb-split (it could
// only be loaded from Python); a saved model records it for predict.
TEST(Cli, OgbSplitNamesOneOfSeveral) {
  sgc::testing::TempDir tmp;
  const std::string dir = tmp.file("ogb");
  ASSERT_EQ(sgc::testing::run_cli("generate --nodes 600 --features 8 --classes 3 --format ogb --out " + dir).exit_code, 0);
  const std::filesystem::path splits = std::filesystem::path(dir) / "split";
  const std::filesystem::path only = std::filesystem::directory_iterator(splits)->path();
  std::filesystem::copy(only, splits / "other", std::filesystem::copy_options::recursive);
  expect_error("train --dataset " + dir, "several splits");
  expect_error("train --dataset " + dir, "--ogb-split NAME");
  const std::string model = tmp.file("m.sgcm");
  const sgc::testing::CliRun trained =
      sgc::testing::run_cli("train --dataset " + dir + " --ogb-split other --save " + model);
  ASSERT_EQ(trained.exit_code, 0) << trained.output;
  const sgc::testing::CliRun predicted = sgc::testing::run_cli("predict --model " + model + " --dataset " + dir);
  EXPECT_EQ(predicted.exit_code, 0) << predicted.output;
  expect_error("train --ogb-split other", "--ogb-split: names a split of an OGB folder, and no --dataset");
}

// A folder holding FastGCN's Reddit files and an OGB layout (`sgc generate
// --format fastgcn,ogb`) was read as the FastGCN files without a word.
TEST(Cli, AFolderWithTwoLayoutsIsNamedNotGuessed) {
  sgc::testing::TempDir tmp;
  const std::string dir = tmp.file("both");
  ASSERT_EQ(sgc::testing::run_cli("generate --generator csbm --nodes 800 --val-nodes 100 --test-nodes 200 "
                                  "--format fastgcn,ogb --out " + dir).exit_code, 0);
  expect_error("train --dataset " + dir, "the folder holds two data sets");
  expect_error("train --dataset " + dir, "--ogb-split NAME for the second");
  const sgc::testing::CliRun ogb = sgc::testing::run_cli("train --json --epochs 2 --dataset " + dir + " --ogb-split random");
  ASSERT_EQ(ogb.exit_code, 0) << ogb.output;
  EXPECT_EQ(nlohmann::json::parse(ogb.output)["protocol"], "transductive");  // the OGB layout, not Reddit's protocol
  const sgc::testing::CliRun fastgcn =
      sgc::testing::run_cli("train --json --epochs 2 --dataset " + dir + "/reddit_adj.npz");
  ASSERT_EQ(fastgcn.exit_code, 0) << fastgcn.output;
  EXPECT_EQ(nlohmann::json::parse(fastgcn.output)["protocol"], "inductive");
}

// A file given as --dataset that is not a graph says what it is (they were
// all "NUL byte in the text"); an .npz without its extension is one; a
// broken link says so; a family member may be named with its .npz.
TEST(Cli, DatasetPathsThatAreNotGraphsSayWhatTheyAre) {
  sgc::testing::TempDir tmp;
  const std::string texas = sgc::testing::data_dir() + "/heterophilous/texas.npz";
  std::filesystem::copy_file(texas, tmp.file("texas_copy"));
  const sgc::testing::CliRun noext = sgc::testing::run_cli("train --epochs 2 --dataset " + tmp.file("texas_copy"));
  EXPECT_EQ(noext.exit_code, 0) << noext.output;
  EXPECT_NE(noext.output.find("183 nodes"), std::string::npos) << noext.output;
  const std::string store = tmp.file("g") + "/features.sgcf", model = tmp.file("m.sgcm");
  ASSERT_EQ(sgc::testing::run_cli("train --nodes 2000 --epochs 2 --save " + model).exit_code, 0);
  ASSERT_EQ(sgc::testing::run_cli("generate --nodes 300 --format store --out " + tmp.file("g")).exit_code, 0);
  expect_error("train --dataset " + store, "an sgc feature store (give it as --feature-store), not a graph");
  expect_error("train --dataset " + model, "an sgc model file");
  sgc::testing::write_bytes(tmp.file("x.xz"), std::string("\xFD" "7zXZ\0\0\0", 9));
  expect_error("train --dataset " + tmp.file("x.xz"), "xz-compressed (only gzip is read");
  std::filesystem::create_symlink(tmp.file("gone.txt"), tmp.file("link.txt"));
  expect_error("train --dataset " + tmp.file("link.txt"), "a symbolic link to '" + tmp.file("gone.txt") + "', which does not exist");
  const sgc::testing::CliRun member = sgc::testing::run_cli(
      "train --epochs 2 --dataset heterophilous/texas.npz --data-dir " + sgc::testing::data_dir() + "/heterophilous");
  EXPECT_EQ(member.exit_code, 0) << member.output;
  // A bare graph's features are made up: convert says so.
  sgc::testing::write_bytes(tmp.file("e.txt"), "0 1\n1 2\n");
  const sgc::testing::CliRun bare = sgc::testing::run_cli("convert --dataset " + tmp.file("e.txt") + " --out " + tmp.file("e.sgcf"));
  EXPECT_EQ(bare.exit_code, 0) << bare.output;
  EXPECT_NE(bare.output.find("has no node features of its own"), std::string::npos) << bare.output;
}

// tune's starting configuration competes with its trials, so the search
// never reports a validation accuracy below where it began (acm's preset
// weight decay lies outside the default range, and Cora's preset beats most
// draws).
TEST(Cli, TuneNeverReportsWorseThanItsStart) {
  const std::string cora = " --dataset cora --data-dir " + sgc::testing::planetoid_dir();
  const sgc::testing::CliRun start = sgc::testing::run_cli("train --json" + cora);
  ASSERT_EQ(start.exit_code, 0) << start.output;
  const double start_val = nlohmann::json::parse(start.output).at("accuracy").at("val");
  const sgc::testing::CliRun tune = sgc::testing::run_cli("tune --json --trials 3" + cora);
  ASSERT_EQ(tune.exit_code, 0) << tune.output;
  const nlohmann::json j = nlohmann::json::parse(tune.output);
  EXPECT_GE(j.at("best").at("val").get<double>(), start_val);
  EXPECT_TRUE(j.at("kept_start").get<bool>());  // three draws do not beat the paper's setting here
  EXPECT_DOUBLE_EQ(j.at("best").at("weight_decay").get<double>(), 1.3027e-5);
}

// A failed `sgc generate` leaves no folder it made behind.
TEST(Cli, AFailedGenerateLeavesNothingBehind) {
  sgc::testing::TempDir tmp;
  const std::string out = tmp.file("made") + "/inner";
  expect_error("generate --out " + out + " --gamma 1.5", "--gamma");
  EXPECT_FALSE(std::filesystem::exists(tmp.file("made")));
  const sgc::testing::CliRun ok = sgc::testing::run_cli("generate --quiet --nodes 300 --avg-degree 5 --out " + out);
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_TRUE(std::filesystem::exists(out + "/reddit.npz"));
}

// Flags that contradict each other, or say the same thing twice, are refused
// (the baseline ran anyway; the last --range won; --wd-low was merged into
// --range weight_decay; sweep drew repeated curves and depths).
TEST(Cli, ContradictoryOrRepeatedFlagsAreRefused) {
  using sgc::testing::expect_cli_error;
  expect_cli_error("train --nodes 500 --baseline --no-baseline", "--baseline excludes --no-baseline");
  expect_cli_error("tune --nodes 500 --range k=1:3 --range k=2:4", "--range: k is given more than once");
  expect_cli_error("tune --nodes 500 --range weight_decay=1e-5:1e-3 --wd-low 1e-6",
                   "--wd-low/--wd-high set the same range; give one of the two");
  expect_cli_error("sweep --nodes 500 --ks 1,1", "--ks: the depths must increase, got 1 then 1");
  expect_cli_error("sweep --nodes 500 --ks 4,2", "--ks: the depths must increase, got 4 then 2");
  expect_cli_error("sweep --nodes 500 --ops sgc,ssgc,sgc", "the curve of sgc is asked twice");
}

// scrn-zo's directions are m x (parameters) floats: checked against the
// memory budget by name (a billion was a bare "out of memory").
TEST(Cli, ZerothOrderDirectionsAreCheckedAgainstTheBudget) {
  sgc::testing::expect_cli_error("train --optimizer scrn-zo --directions 1000000000",
                                 "--directions 1000000000 (1000000000 x ");
}

}  // namespace
