// The OGB node-property raw layout, on small files the test writes (gzip CSV),
// and its errors: short rows, ids out of range, counts that disagree, NaN
// features, truncated gzip, a missing or ambiguous split.
#include <gtest/gtest.h>

#include <filesystem>

#include "readers_util.h"
#include "sgc/io/feature_store.h"
#include "sgc/io/load.h"
#include "sgc/io/ogb.h"

namespace sgc {
namespace {

using testing::expect_error;

struct OgbFiles {
  std::string edges = "0,1\n1,2\n2,3\n3,0\n4,4\n1,0\n";  // a 4-cycle, a self-loop, a reverse duplicate
  std::string num_nodes = "6\n";                        // node 5 is isolated
  std::string num_edges = "6\n";
  std::string feats = "0.5,1,-2\n1e-3,0,0\n3,3,3\n-1.25,2,0\n0,0,1\n7,7,7\n";
  std::string labels = "0\n1\n2\n1\nnan\n0\n";
  std::string train = "0\n1\n", valid = "2\n", test = "3\n5\n";
};

void write(const std::string& root, const OgbFiles& f, const std::string& split = "random") {
  using testing::gzip;
  using testing::write_bytes;
  write_bytes(root + "/raw/edge.csv.gz", gzip(f.edges));
  write_bytes(root + "/raw/num-node-list.csv.gz", gzip(f.num_nodes));
  write_bytes(root + "/raw/num-edge-list.csv.gz", gzip(f.num_edges));
  write_bytes(root + "/raw/node-feat.csv.gz", gzip(f.feats));
  write_bytes(root + "/raw/node-label.csv.gz", gzip(f.labels));
  write_bytes(root + "/split/" + split + "/train.csv.gz", gzip(f.train));
  write_bytes(root + "/split/" + split + "/valid.csv.gz", gzip(f.valid));
  write_bytes(root + "/split/" + split + "/test.csv.gz", gzip(f.test));
}

TEST(Ogb, LoadsTheRawLayout) {
  testing::TempDir tmp;
  const std::string root = tmp.file("ogbn_tiny");
  write(root, OgbFiles{});
  for (const std::string& dir : {root, root + "/raw"}) {
    const Dataset d = load_ogb_node_dataset(dir);
    EXPECT_EQ(d.name, "ogbn_tiny");
    EXPECT_EQ(d.num_nodes(), 6);
    EXPECT_EQ(d.adjacency.nnz(), 9);  // 4 undirected edges both ways + 1 self-loop
    EXPECT_EQ(d.num_features(), 3);
    EXPECT_FLOAT_EQ(d.dense_features(1, 0), 1e-3f);
    EXPECT_FLOAT_EQ(d.dense_features(3, 0), -1.25f);
    EXPECT_EQ(d.labels, (std::vector<int32_t>{0, 1, 2, 1, -1, 0}));
    EXPECT_EQ(d.num_classes, 3);
    EXPECT_EQ(d.train, (std::vector<int32_t>{0, 1}));
    EXPECT_EQ(d.val, (std::vector<int32_t>{2}));
    EXPECT_EQ(d.test, (std::vector<int32_t>{3, 5}));
  }
  EXPECT_EQ(load_dataset(root, LoadOptions{}).num_nodes(), 6);  // detected by load_dataset
  // -1 is unlabelled, as nan is (and as in the .npz loaders).
  OgbFiles minus;
  minus.labels = "0\n1\n2\n1\n-1\n0\n";
  const std::string root2 = tmp.file("ogbn_minus");
  write(root2, minus);
  EXPECT_EQ(load_ogb_node_dataset(root2).labels, (std::vector<int32_t>{0, 1, 2, 1, -1, 0}));
}

// The raw folder named relatively ("raw", "./raw/", "." from inside it)
// takes the split/ beside it and the data set's folder name; a folder of the
// raw files with a split/ of its own takes that one.
TEST(Ogb, TheRawFolderNamedRelativelyFindsItsOwnSplit) {
  testing::TempDir tmp;
  const std::string root = tmp.file("ogbn_tiny");
  write(root, OgbFiles{});
  const std::string cwd = std::filesystem::current_path().string();
  struct Back {
    std::string dir;
    ~Back() { std::filesystem::current_path(dir); }
  } back{cwd};
  std::filesystem::current_path(root);
  for (const std::string& dir : {"raw", "./raw/", "raw/."}) {
    const Dataset d = load_ogb_node_dataset(dir);
    EXPECT_EQ(d.name, "ogbn_tiny") << dir;
    EXPECT_EQ(d.test, (std::vector<int32_t>{3, 5})) << dir;
  }
  std::filesystem::current_path(root + "/raw");
  EXPECT_EQ(load_ogb_node_dataset(".").name, "ogbn_tiny");
  EXPECT_EQ(load_ogb_node_dataset(".").val, (std::vector<int32_t>{2}));

  // Flat: the raw files and split/ in one folder.
  const std::string flat = tmp.file("flat");
  std::filesystem::create_directories(flat);
  for (const char* f : {"edge.csv.gz", "num-node-list.csv.gz", "num-edge-list.csv.gz", "node-feat.csv.gz",
                        "node-label.csv.gz"})
    std::filesystem::copy_file(root + "/raw/" + f, flat + "/" + f);
  std::filesystem::copy(root + "/split", flat + "/split", std::filesystem::copy_options::recursive);
  std::filesystem::current_path(tmp.path());
  const Dataset d = load_ogb_node_dataset("flat");
  EXPECT_EQ(d.name, "flat");
  EXPECT_EQ(d.train, (std::vector<int32_t>{0, 1}));
}

// With a feature store, node-feat.csv.gz (the slow part) is not read at all.
TEST(Ogb, AFeatureStoreReplacesTheCsvFeaturesUnread) {
  testing::TempDir tmp;
  const std::string root = tmp.file("ogbn_tiny");
  write(root, OgbFiles{});
  const Dataset csv = load_ogb_node_dataset(root);
  write_feature_store(tmp.file("f.sgcf"), csv.dense_features);
  std::filesystem::remove(root + "/raw/node-feat.csv.gz");
  LoadOptions o;
  o.feature_store = tmp.file("f.sgcf");
  const Dataset stored = load_dataset(root, o);
  EXPECT_EQ(stored.dense_features, csv.dense_features);
  EXPECT_EQ(stored.labels, csv.labels);
  EXPECT_THROW(load_dataset(root, LoadOptions{}), FileError);  // without the store it is missing
  write_feature_store(tmp.file("short.sgcf"), DenseMatrix(csv.dense_features.topRows(3)));
  o.feature_store = tmp.file("short.sgcf");
  expect_error<FormatError>([&] { load_dataset(root, o); }, {"short.sgcf", "3 rows of features", "6 nodes"});
}

TEST(Ogb, MalformedFilesNameFileAndLine) {
  testing::TempDir tmp;
  int case_id = 0;
  auto fails = [&](OgbFiles f, std::initializer_list<std::string_view> frags) {
    const std::string root = tmp.file("case" + std::to_string(case_id++));
    write(root, f);
    expect_error<FormatError>([&] { load_ogb_node_dataset(root); }, frags);
  };
  OgbFiles f;
  f.feats = "0.5,1,-2\n1e-3,0\n3,3,3\n-1.25,2,0\n0,0,1\n7,7,7\n";
  fails(f, {"node-feat.csv.gz:2:", "expected 3 values, found 2"});
  f = OgbFiles{};
  f.feats = "0.5,1,-2\n1e-3,0,0\n3,nan,3\n-1.25,2,0\n0,0,1\n7,7,7\n";
  fails(f, {"node-feat.csv.gz:3:", "NaN feature"});
  f = OgbFiles{};
  f.feats = "0.5,1,-2\n1e-3,0,0\n3,abc,3\n-1.25,2,0\n0,0,1\n7,7,7\n";
  fails(f, {"node-feat.csv.gz:3:", "'abc' is not a number"});
  f = OgbFiles{};
  f.feats = "0.5,1,-2\n1e-3,0,0\n3,1e300,3\n-1.25,2,0\n0,0,1\n7,7,7\n";
  fails(f, {"node-feat.csv.gz:3:", "'1e300' is outside the float32 range"});
  // A value too small for float32 rounds to zero, as numpy's conversion does.
  f = OgbFiles{};
  f.feats = "0.5,1,-2\n1e-50,0,0\n3,3,3\n-1.25,2,0\n0,0,1\n7,7,7\n";
  {
    const std::string root = tmp.file("tiny");
    write(root, f);
    const Dataset d = load_ogb_node_dataset(root);
    EXPECT_EQ(d.dense_features(1, 0), 0.0f);
    EXPECT_EQ(d.dense_features(2, 1), 3.0f);
  }
  f = OgbFiles{};
  f.feats = "0.5,1,-2\n";
  fails(f, {"node-feat.csv.gz", "1 feature rows for 6 nodes"});
  f = OgbFiles{};
  f.edges = "0,1\n1,9\n";
  f.num_edges = "2\n";
  fails(f, {"edge.csv.gz", "node id 9 out of range [0, 6)"});
  f = OgbFiles{};
  f.edges = "0,1\n1\n";
  fails(f, {"edge.csv.gz:2:", "expected two node ids"});
  f = OgbFiles{};
  f.num_edges = "7\n";
  fails(f, {"edge.csv.gz", "6 edges, num-edge-list.csv.gz says 7"});
  f = OgbFiles{};
  f.labels = "0\n1\n2\n";
  fails(f, {"node-label.csv.gz", "3 labels for 6 nodes"});
  f = OgbFiles{};
  f.labels = "0\n1\n2\n1\n0,1\n0\n";
  fails(f, {"node-label.csv.gz:5:", "multi-label"});
  f = OgbFiles{};
  f.test = "3\n6\n";
  fails(f, {"test.csv.gz:2:", "value 6 out of range [0, 6)"});
  f = OgbFiles{};
  f.train = "0\n4\n";  // node 4 has no label
  fails(f, {"train node 4 has no label"});
  f = OgbFiles{};
  f.test = "3\n5\n3\n";
  fails(f, {"test.csv.gz", "node id 3 listed twice"});
  f = OgbFiles{};
  f.labels = "0\n1\n2\n1\n-2\n0\n";
  fails(f, {"node-label.csv.gz:5:", "label -2 out of range (-1: unlabelled)"});

  // Truncated gzip.
  const std::string root = tmp.file("cut");
  write(root, OgbFiles{});
  const std::string z = testing::gzip(OgbFiles{}.feats);
  testing::write_bytes(root + "/raw/node-feat.csv.gz", z.substr(0, z.size() - 9));
  expect_error<FormatError>([&] { load_ogb_node_dataset(root); }, {"node-feat.csv.gz", "truncated gzip"});
  // Two split folders and no name; a named one works.
  const std::string two = tmp.file("two");
  write(two, OgbFiles{}, "a");
  write(two, OgbFiles{}, "b");
  expect_error<ArgumentError>([&] { load_ogb_node_dataset(two); }, {"several splits (a, b)"});
  EXPECT_EQ(load_ogb_node_dataset(two, "b").test.size(), 2u);
  expect_error<FileError>([&] { load_ogb_node_dataset(tmp.file("nothing")); }, {"not an OGB node-property folder"});
}

}  // namespace
}  // namespace sgc
