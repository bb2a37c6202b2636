// FastGCN's Reddit layout (reddit_adj.npz from scipy save_npz + reddit.npz):
// the writer and reader round-trip a generated graph; csr / csc / coo and
// one-hot labels are read; malformed files fail with the file and entry.
#include <gtest/gtest.h>

#include <filesystem>

#include "readers_util.h"
#include "sgc/data/powerlaw.h"
#include "sgc/io/fastgcn_reddit.h"
#include "sgc/io/format/npz.h"
#include "sgc/io/format/zip_writer.h"
#include "sgc/io/load.h"
#include "sgc/ops/operator.h"
#include "test_util.h"

namespace sgc {
namespace {

using testing::expect_error;

template <class T>
std::string_view view(const std::vector<T>& v) {
  return {reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T)};
}

Dataset small_powerlaw() {
  PowerLawOptions o;
  o.nodes = 400;
  o.classes = 5;
  o.features = 7;
  o.avg_degree = 6;
  o.seed = 11;
  return make_powerlaw(o);
}

TEST(FastGcnReddit, WriterAndReaderRoundTrip) {
  testing::TempDir tmp;
  const Dataset d = small_powerlaw();
  for (bool deflate : {false, true}) {
    write_fastgcn_reddit(tmp.path(), d, deflate);
    RedditAdjacencyInfo info;
    const Dataset r = load_fastgcn_reddit(tmp.path(), &info);
    EXPECT_EQ(r.adjacency.indptr, d.adjacency.indptr);
    EXPECT_EQ(r.adjacency.indices, d.adjacency.indices);
    EXPECT_FALSE(info.stored_symmetric);  // each edge once, as FastGCN stores it
    EXPECT_EQ(info.stored_nonzeros, d.adjacency.nnz() / 2);
    EXPECT_EQ(r.dense_features, d.dense_features);
    EXPECT_EQ(r.labels, d.labels);
    EXPECT_EQ(r.train, d.train);
    EXPECT_EQ(r.val, d.val);
    EXPECT_EQ(r.test, d.test);
    EXPECT_EQ(r.num_classes, d.num_classes);
  }
  // load_dataset finds it by folder or by file.
  EXPECT_EQ(load_dataset(tmp.path(), LoadOptions{}).num_nodes(), 400);
  EXPECT_EQ(load_dataset(tmp.file("reddit_adj.npz"), LoadOptions{}).num_nodes(), 400);
  EXPECT_EQ(load_dataset(tmp.file("reddit.npz"), LoadOptions{}).num_nodes(), 400);
  // A features file under another name is not read as the folder's reddit.npz.
  std::filesystem::copy_file(tmp.file("reddit.npz"), tmp.file("reddit_small.npz"));
  expect_error<FormatError>([&] { load_dataset(tmp.file("reddit_small.npz"), LoadOptions{}); },
                            {tmp.file("reddit_small.npz"), "name the file reddit.npz"});
}

// reddit.npz for a 4-node graph: y_train as one-hot rows (2 x 2, of dtype
// `descr`), y_val = {val}, y_test = {test}.
template <class T>
void write_reddit_npz(const std::string& dir, const char* descr, const std::vector<T>& y_train_onehot,
                      int64_t feat_rows = 4, int64_t val = 1, int64_t test = 0) {
  const std::vector<float> feats(static_cast<size_t>(feat_rows) * 2, 1.0f);
  const std::vector<int64_t> tr = {0, 1}, va = {2}, te = {3}, yv = {val}, yt = {test};
  write_npz(dir + "/reddit.npz",
            {{"feats", npy_header("<f4", {feat_rows, 2}), view(feats)},
             {"y_train", npy_header(descr, {2, 2}), view(y_train_onehot)},
             {"y_val", npy_header("<i8", {1}), view(yv)},
             {"y_test", npy_header("<i8", {1}), view(yt)},
             {"train_index", npy_header("<i8", {2}), view(tr)},
             {"val_index", npy_header("<i8", {1}), view(va)},
             {"test_index", npy_header("<i8", {1}), view(te)}},
            false);
}

void write_reddit_npz(const std::string& dir, const std::vector<int64_t>& y_train_onehot, int64_t feat_rows = 4) {
  write_reddit_npz(dir, "<i8", y_train_onehot, feat_rows);
}

void write_coo(const std::string& dir, const std::vector<int32_t>& row, const std::vector<int32_t>& col,
               const std::string& format = "coo") {
  const std::vector<float> data(row.size(), 1.0f);
  const std::vector<int64_t> shape = {4, 4};
  write_npz(dir + "/reddit_adj.npz",
            {{"row", npy_header("<i4", {int64_t(row.size())}), view(row)},
             {"col", npy_header("<i4", {int64_t(col.size())}), view(col)},
             {"format", npy_header("|S3", {}), format},
             {"shape", npy_header("<i8", {2}), view(shape)},
             {"data", npy_header("<f4", {int64_t(data.size())}), view(data)}},
            true);
}

TEST(FastGcnReddit, CooCscAndOneHotLabels) {
  testing::TempDir tmp;
  write_coo(tmp.path(), {0, 1, 2, 1}, {1, 2, 3, 0});  // symmetric pair 0-1 stored both ways
  write_reddit_npz(tmp.path(), {0, 1, 1, 0});
  RedditAdjacencyInfo info;
  const Dataset d = load_fastgcn_reddit(tmp.path(), &info);
  EXPECT_EQ(d.adjacency.nnz(), 6);
  EXPECT_EQ(d.labels, (std::vector<int32_t>{1, 0, 1, 0}));
  EXPECT_EQ(d.num_classes, 2);
  EXPECT_EQ(info.stored_nonzeros, 4);
  EXPECT_FALSE(info.stored_symmetric);
  // A symmetric stored matrix is reported (SGC's adj + adj.T then doubles weights).
  write_coo(tmp.path(), {0, 1, 2, 1}, {1, 0, 1, 2});
  (void)load_fastgcn_reddit(tmp.path(), &info);
  EXPECT_TRUE(info.stored_symmetric);
  // csc: indices are rows, indptr runs over columns.
  const std::vector<int32_t> indices = {1, 0}, indptr = {0, 1, 2, 2, 2};
  const std::vector<float> data = {1, 1};
  const std::vector<int64_t> shape = {4, 4};
  write_npz(tmp.file("reddit_adj.npz"),
            {{"indices", npy_header("<i4", {2}), view(indices)},
             {"indptr", npy_header("<i4", {5}), view(indptr)},
             {"format", npy_header("|S3", {}), "csc"},
             {"shape", npy_header("<i8", {2}), view(shape)},
             {"data", npy_header("<f4", {2}), view(data)}},
            false);
  EXPECT_EQ(load_fastgcn_reddit(tmp.path()).adjacency.nnz(), 2);
}

// One-hot rows in floats (as numpy writes them by default) are class ids
// too, and labels that do not start at 0 are renumbered, their values kept.
TEST(FastGcnReddit, FloatOneHotAndLabelsFromOne) {
  testing::TempDir tmp;
  write_coo(tmp.path(), {0, 1, 2}, {1, 2, 3});
  write_reddit_npz(tmp.path(), "<f4", std::vector<float>{0, 1, 1, 0}, 4, /*val=*/5, /*test=*/3);
  const Dataset d = load_fastgcn_reddit(tmp.path());
  EXPECT_EQ(d.num_classes, 4);  // values 0, 1, 3, 5
  EXPECT_EQ(d.labels, (std::vector<int32_t>{1, 0, 3, 2}));
  EXPECT_EQ(d.label_values, (std::vector<int64_t>{0, 1, 3, 5}));
}

TEST(FastGcnReddit, MalformedFilesNameTheEntry) {
  testing::TempDir tmp;
  const std::string adj = tmp.file("reddit_adj.npz"), data = tmp.file("reddit.npz");
  write_coo(tmp.path(), {0, 1}, {1, 7});
  write_reddit_npz(tmp.path(), {0, 1, 1, 0});
  expect_error<FormatError>([&] { load_fastgcn_reddit(tmp.path()); }, {adj, "coo entry 1 (1, 7) outside the shape"});
  write_coo(tmp.path(), {0, 1}, {1, 2}, "dok");
  expect_error<FormatError>([&] { load_fastgcn_reddit(tmp.path()); }, {adj, "entry 'format.npy'", "'dok'"});
  write_coo(tmp.path(), {0, 1}, {1, 2});
  write_reddit_npz(tmp.path(), {0, 1, 0, 0});
  expect_error<FormatError>([&] { load_fastgcn_reddit(tmp.path()); }, {data, "entry 'y_train.npy'", "one-hot row 1 is all zero"});
  write_reddit_npz(tmp.path(), {0, 1, 1, 0}, 3);
  expect_error<FormatError>([&] { load_fastgcn_reddit(tmp.path()); }, {data, "entry 'feats.npy'", "shape mismatch"});
  std::filesystem::remove(data);
  expect_error<FileError>([&] { load_fastgcn_reddit(tmp.path()); }, {data, "cannot open"});
}

// The header's claim: when reddit_adj.npz is already symmetric, SGC's
// adj + adj.T = 2A, and AugNormAdj(2A) equals AugNormAdj of A with self-loop
// weight 1/2, which is what a caller gets from the unit graph this reader
// returns with OperatorSpec::self_loop = 0.5.
TEST(FastGcnReddit, DoubledWeightsEqualHalfSelfLoop) {
  const CsrMatrix a = testing::awkward_graph(40, 90, 3, 5);
  CsrMatrix unit = a;
  for (int64_t i = 0; i < unit.rows; ++i)  // the reader's graph: no self-loops here, unit weights
    for (int64_t k = unit.indptr[i]; k < unit.indptr[i + 1]; ++k) unit.values[k] = unit.indices[k] == i ? 0.0f : 1.0f;
  DenseMatrixD two_a_plus_i = 2.0 * testing::dense_of(unit) + DenseMatrixD::Identity(40, 40);
  const Eigen::VectorXd deg = two_a_plus_i.rowwise().sum();
  DenseMatrixD want = two_a_plus_i;
  for (int i = 0; i < 40; ++i)
    for (int j = 0; j < 40; ++j) want(i, j) /= std::sqrt(deg(i) * deg(j));
  std::vector<Triplet> t;
  for (int64_t i = 0; i < unit.rows; ++i)
    for (int64_t k = unit.indptr[i]; k < unit.indptr[i + 1]; ++k)
      if (unit.values[k] != 0.0f) t.push_back({int32_t(i), unit.indices[k], 1.0f});
  OperatorSpec spec;
  spec.self_loop = 0.5;
  const DenseMatrixD got = testing::dense_of(normalized_operator(csr_from_triplets(40, 40, t, true), spec));
  EXPECT_LT(testing::max_error_vs_scale(got, want), 1e-6);
}

}  // namespace
}  // namespace sgc
