// Saved models: round trip, and every class of unreadable file is rejected.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "sgc/error.h"
#include "sgc/data/synthetic.h"
#include "sgc/eval/metrics.h"
#include "sgc/model/model_file.h"
#include "sgc/pipeline.h"
#include "sgc/predict.h"

namespace sgc {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("sgc_model_test_" + name)).string();
}

SavedModel example() {
  SavedModel m;
  m.op.op = "sgc";
  m.op.k = 3;
  m.feature_norm = "zscore";
  m.zscore_mean = {0.5f, -1.0f};
  m.zscore_std = {2.0f, 1.0f};
  m.model = init_softmax(2, 3, 7);
  m.training = {{"dataset", "unit"}};
  return m;
}

std::string read_all(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

void write_all(const std::string& p, const std::string& s) {
  std::ofstream f(p, std::ios::binary);
  f << s;
}

TEST(ModelFile, RoundTrip) {
  const std::string p = temp_path("ok.sgcm");
  const SavedModel m = example();
  save_model(p, m);
  const SavedModel r = load_model(p);
  EXPECT_EQ(r.op.k, 3);
  EXPECT_EQ(r.feature_norm, "zscore");
  EXPECT_EQ(r.zscore_mean, m.zscore_mean);
  EXPECT_TRUE((r.model.theta.array() == m.model.theta.array()).all());
  EXPECT_EQ(r.training["dataset"], "unit");
  std::remove(p.c_str());
}

TEST(ModelFile, RejectsWhatItCannotRead) {
  const std::string good = temp_path("good.sgcm"), bad = temp_path("bad.sgcm");
  save_model(good, example());
  const std::string bytes = read_all(good);
  auto expect_format_error = [&](const std::string& content, const std::string& needle) {
    write_all(bad, content);
    try {
      load_model(bad);
      ADD_FAILURE() << "accepted: " << needle;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos);
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_format_error("not a model at all", "magic");
  std::string newer = bytes;
  newer[8] = 9;  // version 9
  expect_format_error(newer, "version 9");
  expect_format_error(bytes.substr(0, bytes.size() - 5), "size");
  std::string flipped = bytes;
  flipped[bytes.size() - 8] ^= 0x40;  // a weight byte
  expect_format_error(flipped, "checksum");
  std::string broken_json = bytes;
  broken_json[16] = '[';
  expect_format_error(broken_json, "header");
  EXPECT_THROW(load_model(temp_path("missing.sgcm")), FileError);
  std::remove(good.c_str());
  std::remove(bad.c_str());
}

TEST(ModelFile, SavedModelClassifiesANewGraph) {
  // Same generator seed -> same class means; more nodes -> a different graph.
  CsbmOptions small;
  small.nodes = 2000;
  small.seed = 3;
  CsbmOptions big = small;
  big.nodes = 3000;
  const Dataset train_graph = make_csbm(small), new_graph = make_csbm(big);
  OperatorSpec op;
  const Precomputed pre = precompute(train_graph, FeatureNorm::ZScore, op);
  TrainOptions opt;
  const Evaluation ev = fit_evaluate(pre, opt);
  SavedModel m;
  m.op = op;
  m.feature_norm = "zscore";
  m.zscore_mean = pre.feature_stats.mean;
  m.zscore_std = pre.feature_stats.std;
  m.model = ev.model;
  const std::string p = temp_path("csbm.sgcm");
  save_model(p, m);
  const Prediction pred = predict_nodes(new_graph, load_model(p));
  std::vector<int32_t> got, want;
  for (int32_t v : new_graph.test) got.push_back(pred.label[v]), want.push_back(new_graph.labels[v]);
  EXPECT_GT(accuracy(got, want), 0.85);
  // Wrong feature dimension is refused.
  CsbmOptions other = big;
  other.features = 10;
  EXPECT_THROW(predict_nodes(make_csbm(other), m), ArgumentError);
  std::remove(p.c_str());
}

}  // namespace
}  // namespace sgc
