// Tests for the Planetoid loader (src/sgc/io/planetoid.h): every count in
// shared/data/README.md section 1 for Cora, CiteSeer and PubMed, the GCN
// assembly rules on a small hand-built data set, one test per error class,
// and the CSR helpers it relies on (src/sgc/graph/csr.h).
#include "sgc/io/planetoid.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <unistd.h>
#include <vector>

#include "pickle_writer.h"
#include "readers_util.h"
#include "sgc/error.h"
#include "sgc/io/format/file_bytes.h"
#include "sgc/io/format/pickle.h"
#include "sgc/io/load.h"
#include "test_util.h"

namespace sgc {
namespace {

namespace fs = std::filesystem;
using testing::PickleWriter;

struct Expected {
  const char* name;
  int64_t nodes, features, classes, x_rows, allx_rows, tx_rows, x_nnz, tx_nnz, allx_nnz;
  int64_t test_min, test_max, list_entries, undirected, self_loop_entries, unlabelled;
};
const Expected kExpected[] = {
    {"cora", 2708, 1433, 7, 140, 1708, 1000, 2647, 17955, 31261, 1708, 2707, 10858, 5278, 0, 0},
    {"citeseer", 3327, 3703, 6, 120, 2312, 1000, 3778, 31992, 73173, 2312, 3326, 9464, 4552, 248, 15},
    {"pubmed", 19717, 500, 3, 60, 18717, 1000, 2819, 50140, 937891, 18717, 19716, 88676, 44324, 6, 0},
};

class PlanetoidCounts : public ::testing::TestWithParam<Expected> {};

TEST_P(PlanetoidCounts, MatchReadme) {
  const Expected& e = GetParam();
  const std::string dir = testing::planetoid_dir();
  if (!fs::is_directory(dir)) GTEST_SKIP() << "no data in " << dir;
  const std::string base = dir + "/ind." + e.name + ".";
  auto csr = [&](const char* part) { return pickle::to_csr(pickle::read_file(base + part).root(), part); };
  const CsrMatrix x = csr("x"), tx = csr("tx"), allx = csr("allx");
  EXPECT_EQ(x.rows, e.x_rows);
  EXPECT_EQ(tx.rows, e.tx_rows);
  EXPECT_EQ(allx.rows, e.allx_rows);
  EXPECT_EQ(x.nnz(), e.x_nnz);
  EXPECT_EQ(tx.nnz(), e.tx_nnz);
  EXPECT_EQ(allx.nnz(), e.allx_nnz);
  const auto g = pickle::to_adjacency_lists(pickle::read_file(base + "graph").root(), "graph");
  EXPECT_EQ(static_cast<int64_t>(g.neighbors.size()), e.list_entries);
  int64_t loops = 0;
  for (size_t k = 0; k < g.keys.size(); ++k) {
    for (int64_t p = g.offsets[k]; p < g.offsets[k + 1]; ++p) loops += g.neighbors[p] == g.keys[k];
  }
  EXPECT_EQ(loops, e.self_loop_entries);

  const auto t0 = std::chrono::steady_clock::now();
  const Dataset d = load_planetoid(dir, e.name);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  std::printf("[          ] load_planetoid(%s): %.2f ms\n", e.name, ms);
  EXPECT_LT(ms, 2000.0);

  EXPECT_EQ(d.name, e.name);
  EXPECT_EQ(d.num_nodes(), e.nodes);
  EXPECT_EQ(static_cast<int64_t>(g.keys.size()), e.nodes);
  EXPECT_EQ(d.num_features(), e.features);
  EXPECT_EQ(d.num_classes, e.classes);
  EXPECT_EQ(d.features.nnz(), e.allx_nnz + e.tx_nnz);
  EXPECT_EQ(d.train.size(), static_cast<size_t>(e.x_rows));
  EXPECT_EQ(d.val.size(), 500u);
  EXPECT_EQ(d.test.size(), 1000u);
  EXPECT_EQ(d.train.front(), 0);
  EXPECT_EQ(d.val.front(), e.x_rows);
  EXPECT_EQ(d.val.back(), e.x_rows + 499);
  EXPECT_EQ(d.test.front(), e.test_min);
  EXPECT_EQ(d.test.back(), e.test_max);
  EXPECT_TRUE(std::is_sorted(d.test.begin(), d.test.end()));
  EXPECT_EQ(std::count(d.labels.begin(), d.labels.end(), -1), e.unlabelled);

  // Adjacency: symmetric unit weights; off-diagonal entries = 2 x undirected edges.
  int64_t diag = 0;
  for (int64_t i = 0; i < d.num_nodes(); ++i) {
    for (int64_t p = d.adjacency.indptr[i]; p < d.adjacency.indptr[i + 1]; ++p) diag += d.adjacency.indices[p] == i;
  }
  EXPECT_EQ((d.adjacency.nnz() - diag) / 2, e.undirected);
  EXPECT_EQ((d.adjacency.nnz() - diag) % 2, 0);
  EXPECT_EQ(diag > 0, e.self_loop_entries > 0);
  EXPECT_LE(diag, e.self_loop_entries);
  EXPECT_NO_THROW(validate_dataset(d, "d"));

  // test.index: row j of tx / ty sits at node test_index[j].
  const auto tyl = pickle::to_dense<int32_t>(pickle::read_file(base + "ty").root(), "ty");
  std::vector<int64_t> index;
  {
    std::string text = read_file_bytes(base + "test.index");
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      index.push_back(std::stoll(text.substr(pos, nl - pos)));
      pos = nl == std::string::npos ? text.size() : nl + 1;
    }
  }
  ASSERT_EQ(index.size(), 1000u);
  EXPECT_EQ(*std::min_element(index.begin(), index.end()), e.test_min);
  EXPECT_EQ(*std::max_element(index.begin(), index.end()), e.test_max);
  for (size_t j : {size_t{0}, size_t{1}, size_t{500}, size_t{999}}) {
    const int64_t node = index[j];
    ASSERT_EQ(d.features.row_end(node) - d.features.row_begin(node), tx.row_end(j) - tx.row_begin(j));
    EXPECT_TRUE(std::equal(tx.indices.begin() + tx.row_begin(j), tx.indices.begin() + tx.row_end(j),
                           d.features.indices.begin() + d.features.row_begin(node)));
    EXPECT_EQ(tyl.data[j * e.classes + d.labels[node]], 1);
  }
  // Training rows are x's rows (same pattern; PubMed's rebuilt allx differs by < 5e-6 relative).
  for (int64_t r = 0; r < x.rows; ++r) {
    ASSERT_EQ(d.features.row_end(r) - d.features.row_begin(r), x.row_end(r) - x.row_begin(r)) << r;
    for (int64_t p = 0; p < x.row_end(r) - x.row_begin(r); ++p) {
      EXPECT_EQ(d.features.indices[d.features.row_begin(r) + p], x.indices[x.row_begin(r) + p]);
      EXPECT_NEAR(d.features.values[d.features.row_begin(r) + p], x.values[x.row_begin(r) + p], 1e-5);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Planetoid, PlanetoidCounts, ::testing::ValuesIn(kExpected),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(PlanetoidClasses, CountsMatchPublishedTotals) {
  const std::string dir = testing::planetoid_dir();
  if (!fs::is_directory(dir)) GTEST_SKIP() << "no data in " << dir;
  auto counts = [&](const char* name) {
    const Dataset d = load_planetoid(dir, name);
    std::vector<int64_t> c(d.num_classes, 0);
    for (int32_t l : d.labels) if (l >= 0) ++c[l];
    std::sort(c.begin(), c.end());
    return c;
  };
  EXPECT_EQ(counts("cora"), (std::vector<int64_t>{180, 217, 298, 351, 418, 426, 818}));
  EXPECT_EQ(counts("pubmed"), (std::vector<int64_t>{4103, 7739, 7875}));
}

// A small Planetoid-shaped data set written with PickleWriter: 510 allx rows,
// 4 training rows, 4 test rows at ids 510, 511, 513, 514 (512 is a padded,
// unlabelled node, as in CiteSeer), 5 features, 3 classes, a ring graph with
// a duplicate entry and a self-loop.
struct Toy {
  int64_t n = 515, a = 510, ny = 4, f = 5, c = 3;
  std::vector<int64_t> test_index = {514, 510, 513, 511};
  std::vector<std::vector<int64_t>> graph;
  std::vector<float> tx_values = {1, 2, 3, 4};
  std::string test_index_text;
  Toy() {
    graph.resize(n);
    for (int64_t i = 0; i < n; ++i) graph[i] = {(i + 1) % n, (i + n - 1) % n};
    graph[3].push_back(4);  // duplicate of an existing edge
    graph[7].push_back(7);  // self-loop
    for (int64_t t : test_index) test_index_text += std::to_string(t) + "\n";
  }
  // Row r has a single entry: column r % f, value `value`.
  std::string features(int64_t rows, const std::vector<float>& values) const {
    std::vector<int32_t> indices, indptr = {0};
    for (int64_t r = 0; r < rows; ++r) {
      indices.push_back(static_cast<int32_t>(r % f));
      indptr.push_back(static_cast<int32_t>(r + 1));
    }
    return testing::csr_pickle(rows, f, values, indices, indptr);
  }
  std::string labels(int64_t rows, int64_t offset) const {
    std::vector<int32_t> l;
    for (int64_t r = 0; r < rows; ++r) l.push_back(static_cast<int32_t>((r + offset) % c));
    return testing::onehot_pickle(c, l);
  }
  std::map<std::string, std::string> files() const {
    return {{"x", features(ny, std::vector<float>(ny, 1.0f))},
            {"y", labels(ny, 0)},
            {"allx", features(a, std::vector<float>(a, 1.0f))},
            {"ally", labels(a, 0)},
            {"tx", features(4, tx_values)},
            {"ty", labels(4, 1)},
            {"graph", testing::graph_pickle(graph)},
            {"test.index", test_index_text}};
  }
};

class PlanetoidFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    static int counter = 0;
    dir_ = (fs::temp_directory_path() /
            ("sgc_planetoid_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++))).string();
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& part) const { return dir_ + "/ind.cora." + part; }
  void write(const std::map<std::string, std::string>& files) {
    for (const auto& [part, bytes] : files) testing::write_file(path(part), bytes);
  }
  bool copy_real() {
    const std::string src = testing::planetoid_dir();
    if (!fs::is_directory(src)) return false;
    for (const char* part : {"x", "y", "tx", "ty", "allx", "ally", "graph", "test.index"}) {
      fs::copy_file(src + "/ind.cora." + part, path(part), fs::copy_options::overwrite_existing);
      fs::permissions(path(part), fs::perms::owner_read | fs::perms::owner_write);
    }
    return true;
  }
  // Expects a FormatError whose message starts with path(part) and contains `what`.
  void expect_format_error(const std::string& part, const std::string& what) {
    try {
      load_planetoid(dir_, "cora");
      ADD_FAILURE() << "no error, expected " << what;
    } catch (const FormatError& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.rfind(path(part), 0), 0u) << msg;
      EXPECT_NE(msg.find(what), std::string::npos) << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    }
  }
  std::string dir_;
};

TEST_F(PlanetoidFiles, ToyAssemblesLikeGcn) {
  Toy toy;
  write(toy.files());
  const Dataset d = load_planetoid(dir_, "cora");
  EXPECT_EQ(d.num_nodes(), 515);
  EXPECT_EQ(d.num_features(), 5);
  EXPECT_EQ(d.num_classes, 3);
  EXPECT_EQ(d.labels[512], -1);  // padded id
  EXPECT_EQ(d.features.row_end(512) - d.features.row_begin(512), 0);
  for (size_t j = 0; j < toy.test_index.size(); ++j) {  // tx row j -> node test_index[j]
    const int64_t node = toy.test_index[j];
    ASSERT_EQ(d.features.row_end(node) - d.features.row_begin(node), 1);
    EXPECT_EQ(d.features.indices[d.features.row_begin(node)], static_cast<int32_t>(j % 5));
    EXPECT_EQ(d.features.values[d.features.row_begin(node)], toy.tx_values[j]);
    EXPECT_EQ(d.labels[node], static_cast<int32_t>((j + 1) % 3));
  }
  EXPECT_EQ(d.labels[100], 100 % 3);
  EXPECT_EQ(d.test, (std::vector<int32_t>{510, 511, 513, 514}));
  EXPECT_EQ(d.train, (std::vector<int32_t>{0, 1, 2, 3}));
  EXPECT_EQ(d.val.size(), 500u);
  EXPECT_EQ(d.val.back(), 503);
  EXPECT_EQ(d.adjacency.nnz(), 2 * 515 + 1);  // ring + one self-loop; duplicate collapsed
  EXPECT_EQ(d.adjacency.indices[d.adjacency.row_begin(7) + 1], 7);
}

TEST_F(PlanetoidFiles, MissingFile) {
  Toy toy;
  auto files = toy.files();
  files.erase("ty");
  write(files);
  try {
    load_planetoid(dir_, "cora");
    FAIL();
  } catch (const FileError& e) {
    EXPECT_EQ(std::string(e.what()), path("ty") + ": cannot open (No such file or directory)");
  }
  EXPECT_THROW(load_planetoid(dir_ + "/nowhere", "cora"), FileError);
}

TEST_F(PlanetoidFiles, TruncatedPickle) {
  if (!copy_real()) GTEST_SKIP() << "no data";
  const std::string graph = read_file_bytes(path("graph"));
  const std::string allx = read_file_bytes(path("allx"));
  for (double frac : {0.0, 0.001, 0.3, 0.77, 0.9999}) {
    testing::write_file(path("graph"), graph.substr(0, static_cast<size_t>(graph.size() * frac)));
    expect_format_error("graph", "truncated pickle at offset");
    testing::write_file(path("allx"), allx.substr(0, static_cast<size_t>(allx.size() * frac)));
    expect_format_error("allx", "truncated pickle at offset");
    testing::write_file(path("allx"), allx);
  }
}

TEST_F(PlanetoidFiles, CorruptedByteIsUnknownOpcode) {
  if (!copy_real()) GTEST_SKIP() << "no data";
  std::string y = read_file_bytes(path("y"));
  y[2] = '\xff';  // the GLOBAL opcode after PROTO
  testing::write_file(path("y"), y);
  expect_format_error("y", "unknown opcode 0xff at offset 2");
}

TEST_F(PlanetoidFiles, UnknownClass) {
  Toy toy;
  write(toy.files());
  PickleWriter w;
  w.proto().global("os", "system").str("true").tuple1().reduce().stop();
  testing::write_file(path("graph"), w.bytes());
  expect_format_error("graph", "unknown class 'os system'");
}

TEST_F(PlanetoidFiles, LengthsDisagree) {
  Toy toy;
  auto files = toy.files();
  files["y"] = toy.labels(5, 0);  // 5 label rows for 4 x rows
  write(files);
  expect_format_error("y", "has 5 rows but " + path("x") + " has 4");
  write(toy.files());
  testing::write_file(path("ally"), toy.labels(509, 0));
  expect_format_error("ally", "has 509 rows but " + path("allx") + " has 510");
  write(toy.files());
  testing::write_file(path("test.index"), "510\n511\n513\n");
  expect_format_error("test.index", "has 3 rows");
  write(toy.files());
  testing::write_file(path("ty"), testing::onehot_pickle(4, {0, 1, 2, 3}));
  expect_format_error("ty", "has 4 classes");
}

TEST_F(PlanetoidFiles, GraphIdOutOfRange) {
  Toy toy;
  toy.graph[10].push_back(515);
  write(toy.files());
  expect_format_error("graph", "neighbour id 515 of node 10 out of range [0, 515)");
  toy.graph[10].pop_back();
  toy.graph[10].push_back(-1);
  write(toy.files());
  expect_format_error("graph", "neighbour id -1");
}

TEST_F(PlanetoidFiles, TestIndexErrors) {
  Toy toy;
  write(toy.files());
  testing::write_file(path("test.index"), "514\n510\n9999\n511\n");
  expect_format_error("test.index", "line 3: id 9999 out of range [510, 515)");
  testing::write_file(path("test.index"), "514\n510\n5\n511\n");
  expect_format_error("test.index", "id 5 out of range");
  testing::write_file(path("test.index"), "514\n51x\n513\n511\n");
  expect_format_error("test.index", "line 2: '51x' is not an integer");
  testing::write_file(path("test.index"), "514\n\n513\n511\n");
  expect_format_error("test.index", "line 2: '' is not an integer");
  testing::write_file(path("test.index"), "514\n\x1b[31m\n513\n511\n");  // control bytes shown escaped
  expect_format_error("test.index", "line 2: '\\x1b[31m' is not an integer");
  testing::write_file(path("test.index"), "514\n510\n510\n511\n");
  expect_format_error("test.index", "repeated");
  testing::write_file(path("test.index"), " 514 \r\n510\n513\n511");  // whitespace, CRLF, no final newline
  EXPECT_NO_THROW(load_planetoid(dir_, "cora"));  testing::write_file(path("test.index"), "514\n510\n513\n511\n\n \r\n");  // blank lines at the end
  EXPECT_EQ(load_planetoid(dir_, "cora").test.size(), 4u);
}

TEST_F(PlanetoidFiles, NanInFeatures) {
  Toy toy;
  toy.tx_values[2] = std::nanf("");
  write(toy.files());
  expect_format_error("tx", "non-finite value");
}

TEST_F(PlanetoidFiles, WrongDtypeOrType) {
  Toy toy;
  write(toy.files());
  PickleWriter w;
  w.proto().ndarray("f4", '<', {4, 3}, std::string(48, '\0')).stop();
  testing::write_file(path("y"), w.bytes());
  expect_format_error("y", "must have an integer dtype, got <f4");
  write(toy.files());
  testing::write_file(path("x"), toy.labels(4, 0));
  expect_format_error("x", "expected a scipy.sparse.csr_matrix");
  write(toy.files());
  testing::write_file(path("ally"), testing::onehot_pickle(3, std::vector<int32_t>(510, 0)) );
  EXPECT_NO_THROW(load_planetoid(dir_, "cora"));
  std::vector<int32_t> twohot(510 * 3, 0);
  twohot[0] = twohot[1] = 1;
  PickleWriter t;
  t.proto().ndarray("i4", '<', {510, 3}, testing::raw_bytes(twohot)).stop();
  testing::write_file(path("ally"), t.bytes());
  expect_format_error("ally", "row 0 is not a one-hot vector");
}

// The layout is not tied to the three sets: Cora's files under another
// name load the same graph (they were refused as an unknown data set).
TEST(PlanetoidName, AnyNameInTheLayoutLoads) {
  testing::TempDir tmp;
  for (const char* part : {"x", "y", "tx", "ty", "allx", "ally", "graph", "test.index"})
    std::filesystem::copy_file(testing::planetoid_dir() + "/ind.cora." + part, tmp.file(std::string("ind.mine.") + part));
  const Dataset mine = load_planetoid(tmp.path(), "mine"), cora = load_planetoid(testing::planetoid_dir(), "cora");
  EXPECT_EQ(mine.name, "mine");
  EXPECT_EQ(mine.adjacency.indices, cora.adjacency.indices);
  EXPECT_EQ(mine.labels, cora.labels);
  EXPECT_EQ(mine.test, cora.test);
  EXPECT_EQ(load_dataset(tmp.file("ind.mine.graph"), LoadOptions{}).num_nodes(), 2708);
  EXPECT_THROW(load_planetoid("/tmp", "a/b"), ArgumentError);
  EXPECT_THROW(load_planetoid(tmp.path(), "absent"), FileError);
}

// --- CSR helpers used by the loader ---

TEST(CsrHelpers, FromTripletsCombinesDuplicates) {
  std::vector<Triplet> t = {{1, 2, 1.0f}, {0, 1, 2.0f}, {1, 2, 3.0f}, {1, 0, 1.0f}};
  CsrMatrix mx = csr_from_triplets(2, 3, t, true);
  EXPECT_EQ(mx.indptr, (std::vector<int64_t>{0, 1, 3}));
  EXPECT_EQ(mx.indices, (std::vector<int32_t>{1, 0, 2}));
  EXPECT_EQ(mx.values, (std::vector<float>{2.0f, 1.0f, 3.0f}));
  CsrMatrix sum = csr_from_triplets(2, 3, t, false);
  EXPECT_EQ(sum.values, (std::vector<float>{2.0f, 1.0f, 4.0f}));
  EXPECT_THROW(csr_from_triplets(2, 3, {{2, 0, 1.0f}}, true), ArgumentError);
  EXPECT_THROW(csr_from_triplets(2, 3, {{0, 3, 1.0f}}, true), ArgumentError);
  EXPECT_THROW(csr_from_triplets(2, 3, {{-1, 0, 1.0f}}, true), ArgumentError);
  EXPECT_EQ(csr_from_triplets(0, 0, {}, true).indptr, (std::vector<int64_t>{0}));
}

TEST(CsrHelpers, SymmetrizeSelectValidate) {
  CsrMatrix a = csr_from_triplets(3, 3, {{0, 1, 1.0f}, {1, 0, 2.0f}, {2, 0, 1.0f}, {2, 2, 5.0f}}, true);
  CsrMatrix s = symmetrize_max(a);
  EXPECT_EQ(s.indptr, (std::vector<int64_t>{0, 2, 3, 5}));
  EXPECT_EQ(s.indices, (std::vector<int32_t>{1, 2, 0, 0, 2}));
  EXPECT_EQ(s.values, (std::vector<float>{2.0f, 1.0f, 2.0f, 1.0f, 5.0f}));
  EXPECT_THROW(symmetrize_max(csr_from_triplets(2, 3, {}, true)), ArgumentError);
  CsrMatrix r = select_rows(s, {2, 2, 1});
  EXPECT_EQ(r.rows, 3);
  EXPECT_EQ(r.indptr, (std::vector<int64_t>{0, 2, 4, 5}));
  EXPECT_EQ(r.indices, (std::vector<int32_t>{0, 2, 0, 2, 0}));
  EXPECT_THROW(select_rows(s, {3}), ArgumentError);
  EXPECT_NO_THROW(validate_csr(s, "s"));
  CsrMatrix bad = s;
  bad.indices[1] = 1;  // row 0: 1, 1
  EXPECT_THROW(validate_csr(bad, "bad"), FormatError);
  bad = s;
  bad.values[0] = NAN;
  EXPECT_THROW(validate_csr(bad, "bad"), FormatError);
  bad = s;
  bad.indptr[1] = 6;
  EXPECT_THROW(validate_csr(bad, "bad"), FormatError);
  bad = s;
  bad.indices[0] = 3;
  try {
    validate_csr(bad, "bad");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_STREQ(e.what(), "bad: column 3 in row 0 out of range [0, 3)");
  }
}

}  // namespace
}  // namespace sgc
