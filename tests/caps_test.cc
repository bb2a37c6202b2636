// Cost caps (sparse products, memory of an operator's output, of the dense
// feature matrix and of a generated graph) estimated from the parameters before the work, non-finite
// propagated features, model-file errors that name the file and the field,
// the scoped SIGINT handler, and the command line's messages and exit codes
// for all of these.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "sgc/data/class_features.h"
#include "sgc/data/powerlaw.h"
#include "sgc/data/synthetic.h"
#include "sgc/error.h"
#include "sgc/graph/csr.h"
#include "sgc/graph/normalize.h"
#include "sgc/io/planetoid.h"
#include "sgc/model/linear_model.h"
#include "sgc/model/model_file.h"
#include "sgc/ops/dgc.h"
#include "sgc/ops/heat_kernel.h"
#include "sgc/ops/operator.h"
#include "sgc/ops/ppr.h"
#include "sgc/tune/tpe.h"
#include "sgc/util/atomic_file.h"
#include "sgc/util/budget.h"
#include "sgc/util/interrupt.h"
#include "test_util.h"

namespace sgc {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("sgc_caps_test_" + name)).string();
}

OperatorSpec spec_of(const char* op) {
  OperatorSpec s;
  s.def = &find_operator(op);
  return s;
}

// A small graph and features: every cap below is refused before any work on it.
struct Small {
  CsrMatrix s = normalize_adjacency(testing::awkward_graph(50, 120, 2, 3), Normalization::AugNormAdj, 1.0);
  DenseMatrix x = testing::random_dense(50, 4, 5);
};

// Restores the caps a test changes.
struct CapsGuard {
  int64_t memory = memory_budget(), products = max_sparse_products();
  ~CapsGuard() {
    set_memory_budget(memory);
    set_max_sparse_products(products);
  }
};

