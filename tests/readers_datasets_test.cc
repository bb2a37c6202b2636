// Data sets by name from shared/data: heterophilous (all 10 stored splits),
// graphdata (pickled scipy matrices inside npz; counts from the README
// table), gnn-benchmark / ppnp npz, name resolution and its errors.
#include <gtest/gtest.h>

#include <set>

#include "readers_util.h"
#include "sgc/io/format/zip_writer.h"
#include "sgc/io/load.h"
#include "sgc/io/npz_datasets.h"
#include "test_util.h"

namespace sgc {
namespace {

using testing::expect_error;

LoadOptions options(int split = 0) {
  LoadOptions o;
  o.dir = testing::data_dir();  // the data root: each family's subfolder is found
  o.split = split;
  return o;
}

int64_t undirected_edges(const CsrMatrix& a) {
  int64_t loops = 0;
  for (int64_t i = 0; i < a.rows; ++i)
    for (int64_t k = a.indptr[i]; k < a.indptr[i + 1]; ++k) loops += a.indices[k] == i;
  return (a.nnz() - loops) / 2;
}

struct Hetero {
  const char* name;
  int64_t nodes, features, edges;
  size_t train0, val0, test0;
};

class Heterophilous : public ::testing::TestWithParam<Hetero> {};

TEST_P(Heterophilous, LoadsAllTenSplits) {
  const Hetero h = GetParam();
  std::set<std::vector<int32_t>> distinct_train;
  for (int s = 0; s < 10; ++s) {
    const Dataset d = load_dataset(h.name, options(s));
    EXPECT_EQ(d.num_nodes(), h.nodes);
    EXPECT_EQ(d.num_features(), h.features);
    EXPECT_EQ(undirected_edges(d.adjacency), h.edges);
    EXPECT_EQ(d.num_classes, 5);
    if (s == 0) {
      EXPECT_EQ(d.train.size(), h.train0);
      EXPECT_EQ(d.val.size(), h.val0);
      EXPECT_EQ(d.test.size(), h.test0);
    }
    distinct_train.insert(d.train);
  }
  EXPECT_EQ(distinct_train.size(), 10u) << "the 10 splits differ";
  expect_error<ArgumentError>([&] { load_dataset(h.name, options(10)); }, {"--split", "10 split(s), 0..9"});
}

// README section 6 (texas: 279 undirected edges; chameleon 31371; cornell 277).
INSTANTIATE_TEST_SUITE_P(Files, Heterophilous,
                         ::testing::Values(Hetero{"texas", 183, 1703, 279, 87, 59, 37},
                                           Hetero{"cornell", 183, 1703, 277, 87, 59, 37},
                                           Hetero{"chameleon", 2277, 2325, 31371, 1092, 729, 456},
                                           Hetero{"wisconsin", 251, 1703, 450, 120, 80, 51}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(GraphData, AmazonComputersAndCoauthorCsMatchTheReadme) {
  struct Want {
    const char* name;
    int64_t nodes, edges, features, feature_nnz;
    int32_t classes;
  };
  for (const Want w : {Want{"amazon_cs", 13752, 245861, 767, 3675081, 10}, Want{"coauthor_cs", 18333, 81894, 6805, 1092079, 15}}) {
    const Dataset d = load_dataset(w.name, options());
    EXPECT_EQ(d.num_nodes(), w.nodes) << w.name;
    EXPECT_EQ(undirected_edges(d.adjacency), w.edges) << w.name;
    EXPECT_EQ(d.num_features(), w.features) << w.name;
    EXPECT_EQ(d.features.nnz(), w.feature_nnz) << w.name;
    EXPECT_EQ(d.num_classes, w.classes) << w.name;
    // 20 / 30 per class, the rest test.
    EXPECT_EQ(d.train.size(), size_t(20 * w.classes)) << w.name;
    EXPECT_EQ(d.val.size(), size_t(30 * w.classes)) << w.name;
    EXPECT_EQ(d.train.size() + d.val.size() + d.test.size(), size_t(w.nodes)) << w.name;
    std::vector<int> per_class(w.classes, 0);
    for (int32_t id : d.train) ++per_class[d.labels[id]];
    for (int c : per_class) EXPECT_EQ(c, 20) << w.name;
  }
}

TEST(GraphData, SplitsAreSeededAndLabelsRemapped) {
  const Dataset a = load_dataset("dblp", options(0)), b = load_dataset("dblp", options(0)), c = load_dataset("dblp", options(1));
  EXPECT_EQ(a.train, b.train);
  EXPECT_NE(a.train, c.train);
  // blogcatalog stores labels 1..6: they become 0..5.
  const Dataset bc = load_dataset("blogcatalog", options());
  EXPECT_EQ(bc.num_classes, 6);
  EXPECT_EQ(*std::min_element(bc.labels.begin(), bc.labels.end()), 0);
  // polblogs has no attributes: identity features.
  const Dataset pb = load_dataset("polblogs", options());
  EXPECT_EQ(pb.num_features(), 1490);
  EXPECT_EQ(undirected_edges(pb.adjacency), 16715);
}

TEST(GnnBenchmark, CoraCiteseerAndCoraMl) {
  const Dataset cora = load_dataset("npz/cora", options());
  EXPECT_EQ(cora.num_nodes(), 2708);
  EXPECT_EQ(undirected_edges(cora.adjacency), 5278);
  EXPECT_EQ(cora.features.nnz(), 49216);
  EXPECT_EQ(cora.num_classes, 7);
  EXPECT_EQ(undirected_edges(load_dataset("npz/citeseer", options()).adjacency), 4536);
  const Dataset ml = load_dataset("cora_ml", options());
  EXPECT_EQ(ml.num_nodes(), 2995);
  EXPECT_EQ(undirected_edges(ml.adjacency), 8158);
  EXPECT_EQ(ml.features.nnz(), 151171);
  // A path to the file is detected from its keys.
  EXPECT_EQ(load_dataset(testing::data_dir() + "/npz/cora.npz", LoadOptions{}).num_nodes(), 2708);
  EXPECT_EQ(load_dataset(testing::data_dir() + "/heterophilous/texas.npz", LoadOptions{}).num_nodes(), 183);
}

TEST(LoadDataset, UnknownNamesAndBadSplitsAreClearErrors) {
  expect_error<ArgumentError>([] { load_dataset("nosuch", LoadOptions{}); },
                              {"--dataset", "unknown data set 'nosuch'", "amazon_cs", "roman_empire", "cora"});
  expect_error<ArgumentError>([] { load_dataset("cora", options(3)); }, {"--split", "one fixed split"});
  expect_error<FileError>([] {
    LoadOptions o;
    o.dir = "/nonexistent/dir";
    load_dataset("texas", o);
  }, {"/nonexistent/dir/texas.npz"});
  // The two-argument overload keeps its meaning: the Planetoid folder.
  EXPECT_EQ(load_dataset("cora", testing::planetoid_dir()).num_nodes(), 2708);
}

TEST(HeterophilousLayout, MalformedFilesNameTheEntry) {
  testing::TempDir tmp;
  const std::vector<float> x(4 * 2, 1.0f);
  const std::vector<int64_t> y = {0, 1, 0, 1}, edges = {0, 1, 1, 2, 2, 9};
  const std::vector<uint8_t> masks(4, 1);
  auto view = [](const auto& v) {
    return std::string_view(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(v[0]));
  };
  const std::string p = tmp.file("h.npz");
  write_npz(p,
            {{"node_features", npy_header("<f4", {4, 2}), view(x)},
             {"node_labels", npy_header("<i8", {4}), view(y)},
             {"edges", npy_header("<i8", {3, 2}), view(edges)},
             {"train_masks", npy_header("|b1", {4}), view(masks)},
             {"val_masks", npy_header("|b1", {4}), view(masks)},
             {"test_masks", npy_header("|b1", {4}), view(masks)}},
            true);
  expect_error<FormatError>([&] { load_heterophilous(p, 0); }, {p, "entry 'edges.npy'", "row 2", "node id 9 out of range"});
  const std::vector<float> nan_x = {1, 2, 3, std::nanf(""), 5, 6, 7, 8};
  write_npz(p,
            {{"node_features", npy_header("<f4", {4, 2}), view(nan_x)},
             {"node_labels", npy_header("<i8", {4}), view(y)},
             {"edges", npy_header("<i8", {2, 2}), view(edges).substr(0, 32)},
             {"train_masks", npy_header("|b1", {4}), view(masks)},
             {"val_masks", npy_header("|b1", {4}), view(masks)},
             {"test_masks", npy_header("|b1", {4}), view(masks)}},
            false);
  expect_error<FormatError>([&] { load_heterophilous(p, 0); }, {p, "entry 'node_features.npy'", "NaN feature at row 1, column 1"});
  write_npz(p,
            {{"node_features", npy_header("<f4", {3, 2}), view(x).substr(0, 24)},
             {"node_labels", npy_header("<i8", {4}), view(y)},
             {"edges", npy_header("<i8", {2, 2}), view(edges).substr(0, 32)},
             {"train_masks", npy_header("|b1", {4}), view(masks)},
             {"val_masks", npy_header("|b1", {4}), view(masks)},
             {"test_masks", npy_header("|b1", {4}), view(masks)}},
            false);
  expect_error<FormatError>([&] { load_heterophilous(p, 0); }, {p, "node_features.npy", "shape mismatch"});
}

}  // namespace
}  // namespace sgc
