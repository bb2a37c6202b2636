// The built-in CSBM generator.
#include <gtest/gtest.h>

#include <set>

#include "sgc/data/synthetic.h"
#include "sgc/error.h"
#include "sgc/model/linear_model.h"

namespace sgc {
namespace {

TEST(Csbm, ShapesSplitsAndSymmetry) {
  CsbmOptions o;
  o.nodes = 2000;
  const Dataset d = make_csbm(o);
  validate_dataset(d, "csbm");
  EXPECT_EQ(d.num_nodes(), 2000);
  EXPECT_EQ(d.num_features(), o.features);
  EXPECT_EQ(d.train.size(), size_t(o.classes * o.train_per_class));
  EXPECT_EQ(d.val.size(), size_t(o.val));
  EXPECT_EQ(d.test.size(), size_t(o.test));
  std::set<int32_t> all(d.train.begin(), d.train.end());
  all.insert(d.val.begin(), d.val.end());
  all.insert(d.test.begin(), d.test.end());
  EXPECT_EQ(all.size(), d.train.size() + d.val.size() + d.test.size());  // disjoint
  // Symmetric adjacency, mean degree close to the request.
  const CsrMatrix& a = d.adjacency;
  for (int64_t i = 0; i < a.rows; ++i)
    for (int64_t p = a.indptr[i]; p < a.indptr[i + 1]; ++p) {
      const int32_t j = a.indices[p];
      EXPECT_TRUE(std::binary_search(a.indices.begin() + a.indptr[j], a.indices.begin() + a.indptr[j + 1], int32_t(i)));
    }
  EXPECT_NEAR(double(a.nnz()) / a.rows, o.avg_degree, 1.0);
  // Homophily: fraction of intra-class edges close to the request.
  int64_t same = 0;
  for (int64_t i = 0; i < a.rows; ++i)
    for (int64_t p = a.indptr[i]; p < a.indptr[i + 1]; ++p) same += d.labels[i] == d.labels[a.indices[p]];
  EXPECT_NEAR(double(same) / a.nnz(), o.homophily, 0.05);
}

TEST(Csbm, DeterministicPerSeed) {
  CsbmOptions o;
  o.nodes = 2000;
  o.seed = 5;
  const Dataset a = make_csbm(o), b = make_csbm(o);
  EXPECT_EQ(a.adjacency.indices, b.adjacency.indices);
  EXPECT_TRUE((a.dense_features.array() == b.dense_features.array()).all());
  EXPECT_EQ(a.test, b.test);
  o.seed = 6;
  EXPECT_NE(make_csbm(o).adjacency.indices, a.adjacency.indices);
}

TEST(Csbm, PropagationBeatsRawFeatures) {
  const Dataset d = make_csbm(CsbmOptions{});
  TrainOptions opt;
  opt.weight_decay = 5e-6;
  Config c;
  c.feature_norm = FeatureNorm::None;
  c.op.k = 0;
  const double k0 = fit_evaluate(precompute(d, c), opt).test_acc;
  c.op.k = 2;
  const double k2 = fit_evaluate(precompute(d, c), opt).test_acc;
  EXPECT_GT(k2, k0 + 0.1) << "K=0 " << k0 << " K=2 " << k2;
}

TEST(Csbm, RejectsBadOptions) {
  CsbmOptions o;
  o.homophily = 1.5;
  EXPECT_THROW(make_csbm(o), ArgumentError);
  o = CsbmOptions{};
  o.nodes = 100;  // too small for 100 train + 500 val + 1000 test
  EXPECT_THROW(make_csbm(o), ArgumentError);
  o = CsbmOptions{};
  o.classes = 1;
  EXPECT_THROW(make_csbm(o), ArgumentError);
}

// Features without columns (a (n, 0) array in a file) are named as such,
// not as a row-count mismatch.
TEST(Csbm, FeaturesWithoutColumnsAreRefused) {
  Dataset d = make_csbm(CsbmOptions{});
  d.dense_features = DenseMatrix(d.num_nodes(), 0);
  try {
    validate_dataset(d, "f.npz");
    FAIL() << "features without columns were accepted";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("f.npz: the features have no columns (3000 nodes)"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace sgc