template <class F>
std::string resource_message(F&& f) {
  try {
    f();
  } catch (const ResourceError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no ResourceError";
  return "";
}

TEST(Caps, ProductsAboveTheCapAreRefusedBeforeTheWork) {
  CapsGuard guard;
  set_max_sparse_products(kDefaultMaxProducts);
  Small g;
  for (auto [op, k, t] : {std::tuple{"sgc", 100000, 5.0}, {"dgc_naive", 100000, 5.0}, {"ssgc", 2000000000, 5.0},
                          {"sign", 100000, 5.0}, {"heat", 2, 1e6}, {"dgc", 2000000000, 2000000000.0}}) {
    OperatorSpec s = spec_of(op);
    s.k = k;
    s.t = t;
    const std::string m = resource_message([&] { run_operator(g.s, DenseMatrix(g.x), s); });
    EXPECT_NE(m.find("sparse products, above the cap of 10000"), std::string::npos) << op << ": " << m;
    EXPECT_NE(m.find("--max-products"), std::string::npos) << m;
    EXPECT_NE(m.find(std::string("operator ") + op), std::string::npos) << m;
  }
  // Raised: the same settings are accepted (counted, not run here).
  set_max_sparse_products(200000);
  OperatorSpec s = spec_of("sgc");
  s.k = 100000;
  EXPECT_NO_THROW(require_operator_products(s));
  EXPECT_THROW(set_max_sparse_products(0), ArgumentError);
}

TEST(Caps, SeriesOperatorsCountTheirProductsWithoutBuildingTheSeries) {
  // dgc with a large K and a small T is cheap (the series is truncated), and
  // its count is the series' length at every setting.
  OperatorSpec dgc = spec_of("dgc");
  dgc.k = 100000;
  dgc.t = 5;
  EXPECT_LT(planned_sparse_products(dgc), 100);
  for (double t : {0.5, 5.27, 100.0, 3000.0})
    for (int k : {int(t) + 1, 900, 100000})
      if (t <= k)
        EXPECT_EQ(dgc_products(k, t, 1e-6), int64_t(dgc_series_weights(k, t, 1e-6).size()) - 1) << k << " " << t;
  for (double t : {0.1, 5.0, 100.0, 5000.0, 1e6})
    EXPECT_EQ(heat_kernel_products(t, 1e-6), int64_t(heat_kernel_weights(t, 1e-6).size()) - 1) << t;
  EXPECT_EQ(ppr_products(0.1, 1e-6), int64_t(ppr_weights(0.1, 1e-6).size()) - 1);
  // A tolerance no sum reaches stops at the tail bound, not at K.
  EXPECT_LT(dgc_products(2000000000, 5, 1e-300), 1000);

  // And the count is what running them does.
  Small g;
  for (const char* op : {"dgc", "heat", "ppr", "ssgc", "sgc", "sign", "dgc_naive"}) {
    OperatorSpec s = spec_of(op);
    s.k = 7;
    s.t = 3;
    EXPECT_EQ(run_operator(g.s, DenseMatrix(g.x), s).sparse_products, planned_sparse_products(s)) << op;
  }
}

TEST(Caps, OperatorMemoryIsEstimatedBeforeAllocating) {
  CapsGuard guard;
  Small g;
  OperatorSpec sign = spec_of("sign");
  sign.k = 1000;
  // 50 x 4 features: the output is 50 x 4004 floats (800 KB).
  EXPECT_EQ(operator_output_columns(sign, 4), 4004);
  EXPECT_EQ(operator_memory_bytes(sign, 50, 4, 50), int64_t(4 * (2 * 50 * 4 + 50 * 4004)));
  set_memory_budget(int64_t(100) << 10);  // 100 KB
  const std::string m = resource_message([&] { run_operator(g.s, DenseMatrix(g.x), sign); });
  EXPECT_NE(m.find("operator sign K=1000"), std::string::npos) << m;
  EXPECT_NE(m.find("output 50 x 4004"), std::string::npos) << m;
  EXPECT_NE(m.find("--memory-limit"), std::string::npos) << m;
  // Sizes that overflow 64 bits are refused too.
  sign.k = 2000000000;
  EXPECT_EQ(operator_memory_bytes(sign, int64_t(1) << 31, int64_t(1) << 31, int64_t(1) << 31), -1);
}

// Planetoid's assembly (both edge directions, CSR, placed feature rows) is
// checked against the budget like the other readers; it was not.
TEST(Caps, PlanetoidGraphIsCheckedBeforeAssembling) {
  CapsGuard guard;
  const std::string dir = testing::planetoid_dir();
  if (!std::filesystem::exists(dir + "/ind.pubmed.graph")) GTEST_SKIP() << "no Planetoid files in " << dir;
  set_memory_budget(int64_t(10) << 20);  // the decoded pickles fit, the assembly (11.5 MB) does not
  try {
    load_planetoid(dir, "pubmed");
    ADD_FAILURE() << "Pubmed assembled within 10 MB";
  } catch (const ResourceError& e) {
    EXPECT_NE(std::string(e.what()).find("ind.pubmed.graph: the Planetoid graph (19717 nodes"), std::string::npos)
        << e.what();
  }
  set_memory_budget(int64_t(64) << 20);
  EXPECT_EQ(load_planetoid(dir, "pubmed").num_nodes(), 19717);
}

TEST(Caps, DenseFeatureMatrixIsCheckedBeforeAllocating) {
  CapsGuard guard;
  CsrMatrix x;  // 4M x 1M, empty: 16 TB dense
  x.rows = int64_t(1) << 22;
  x.cols = int64_t(1) << 20;
  x.indptr.assign(size_t(x.rows) + 1, 0);
  const std::string m = resource_message([&] { to_dense(x); });
  EXPECT_NE(m.find("dense feature matrix (4194304 x 1048576)"), std::string::npos) << m;
}

TEST(Caps, GeneratedGraphsAreCheckedBeforeAnythingIsDrawn) {
  CapsGuard guard;
  // 2 billion nodes: terabytes, refused at once (the budget is the machine's).
  CsbmOptions csbm;
  csbm.nodes = 2000000000;
  std::string m = resource_message([&] { make_csbm(csbm); });
  EXPECT_NE(m.find("the generated graph and its features (--nodes 2000000000, --avg-degree 10, --features 64)"),
            std::string::npos) << m;
  PowerLawOptions powerlaw;
  powerlaw.nodes = 2000000000;
  m = resource_message([&] { make_powerlaw(powerlaw); });  // the whole data set, before the generator's tables
  EXPECT_NE(m.find("the generated graph and its features (--nodes 2000000000, --avg-degree 100, --features 602)"),
            std::string::npos) << m;
  // A graph whose tables fit but whose edges and features do not.
  set_memory_budget(int64_t(20) << 20);
  powerlaw.nodes = 100000;
  m = resource_message([&] { make_powerlaw(powerlaw); });
  EXPECT_NE(m.find("(--nodes 100000, --avg-degree 100, --features 602)"), std::string::npos) << m;
  // Within the budget both still generate.
  set_memory_budget(int64_t(64) << 20);
  csbm.nodes = 3000;
  EXPECT_EQ(make_csbm(csbm).num_nodes(), 3000);
  powerlaw.nodes = 2000;
  powerlaw.avg_degree = 10;
  EXPECT_EQ(make_powerlaw(powerlaw).num_nodes(), 2000);
}

TEST(Caps, NonFinitePropagatedFeaturesAreAnError) {
  Small g;
  OperatorSpec s = spec_of("sgc");
  s.k = 3;
  s.norm = Normalization::NoNorm;
  const CsrMatrix a = normalize_adjacency(testing::awkward_graph(50, 120, 2, 3), Normalization::NoNorm, 1.0);
  DenseMatrix x = DenseMatrix::Constant(50, 4, 3e38f);
  try {
    run_operator(a, std::move(x), s);
    ADD_FAILURE() << "overflow accepted";
  } catch (const ResourceError&) {
    ADD_FAILURE() << "not a cap";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not finite"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("self-loops"), std::string::npos) << e.what();
  }
}

// ---- model files -------------------------------------------------------------------

// A model file whose header holds `c` (not validated on save), with a valid checksum.
void save_with(const std::string& path, const Config& c) {
  Config valid;
  const SoftmaxModel w = init_softmax(2, 3, 7);
  ModelState st;
  st.header = {{"dim", 2}, {"classes", 3}};
  st.weights.assign(w.theta.data(), w.theta.data() + w.theta.size());
  LinearModel m;
  m.set_state(st, valid);
  save_model(path, c, m);
}

TEST(CapsModelFile, ErrorsNameTheFileAndTheField) {
  const std::string path = temp_path("field.sgcm");
  Config c;
  c.op.k = -3;
  save_with(path, c);
  try {
    load_model(path);
    ADD_FAILURE() << "k = -3 accepted";
  } catch (const FormatError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(path), std::string::npos) << m;
    EXPECT_NE(m.find("header field config.operator.k: number of propagation steps must be >= 0, got -3"),
              std::string::npos)
        << m;
    EXPECT_EQ(m.find("--k"), std::string::npos) << m;
  }
  c = Config{};
  c.train.lr = -1;
  save_with(path, c);
  try {
    load_model(path);
    ADD_FAILURE() << "lr = -1 accepted";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("header field config.lr"), std::string::npos) << e.what();
  }
  std::remove(path.c_str());
}

