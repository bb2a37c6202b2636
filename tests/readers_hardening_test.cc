// Reader hardening: sizes read from a file are checked against the
// file and the memory budget before allocating, bombs and lying sizes are
// refused, nothing is silently accepted, and messages name the path and show
// untrusted bytes escaped. Every input is small and written to a temp folder.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "readers_util.h"
#include "sgc/data/class_split.h"
#include "sgc/io/edge_list.h"
#include "sgc/io/format/file_bytes.h"
#include "sgc/io/format/npz.h"
#include "sgc/io/format/pickle.h"
#include "sgc/util/printable.h"
#include "sgc/io/format/text_lines.h"
#include "sgc/io/format/zip_writer.h"
#include "sgc/io/load.h"
#include "sgc/io/npz_datasets.h"
#include "sgc/io/ogb.h"
#include "sgc/util/budget.h"
#include "test_util.h"

namespace sgc {
namespace {

using testing::expect_error;
using testing::gzip;
using testing::write_bytes;
namespace fs = std::filesystem;

// Sets the memory budget for one test and restores it.
struct BudgetGuard {
  int64_t old = memory_budget();
  explicit BudgetGuard(int64_t bytes) { set_memory_budget(bytes); }
  ~BudgetGuard() { set_memory_budget(old); }
};

template <class T>
std::string_view view(const std::vector<T>& v) {
  return std::string_view(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

// A gnn-benchmark npz of a 4-node path graph; `attr` picks the feature members.
enum class Attr { Sparse, NoData, None, HugeShape, WideShape };
void write_gnn_benchmark(const std::string& path, Attr attr) {
  static const std::vector<float> adj_data(6, 1.0f), attr_data(4, 1.0f);
  static const std::vector<int32_t> adj_indices = {1, 0, 2, 1, 3, 2}, adj_indptr = {0, 1, 3, 5, 6};
  static const std::vector<int32_t> attr_indices = {0, 1, 2, 0}, attr_indptr = {0, 1, 2, 3, 4};
  static const std::vector<int64_t> adj_shape = {4, 4}, labels = {0, 1, 0, 1};
  std::vector<int64_t> attr_shape = {4, 3};
  if (attr == Attr::HugeShape) attr_shape = {4, int64_t{1} << 26};
  if (attr == Attr::WideShape) attr_shape = {4, 60000};
  std::vector<NpzEntry> e = {{"adj_data", npy_header("<f4", {6}), view(adj_data)},
                             {"adj_indices", npy_header("<i4", {6}), view(adj_indices)},
                             {"adj_indptr", npy_header("<i4", {5}), view(adj_indptr)},
                             {"adj_shape", npy_header("<i8", {2}), view(adj_shape)},
                             {"labels", npy_header("<i8", {4}), view(labels)}};
  if (attr != Attr::None) {
    if (attr != Attr::NoData) e.push_back({"attr_data", npy_header("<f4", {4}), view(attr_data)});
    e.push_back({"attr_indices", npy_header("<i4", {4}), view(attr_indices)});
    e.push_back({"attr_indptr", npy_header("<i4", {5}), view(attr_indptr)});
    e.push_back({"attr_shape", npy_header("<i8", {2}), view(attr_shape)});
  }
  write_npz(path, e, false);
}

// A heterophilous npz: n nodes on a path, 2-D features, the given label values.
void write_heterophilous(const std::string& path, const std::vector<int64_t>& labels) {
  const int64_t n = static_cast<int64_t>(labels.size());
  std::vector<float> x(static_cast<size_t>(2 * n));
  std::vector<int64_t> edges;
  for (int64_t i = 0; i < n; ++i) {
    x[2 * i] = labels[i] == labels[0] ? 1.0f : -1.0f;
    x[2 * i + 1] = 0.1f * static_cast<float>(i % 3);
    if (i + 1 < n) edges.push_back(i), edges.push_back(i + 1);
  }
  std::vector<uint8_t> train(n, 0), val(n, 0), test(n, 0);
  for (int64_t i = 0; i < n; ++i) (i % 3 == 0 ? train : i % 3 == 1 ? val : test)[i] = 1;
  write_npz(path,
            {{"node_features", npy_header("<f4", {n, 2}), view(x)},
             {"node_labels", npy_header("<i8", {n}), view(labels)},
             {"edges", npy_header("<i8", {n - 1, 2}), view(edges)},
             {"train_masks", npy_header("|b1", {n}), view(train)},
             {"val_masks", npy_header("|b1", {n}), view(val)},
             {"test_masks", npy_header("|b1", {n}), view(test)}},
            false);
}

// --- 1. sizes checked before allocating ---

TEST(HardeningOgb, DeclaredNodeCountIsCheckedAgainstTheRowsBeforeAllocating) {
  testing::TempDir tmp;
  const std::string root = tmp.file("ogbn_liar");
  write_bytes(root + "/raw/edge.csv.gz", gzip("0,1\n1,2\n"));
  write_bytes(root + "/raw/num-node-list.csv.gz", gzip("2147483646\n"));
  write_bytes(root + "/raw/node-feat.csv.gz", gzip("1,0\n0,1\n1,1\n"));
  write_bytes(root + "/raw/node-label.csv.gz", gzip("0\n1\n0\n"));
  write_bytes(root + "/split/s/train.csv.gz", gzip("0\n"));
  write_bytes(root + "/split/s/valid.csv.gz", gzip("1\n"));
  write_bytes(root + "/split/s/test.csv.gz", gzip("2\n"));
  BudgetGuard budget(int64_t{256} << 20);  // a 2^31-node graph would need ~50 GB
  expect_error<FormatError>([&] { load_ogb_node_dataset(root); },
                            {"node-feat.csv.gz", "3 feature rows for 2147483646 nodes", "num-node-list"});
}

TEST(HardeningEdgeList, ElevenBytesCannotMakeSixteenMillionNodes) {
  testing::TempDir tmp;
  const std::string p = tmp.file("tiny.txt");
  write_bytes(p, "0 16777215\n");
  expect_error<FormatError>([&] { load_dataset(p, LoadOptions{}); },
                            {"tiny.txt", "largest node id is 16777215", "1 edge line names at most 2 ids", "renumber"});
  // Gaps are fine while the ids can still be node numbers (N <= 4 E + 65536).
  const std::string q = tmp.file("gappy.txt");
  write_bytes(q, "0 1\n2 60000\n");
  EXPECT_EQ(load_dataset(q, LoadOptions{}).num_nodes(), 60001);
  // And the graph must fit the memory budget.
  BudgetGuard budget(int64_t{1} << 20);
  expect_error<ResourceError>([&] { load_dataset(q, LoadOptions{}); }, {"gappy.txt", "--memory-limit"});
}

TEST(HardeningNpz, FeatureShapeIsCheckedAgainstTheStoredValues) {
  testing::TempDir tmp;
  const std::string ok = tmp.file("ok.npz"), huge = tmp.file("huge.npz"), wide = tmp.file("wide.npz");
  write_gnn_benchmark(ok, Attr::Sparse);
  write_gnn_benchmark(huge, Attr::HugeShape);
  write_gnn_benchmark(wide, Attr::WideShape);
  EXPECT_EQ(load_dataset(ok, LoadOptions{}).num_features(), 3);
  expect_error<FormatError>([&] { load_dataset(huge, LoadOptions{}); },
                            {"huge.npz", "(4, 67108864)", "feature columns for 4 stored values"});
  // Plausible columns, but the dense matrix propagation makes must fit the budget.
  EXPECT_EQ(load_dataset(wide, LoadOptions{}).num_features(), 60000);
  BudgetGuard budget(512 << 10);
  expect_error<ResourceError>([&] { load_dataset(wide, LoadOptions{}); }, {"wide.npz", "4 x 60000", "--memory-limit"});
}

TEST(HardeningZip, InflatedSizeIsBoundedByTheBudget) {
  testing::TempDir tmp;
  const std::string p = tmp.file("zeros.npz");
  const std::vector<float> zeros(1 << 20, 0.0f);  // 4 MiB deflating to a few KiB
  write_npz(p, {{"a", npy_header("<f4", {1 << 20}), view(zeros)}}, true);
  EXPECT_LT(fs::file_size(p), 64u << 10);
  EXPECT_EQ(NpzFile::open(p).values<float>("a").data.size(), size_t{1} << 20);
  BudgetGuard budget(1 << 20);
  expect_error<ResourceError>([&] { NpzFile::open(p).array("a"); }, {"zeros.npz", "zip entry 'a.npy'", "--memory-limit"});
}

// A stream of unknown size (a pipe, a device) is read whole within the
// budget: --dataset /dev/zero grew to 17 GB under a 2 GB limit.
TEST(HardeningText, EndlessStreamsAreBoundedByTheBudget) {
  BudgetGuard budget(8 << 20);
  expect_error<ResourceError>([&] { FileBytes::open("/dev/zero"); }, {"/dev/zero: reading it whole", "--memory-limit"});
  // A pipe's bytes reach the reader whole (the kind of file was sniffed from them and they were lost).
  const testing::CliRun piped = testing::run_shell("printf '0 1\\n1 2\\n2 0\\n3 4\\n' | " + std::string(SGC_CLI_PATH) +
                                                   " train --json --threads 1 --dataset /dev/stdin");
  ASSERT_EQ(piped.exit_code, 0) << piped.output;
  EXPECT_NE(piped.output.find("\"nodes\": 5"), std::string::npos) << piped.output;
}

TEST(HardeningText, OneHugeLineIsRefused) {
  // 17 MiB without a line break, gzip-compressed to a few KiB.
  const std::string text(TextLines::kMaxLineBytes + (1 << 20), 'a');
  TextLines in(gzip(text), "bomb.txt.gz");
  std::string_view line;
  expect_error<FormatError>([&] { in.next(line); }, {"bomb.txt.gz:1:", "line longer than 16777216 bytes"});
  // The cap can be lowered; lines under it are fine.
  TextLines small(std::string("short\n") + std::string(2000, 'b') + "\n", "s.txt");
  small.set_max_line_bytes(1000);
  ASSERT_TRUE(small.next(line));
  EXPECT_EQ(line, "short");
  expect_error<FormatError>([&] { small.next(line); }, {"s.txt:2:", "longer than 1000 bytes"});
}

TEST(HardeningPickle, NestedEmptyListsAreCappedPerInputByte) {
  const size_t n = 300000;  // 600 KB of pickle; ~80 MB of decoded lists
  std::string p = "\x80\x02";
  p.append(n, ']');
  p.append(n - 1, 'a');
  p += '.';
  expect_error<FormatError>([&] { pickle::parse(p, "bomb.pkl"); }, {"bomb.pkl", "bytes per input byte"});
  // A modest nesting is fine.
  std::string q = "\x80\x02";
  q.append(1000, ']');
  q.append(999, 'a');
  q += '.';
  EXPECT_EQ(pickle::parse(q, "ok.pkl").root().kind, pickle::Kind::List);
}

TEST(HardeningPickle, FrameLongerThanTheFileIsRejected) {
  std::string p = "\x80\x04\x95";
  const uint64_t len = 1000;
  p.append(reinterpret_cast<const char*>(&len), 8);
  p += "N.";
  expect_error<FormatError>([&] { pickle::parse(p, "frame.pkl"); }, {"frame.pkl", "frame of 1000 bytes", "FRAME"});
  std::string q = "\x80\x04\x95";
  const uint64_t two = 2;
  q.append(reinterpret_cast<const char*>(&two), 8);
  q += "N.";
  EXPECT_EQ(pickle::parse(q, "ok.pkl").root().kind, pickle::Kind::None);
}

// --- 2. no silent acceptance ---

TEST(HardeningNpz, MissingFeatureMembersAreErrors) {
  testing::TempDir tmp;
  const std::string nodata = tmp.file("nodata.npz"), none = tmp.file("none.npz");
  write_gnn_benchmark(nodata, Attr::NoData);
  write_gnn_benchmark(none, Attr::None);
  expect_error<FormatError>([&] { load_dataset(nodata, LoadOptions{}); }, {"nodata.npz", "no array 'attr_data'"});
  expect_error<FormatError>([&] { load_dataset(none, LoadOptions{}); }, {"none.npz", "no node features"});
}

TEST(HardeningLabels, RemappedLabelsKeepTheirValues) {
  testing::TempDir tmp;
  const std::string gaps = tmp.file("gaps.npz"), plain = tmp.file("plain.npz"), one = tmp.file("one.npz");
  write_heterophilous(gaps, {5, 9, 5, 9, 5, 9});
  write_heterophilous(plain, {0, 1, 0, 1, 0, 1});
  write_heterophilous(one, {3, 3, 3, 3, 3, 3});
  const Dataset g = load_dataset(gaps, LoadOptions{});
  EXPECT_EQ(g.num_classes, 2);
  EXPECT_EQ(g.labels, (std::vector<int32_t>{0, 1, 0, 1, 0, 1}));
  EXPECT_EQ(g.label_values, (std::vector<int64_t>{5, 9}));
  EXPECT_EQ(label_value(g, 1), 9);
  EXPECT_TRUE(load_dataset(plain, LoadOptions{}).label_values.empty());
  expect_error<FormatError>([&] { load_dataset(one, LoadOptions{}); }, {"one.npz", "1 class", "at least two"});
  std::vector<int32_t> labels;
  std::vector<int64_t> values;
  EXPECT_EQ(compact_labels({2, -1, 1, 2}, labels, &values), 2);
  EXPECT_EQ(values, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(compact_labels({1, -1, 0}, labels, &values), 2);
  EXPECT_TRUE(values.empty());
}

TEST(HardeningLabels, PredictWritesTheFileLabelValues) {
  testing::TempDir tmp;
  const std::string data = tmp.file("gaps.npz"), model = tmp.file("m.sgcm"), csv = tmp.file("pred.csv");
  std::vector<int64_t> y;
  for (int i = 0; i < 60; ++i) y.push_back(i % 2 ? 9 : 5);
  write_heterophilous(data, y);
  const testing::CliRun train = testing::run_cli("train --dataset " + data + " --k 1 --save " + model);
  ASSERT_EQ(train.exit_code, 0) << train.output;
  const testing::CliRun pred = testing::run_cli("predict --dataset " + data + " --model " + model + " --out " + csv);
  ASSERT_EQ(pred.exit_code, 0) << pred.output;
  std::ifstream in(csv);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "node,class");
  std::set<std::string> classes;
  while (std::getline(in, line)) classes.insert(line.substr(line.find(',') + 1));
  EXPECT_FALSE(classes.empty());
  for (const std::string& c : classes) EXPECT_TRUE(c == "5" || c == "9") << c;
}

// --- 3. messages ---

TEST(HardeningMessages, UntrustedBytesAreEscaped) {
  EXPECT_EQ(printable("abc"), "abc");
  EXPECT_EQ(printable("\x1b]0;x\x07"), "\\x1b]0;x\\x07");
  EXPECT_EQ(printable("caf\xc3\xa9"), "caf\xc3\xa9");       // valid UTF-8 kept
  EXPECT_EQ(printable("\xc2\x9b" "2J"), "\\xc2\\x9b2J");    // C1 CSI escaped
  EXPECT_EQ(printable("\xff\xc3"), "\\xff\\xc3");           // invalid / cut sequences
  EXPECT_EQ(printable("a\\b"), "a\\x5cb");
  EXPECT_EQ(printable(std::string(100, 'x'), 10), std::string(10, 'x') + "...");
  testing::TempDir tmp;
  const std::string p = tmp.file("evil.txt");
  write_bytes(p, "0 1\n\x1b]0;pwned\x07 2\n");
  try {
    load_dataset(p, LoadOptions{});
    ADD_FAILURE() << "no exception";
  } catch (const FormatError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.find('\x1b'), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\x07'), std::string::npos) << msg;
    EXPECT_NE(msg.find("evil.txt:2:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("\\x1b]0;pwned\\x07"), std::string::npos) << msg;
  }
}

TEST(HardeningMessages, EmptyPlanetoidGraphSaysSo) {
  testing::TempDir tmp;
  for (const char* ext : {"x", "y", "tx", "ty", "allx", "ally", "test.index"}) {
    fs::copy_file(testing::planetoid_dir() + "/ind.cora." + ext, tmp.file(std::string("ind.cora.") + ext));
  }
  write_bytes(tmp.file("ind.cora.graph"), std::string("\x80\x02}q\x00.", 6));  // an empty dict
  expect_error<FormatError>([&] { load_dataset("cora", tmp.path()); }, {"ind.cora.graph", "no nodes"});
}

TEST(HardeningMessages, MissingPathsAndUnknownNames) {
  expect_error<FileError>([] { load_dataset("/nonexistent/dir/graph.txt", LoadOptions{}); },
                          {"'/nonexistent/dir/graph.txt'", "no such file or folder", "/nonexistent/dir"});
  expect_error<FileError>([] { load_dataset("missing_graph.txt", LoadOptions{}); },
                          {"'missing_graph.txt'", "no such file or folder"});
  testing::TempDir tmp;
  write_bytes(tmp.file("roads.txt"), "0 1\n");
  expect_error<FileError>([&] { load_dataset(tmp.file("raods.txt"), LoadOptions{}); },
                          {"no such file or folder", "roads.txt"});
  try {
    load_dataset("texsa", LoadOptions{});
    ADD_FAILURE() << "no exception";
  } catch (const ArgumentError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("unknown data set 'texsa'; did you mean texas"), std::string::npos) << msg;
    EXPECT_LT(msg.size(), 200u) << msg;
  }
  try {
    load_dataset("nosuch", LoadOptions{});
    ADD_FAILURE() << "no exception";
  } catch (const ArgumentError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("unknown data set 'nosuch'"), std::string::npos) << msg;
    EXPECT_LT(msg.size(), 400u) << msg;
  }
}

// --- 4. folders, empty files, directories ---

TEST(HardeningPaths, FoldersEmptyFilesAndDirectoriesAreNamed) {
  testing::TempDir tmp;
  const std::string empty_dir = tmp.file("nothing"), npz_dir = tmp.file("npzs"), empty = tmp.file("empty.txt");
  fs::create_directories(empty_dir);
  fs::create_directories(npz_dir);
  write_gnn_benchmark(npz_dir + "/g.npz", Attr::Sparse);
  write_bytes(empty, "");
  expect_error<FileError>([&] { load_dataset(empty_dir, LoadOptions{}); }, {empty_dir, "no known layout", "it is empty"});
  expect_error<FileError>([&] { load_dataset(npz_dir, LoadOptions{}); }, {npz_dir, "g.npz"});
  expect_error<FormatError>([&] { load_dataset(empty, LoadOptions{}); }, {empty, "empty file"});
  // A directory where a file is expected.
  const std::string root = tmp.file("ogbn_dir");
  write_bytes(root + "/raw/edge.csv.gz", gzip("0,1\n"));
  write_bytes(root + "/raw/num-node-list.csv.gz", gzip("2\n"));
  fs::create_directories(root + "/raw/node-feat.csv.gz");
  expect_error<FileError>([&] { load_dataset(root, LoadOptions{}); }, {"node-feat.csv.gz", "is a directory"});
  // An empty split file is an error, not an empty split.
  const std::string ogb = tmp.file("ogbn_nosplit");
  write_bytes(ogb + "/raw/edge.csv.gz", gzip("0,1\n1,2\n"));
  write_bytes(ogb + "/raw/num-node-list.csv.gz", gzip("3\n"));
  write_bytes(ogb + "/raw/node-feat.csv.gz", gzip("1,0\n0,1\n1,1\n"));
  write_bytes(ogb + "/raw/node-label.csv.gz", gzip("0\n1\n0\n"));
  write_bytes(ogb + "/split/s/train.csv.gz", gzip("0\n"));
  write_bytes(ogb + "/split/s/valid.csv.gz", "");
  write_bytes(ogb + "/split/s/test.csv.gz", gzip("2\n"));
  expect_error<FormatError>([&] { load_dataset(ogb, LoadOptions{}); }, {"valid.csv.gz", "empty valid split"});
  expect_error<FileError>([&] { pickle::read_file(empty_dir); }, {empty_dir, "is a directory"});
  expect_error<FileError>([&] { read_file_bytes(empty_dir); }, {empty_dir, "is a directory"});
}

}  // namespace
}  // namespace sgc
