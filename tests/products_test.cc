// The ogbn-products-shaped generator (data/products.h): sizes, a simple
// symmetric graph, the same graph for any thread count, and a split and
// features on which propagation helps.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "sgc/data/products.h"
#include "sgc/error.h"
#include "sgc/io/ogb.h"
#include "sgc/io/ogb_writer.h"
#include "sgc/model/linear_model.h"
#include "sgc/presets.h"
#include "sgc/util/threads.h"
#include "readers_util.h"

namespace sgc {
namespace {

TEST(Products, ShapeAndSymmetry) {
  const ProductsOptions o = products_sized(20000);
  EXPECT_EQ(o.edges, 505173);  // the full graph's mean degree, 50.52
  EXPECT_EQ(o.train, 1606);
  EXPECT_EQ(o.val, 321);
  const Dataset d = make_products(o);
  ASSERT_EQ(d.num_nodes(), 20000);
  EXPECT_EQ(d.num_features(), 100);
  EXPECT_EQ(d.num_classes, 47);
  EXPECT_EQ(int64_t(d.train.size()), o.train);
  EXPECT_EQ(int64_t(d.val.size()), o.val);
  EXPECT_EQ(int64_t(d.test.size()), 20000 - o.train - o.val);
  const CsrMatrix& a = d.adjacency;
  // Repeated edges collapse: a little under 2 E entries.
  EXPECT_LE(a.nnz(), 2 * o.edges);
  EXPECT_GT(a.nnz(), 2 * o.edges * 8 / 10);
  int64_t max_degree = 0;
  for (int64_t i = 0; i < a.rows; ++i) {
    max_degree = std::max(max_degree, a.indptr[i + 1] - a.indptr[i]);
    for (int64_t e = a.indptr[i]; e < a.indptr[i + 1]; ++e) {
      const int32_t j = a.indices[e];
      ASSERT_NE(j, i) << "self-loop";
      if (e > a.indptr[i]) ASSERT_LT(a.indices[e - 1], j) << "unsorted or repeated";
      ASSERT_TRUE(std::binary_search(a.indices.begin() + a.indptr[j], a.indices.begin() + a.indptr[j + 1], int32_t(i)))
          << "not symmetric";
    }
  }
  EXPECT_GT(double(max_degree), 0.8 * o.max_degree);  // heavy tail, up to the cap
}

TEST(Products, SameGraphForAnyThreadCount) {
  const int before = num_threads();
  ProductsOptions o = products_sized(5000);
  o.seed = 7;
  set_num_threads(1);
  const Dataset one = make_products(o);
  set_num_threads(2);
  const Dataset two = make_products(o);
  set_num_threads(before);
  EXPECT_EQ(one.adjacency.indptr, two.adjacency.indptr);
  EXPECT_EQ(one.adjacency.indices, two.adjacency.indices);
  EXPECT_EQ(one.labels, two.labels);
  EXPECT_EQ(one.dense_features, two.dense_features);
  EXPECT_EQ(one.train, two.train);
  o.seed = 8;
  EXPECT_NE(make_products(o).adjacency.indices, one.adjacency.indices);
}

TEST(Products, PropagationHelps) {
  const Dataset d = make_products(products_sized(20000));
  Config c = preset_for(d, default_operator(), default_model()).config;
  const Evaluation k2 = fit_evaluate(precompute(d, c), c.train);
  c.op.k = 0;
  const Evaluation k0 = fit_evaluate(precompute(d, c), c.train);
  EXPECT_GT(k2.test_acc, k0.test_acc + 0.1) << "K=0 " << k0.test_acc << " K=2 " << k2.test_acc;
  std::printf("products-shaped, 20000 nodes: test accuracy K=0 %.4f, K=2 %.4f\n", k0.test_acc, k2.test_acc);
}

// The OGB reader on a products-shaped graph in ogbn-products' layout (the
// writer's files): the same graph, features, labels and split come back.
TEST(Products, OgbLayoutRoundTrip) {
  ProductsOptions o = products_sized(3000);
  o.seed = 3;
  const Dataset d = make_products(o);
  testing::TempDir tmp;
  const std::string dir = tmp.file("ogbn_products");
  write_ogb_node_dataset(dir, d, "sales_ranking");
  const Dataset r = load_ogb_node_dataset(dir);
  EXPECT_EQ(r.family, "ogb");
  EXPECT_EQ(r.adjacency.indptr, d.adjacency.indptr);
  EXPECT_EQ(r.adjacency.indices, d.adjacency.indices);
  EXPECT_EQ(r.adjacency.values, d.adjacency.values);
  EXPECT_TRUE(r.dense_features == d.dense_features) << "features differ";
  ASSERT_EQ(r.labels.size(), d.labels.size());
  for (size_t i = 0; i < d.labels.size(); ++i) ASSERT_EQ(label_value(r, r.labels[i]), d.labels[i]) << i;
  EXPECT_EQ(r.train, d.train);
  EXPECT_EQ(r.val, d.val);
  EXPECT_EQ(r.test, d.test);
}

TEST(Products, RejectsBadOptions) {
  ProductsOptions o = products_sized(1000);
  o.train = 1000;
  EXPECT_THROW(make_products(o), ArgumentError);
  o = products_sized(1000);
  o.gamma = 2;
  EXPECT_THROW(make_products(o), ArgumentError);
}

}  // namespace
}  // namespace sgc