TEST(CapsModelFile, AFolderIsNamedAsAFolder) {
  const std::string dir = temp_path("folder");
  std::filesystem::create_directories(dir);
  try {
    load_model(dir);
    ADD_FAILURE() << "folder accepted";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find(dir + ": is a folder"), std::string::npos) << e.what();
  }
  std::filesystem::remove(dir);
}

TEST(CapsModelFile, AnOperatorAboveTheCapsIsRefusedAtLoad) {
  CapsGuard guard;
  set_max_sparse_products(kDefaultMaxProducts);
  const std::string path = temp_path("huge_k.sgcm");
  Config c;
  c.op.k = 1000000000;
  save_with(path, c);
  const std::string m = resource_message([&] { load_model(path); });
  EXPECT_NE(m.find(path + ": model file: its operator sgc K=1000000000"), std::string::npos) << m;
  EXPECT_NE(m.find("--max-products"), std::string::npos) << m;
  set_max_sparse_products(1000000000);
  EXPECT_NO_THROW(load_model(path));
  std::remove(path.c_str());
}

// ---- interruption ----------------------------------------------------------------------

extern "C" void caps_test_handler(int) {}

TEST(CapsInterrupt, ScopedHandlerRestoresThePreviousOne) {
  struct sigaction mine = {}, seen = {}, before = {};
  mine.sa_handler = caps_test_handler;
  sigemptyset(&mine.sa_mask);
  sigaction(SIGINT, &mine, &before);
  {
    ScopedInterruptHandler scope;
    sigaction(SIGINT, nullptr, &seen);
    EXPECT_NE(seen.sa_handler, caps_test_handler);
    Small g;  // before the request: normalising the graph checks for interrupts too
    request_interrupt();
    EXPECT_TRUE(scope.interrupted_late());
    OperatorSpec s = spec_of("sgc");
    EXPECT_THROW(run_operator(g.s, DenseMatrix(g.x), s), Interrupted);
    EXPECT_FALSE(scope.interrupted_late());
  }
  sigaction(SIGINT, nullptr, &seen);
  EXPECT_EQ(seen.sa_handler, caps_test_handler);
  EXPECT_FALSE(interrupt_requested());
  sigaction(SIGINT, &before, nullptr);
}

// The graph builders and generators stop at a requested interrupt instead of
// finishing a construction that takes seconds on big inputs.
TEST(CapsInterrupt, GraphConstructionStopsAtAnInterrupt) {
  std::vector<Triplet> t;
  for (int32_t i = 0; i < 1000; ++i) t.push_back({i, (i + 1) % 1000, 1.0f});
  const CsrMatrix a = csr_from_triplets(1000, 1000, t, false);
  request_interrupt();
  EXPECT_THROW(csr_from_triplets(1000, 1000, t, false), Interrupted);
  request_interrupt();
  EXPECT_THROW(symmetrize_max(a), Interrupted);
  request_interrupt();
  EXPECT_THROW(aug_norm_adj(a), Interrupted);
  request_interrupt();
  EXPECT_THROW(class_gaussian_features(std::vector<int32_t>(100, 0), 2, 8, 1.0, 1.0, 0), Interrupted);
  request_interrupt();
  EXPECT_THROW(random_order(int64_t(1) << 21, 0), Interrupted);
  EXPECT_FALSE(interrupt_requested());
  EXPECT_EQ(symmetrize_max(a).nnz(), 2000);  // and work again after
}

// ---- tune's messages -------------------------------------------------------------------

TEST(CapsTune, RangeMessagesPrintNumbersWithG) {
  try {
    tune::TpeSearch search({{"weight_decay", 1e-8, 1e-9, tune::Scale::Log, false}}, tune::TpeOptions{});
    ADD_FAILURE() << "accepted";
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("low (1e-08) must be < high (1e-09)"), std::string::npos) << e.what();
  }
}

// ---- the command line ------------------------------------------------------------------

void expect_cli(const std::string& args, int code, const std::string& needle) {
  const testing::CliRun r = testing::run_cli(args);
  EXPECT_EQ(r.exit_code, code) << args << "\n" << r.output;
  EXPECT_NE(r.output.find(needle), std::string::npos) << args << "\n" << r.output;
}

TEST(CapsCli, CostsAboveTheCapsAreRefusedWithHowToRaiseThem) {
  const std::string small = " --nodes 2000 --threads 1";
  expect_cli("train --k 100000" + small, 1, "raise it with --max-products");
  expect_cli("train --op dgc_naive --k 100000" + small, 1, "100000 sparse products, above the cap of 10000");
  expect_cli("train --op heat --t 1e6" + small, 1, "above the cap of 10000");
  expect_cli("train --op sign --k 1000 --memory-limit 8M" + small, 1, "operator sign K=1000");
  expect_cli("tune --search k --range k=0:1000000 --trials 2" + small, 1,
             "--range k=0:1000000: k = 1e+06 (sgc K=1000000");
  expect_cli("sweep --ks 1,100000" + small, 1, "--ks 100000");
  // Raised caps: accepted (a cheap setting under a lower cap shows the flag applies).
  expect_cli("train --k 3 --max-products 2" + small, 1, "above the cap of 2");
  expect_cli("train --k 2 --max-products 2 --json" + small, 0, "\"k\": 2");
  expect_cli("train --max-products 0" + small, 105, "--max-products");
  expect_cli("train --max-products lots" + small, 105, "--max-products");
}

// The graph models (tsc, acm) propagate inside training: the product cap and
// the memory budget hold for them before any epoch, as for the linear model.
TEST(CapsCli, GraphModelsAreCheckedBeforeTraining) {
  const std::string cora = " --dataset cora --threads 1 --data-dir " + testing::planetoid_dir();
  expect_cli("train --model acm --k 64 --epochs 2 --memory-limit 2M" + cora, 1, "the acm model's hops (K=64");
  expect_cli("train --model acm --k 100000 --epochs 1" + cora, 1, "above the cap of 10000");
  expect_cli("train --model tsc --k 2 --epochs 1 --hidden 65536 --memory-limit 1G" + cora, 1,
             "the tsc model's representations (L=2, --hidden 65536");
  expect_cli("train --model tsc --k 20000 --epochs 1" + cora, 1, "above the cap of 10000");
}

// An output is a new plain file: a FIFO, a symbolic link or a device at the
// path would be replaced by the rename, so it is refused before the work.
TEST(CapsCli, OutputsThatAreNotPlainFilesAreRefused) {
  const std::string fifo = temp_path("out.fifo"), link = temp_path("out.link"), target = temp_path("out.target");
  std::remove(fifo.c_str()), std::remove(link.c_str()), std::remove(target.c_str());
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::filesystem::create_symlink(target, link);
  expect_cli("train --nodes 300 --threads 1 --save " + fifo, 1, "--save: " + fifo + " is a FIFO");
  expect_cli("train --nodes 300 --threads 1 --save " + link, 1, "--save: " + link + " is a symbolic link");
  EXPECT_TRUE(std::filesystem::is_fifo(fifo));
  EXPECT_TRUE(std::filesystem::is_symlink(link));
  EXPECT_FALSE(std::filesystem::exists(target));
  EXPECT_THROW(write_file_atomically(fifo, "x"), ArgumentError);
  std::remove(fifo.c_str()), std::remove(link.c_str());
}

// The attack reads one logit per class of the graph: a saved model with
// another class count is refused (it was read past its rows' end).
TEST(CapsCli, AttackingAModelOfAnotherClassCountIsRefused) {
  const std::string model = temp_path("two_classes.sgcm");
  expect_cli("train --nodes 2000 --features 64 --classes 2 --threads 1 --save " + model, 0, "test accuracy");
  expect_cli("attack --nodes 6000 --features 64 --classes 40 --threads 1 --budgets 2 --num-targets 5 --load " + model,
             1, "--load: the model has 2 classes, the graph csbm 40");
  expect_cli("attack --nodes 2000 --threads 1 --budgets 2 --max-candidates -5", 105, "--max-candidates");
  std::remove(model.c_str());
}

// A folder that cannot be made is an error naming the flag, not a crash.
TEST(CapsCli, AnOutputFolderThatCannotBeMadeIsAnError) {
  const std::string file = temp_path("not_a_folder");
  std::ofstream(file) << "x";
  const testing::CliRun r = testing::run_cli("partition --nodes 2000 --parts 2 --out " + file + "/parts");
  std::remove(file.c_str());
  if (r.output.find("built without MPI") != std::string::npos) GTEST_SKIP() << "sgc partition needs MPI";
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("sgc: error: --out: " + file + "/parts: cannot create"), std::string::npos) << r.output;
}

TEST(CapsCli, ModelFileErrorsNameTheFile) {
  CapsGuard guard;
  const std::string path = temp_path("cli_huge_k.sgcm"), dir = temp_path("cli_folder");
  Config c;
  c.op.k = 1000000000;
  save_with(path, c);
  expect_cli("predict --model " + path + " --nodes 300", 1, path + ": model file: its operator sgc K=1000000000");
  std::filesystem::create_directories(dir);
  expect_cli("predict --model " + dir + " --nodes 300", 1, dir + ": is a folder");
  c.op.k = -3;
  save_with(path, c);
  expect_cli("predict --model " + path + " --nodes 300", 1, "header field config.operator.k");
  std::remove(path.c_str());
  std::filesystem::remove(dir);
}

TEST(CapsCli, SignModelsWithZScoreRoundTrip) {
  // sign's output has K + 1 columns per feature: the model's dim and its
  // z-score statistics are checked against that, not against the raw features.
  const std::string path = temp_path("sign.sgcm");
  expect_cli("train --op sign --k 2 --feature-norm zscore --nodes 2000 --threads 1 --save " + path, 0, "operator sign K=2");
  expect_cli("predict --model " + path + " --nodes 2000 --threads 1", 0, "accuracy on the test split");
  std::remove(path.c_str());
}

TEST(CapsCli, MessagesNameTheFlagsAndExitCodesAreDocumented) {
  const std::string small = " --nodes 2000 --threads 1 --trials 2";
  expect_cli("tune --wd-low 1e-8 --wd-high 1e-9" + small, 1, "--wd-low 1e-08 / --wd-high 1e-09");
  expect_cli("tune --search k --range k=5:2" + small, 1, "--range k=5:2: the low end of k (5)");
  // CLI11 conversion errors (its code 104) exit 105, inside the documented 105-109.
  expect_cli("train --epochs abc", 105, "--epochs");
  expect_cli("train --k 2.5", 105, "--k");
  expect_cli("train --lr", 105, "--lr");
}

// The budget's message says where the budget came from.
TEST(CapsCli, TheBudgetMessageSaysWhereTheBudgetCameFrom) {
  expect_cli("train --nodes 2000 --memory-limit 1K", 1, "above the memory budget of 1024 bytes (as set)");
}

TEST(CapsCli, DivergenceIsAnError) {
  const std::string cora = " --dataset cora --data-dir " + testing::planetoid_dir();
  for (const std::string args : {"--lr 1e30", "--weight-decay 1e30", "--norm lap --k 4", "--norm no_norm --k 10"}) {
    const testing::CliRun r = testing::run_cli("train " + args + cora);
    EXPECT_EQ(r.exit_code, 1) << args << "\n" << r.output;
    const bool named = r.output.find("training diverged") != std::string::npos ||
                       r.output.find("propagated features are not finite") != std::string::npos;
    EXPECT_TRUE(named) << args << "\n" << r.output;
  }
  // The advice names the step's own knob: no --lr for an optimizer that refuses it (scrn-zo at
  // scrn's rho 1e-3 diverges on this graph).
  const testing::CliRun zo = testing::run_cli("train --nodes 2000 --features 16 --classes 3 --optimizer scrn-zo --rho 1e-3");
  EXPECT_EQ(zo.exit_code, 1) << zo.output;
  EXPECT_NE(zo.output.find("training diverged"), std::string::npos) << zo.output;
  EXPECT_NE(zo.output.find("(scrn-zo, rho 0.001, weight decay 0); raise --rho"), std::string::npos) << zo.output;
  EXPECT_EQ(zo.output.find("--lr"), std::string::npos) << zo.output;
}

}  // namespace
}  // namespace sgc
