// Saved models: round trip, and every class of unreadable file is rejected.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>

#include <zlib.h>

#include "sgc/data/synthetic.h"
#include "sgc/error.h"
#include "sgc/eval/metrics.h"
#include "sgc/model/linear_model.h"
#include "sgc/model/model_file.h"
#include "sgc/model/train.h"

namespace sgc {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("sgc_model_test_" + name)).string();
}

Config example_config() {
  Config c;
  c.op.def = &find_operator("sgc");
  c.op.k = 3;
  c.feature_norm = FeatureNorm::ZScore;
  return c;
}

// A linear model with given weights and z-score statistics (2 features, 3 classes).
LinearModel example_model(const Config& c) {
  const SoftmaxModel w = init_softmax(2, 3, 7);
  ModelState s;
  s.header = {{"dim", 2}, {"classes", 3}, {"zscore_mean", {0.5f, -1.0f}}, {"zscore_std", {2.0f, 1.0f}}};
  s.weights.assign(w.theta.data(), w.theta.data() + w.theta.size());
  LinearModel m;
  m.set_state(s, c);
  return m;
}

void save_example(const std::string& path) {
  const Config c = example_config();
  save_model(path, c, example_model(c), {{"dataset", "unit"}});
}

std::string read_all(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

void write_all(const std::string& p, const std::string& s) {
  std::ofstream f(p, std::ios::binary);
  f << s;
}

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(char((v >> (8 * i)) & 0xFF));
}

// A file in the layout of format version 1 (written by sgc before the
// configuration moved into the header's "config"), built byte by byte.
std::string v1_file(const nlohmann::json& header, const std::vector<float>& weights) {
  const std::string text = header.dump();
  std::string out = "SGCMODEL";
  put_u32(out, 1);
  put_u32(out, uint32_t(text.size()));
  out += text;
  const size_t at = out.size();
  out.resize(at + weights.size() * sizeof(float));
  std::memcpy(out.data() + at, weights.data(), weights.size() * sizeof(float));
  put_u32(out, uint32_t(crc32(0L, reinterpret_cast<const Bytef*>(out.data() + at), uInt(weights.size() * 4))));
  return out;
}

TEST(ModelFile, RoundTrip) {
  const std::string p = temp_path("ok.sgcm");
  const Config c = example_config();
  const LinearModel m = example_model(c);
  save_model(p, c, m, {{"dataset", "unit"}});
  const SavedModel r = load_model(p);
  EXPECT_EQ(r.config.op.def, &find_operator("sgc"));
  EXPECT_EQ(r.config.op.k, 3);
  EXPECT_EQ(r.config.feature_norm, FeatureNorm::ZScore);
  EXPECT_EQ(config_to_json(r.config), config_to_json(c));
  ASSERT_NE(r.model, nullptr);
  const ModelState want = m.state(), got = r.model->state();
  EXPECT_EQ(got.header, want.header);
  EXPECT_EQ(got.header["zscore_mean"], nlohmann::json({0.5f, -1.0f}));
  EXPECT_EQ(got.weights, want.weights);
  EXPECT_EQ(r.training["dataset"], "unit");
  std::remove(p.c_str());
}

// Files of format version 1 are still read: the operator, feature
// normalisation, statistics and weights become a version 2 configuration.
TEST(ModelFile, ReadsVersion1Files) {
  const std::string p = temp_path("v1.sgcm");
  const SoftmaxModel w = init_softmax(2, 3, 7);
  const std::vector<float> weights(w.theta.data(), w.theta.data() + w.theta.size());
  // As the version 1 writer did: every operator field, CamelCase norms accepted.
  nlohmann::json h = {{"format", "sgc-model"},
                      {"version", 1},
                      {"dim", 2},
                      {"classes", 3},
                      {"operator",
                       {{"op", "sgc"}, {"k", 3}, {"norm", "AugNormAdj"}, {"self_loop", 1.0}, {"t", 5.0},
                        {"alpha", 0.1}, {"tol", 1e-6}}},
                      {"feature_norm", "zscore"},
                      {"zscore_mean", {0.5f, -1.0f}},
                      {"zscore_std", {2.0f, 1.0f}},
                      {"training", {{"dataset", "old"}}}};
  write_all(p, v1_file(h, weights));
  SavedModel r = load_model(p);
  EXPECT_EQ(r.config.op.def, &find_operator("sgc"));
  EXPECT_EQ(r.config.op.k, 3);
  EXPECT_EQ(r.config.op.norm, Normalization::AugNormAdj);
  EXPECT_EQ(r.config.feature_norm, FeatureNorm::ZScore);
  EXPECT_EQ(r.training["dataset"], "old");
  ASSERT_NE(r.model, nullptr);
  EXPECT_EQ(r.model->state().weights, weights);
  EXPECT_EQ(r.model->state().header["zscore_std"], nlohmann::json({2.0f, 1.0f}));
  // Re-saved, it is a version 2 file with the same configuration and weights.
  save_model(p, r.config, *r.model, r.training);
  EXPECT_EQ(uint8_t(read_all(p)[8]), kModelFormatVersion);
  const SavedModel again = load_model(p);
  EXPECT_EQ(config_to_json(again.config), config_to_json(r.config));
  EXPECT_EQ(again.model->state().weights, weights);

  // Another operator and normalisation, row-normalised features (no statistics).
  h["operator"] = {{"op", "dgc"}, {"k", 20}, {"norm", "rwalk"}, {"self_loop", 1.0},
                   {"t", 3.5}, {"alpha", 0.1}, {"tol", 1e-6}};
  h["feature_norm"] = "row";
  h.erase("zscore_mean");
  h.erase("zscore_std");
  write_all(p, v1_file(h, weights));
  r = load_model(p);
  EXPECT_EQ(r.config.op.def, &find_operator("dgc"));
  EXPECT_EQ(r.config.op.k, 20);
  EXPECT_DOUBLE_EQ(r.config.op.t, 3.5);
  EXPECT_EQ(r.config.op.norm, Normalization::RWalk);
  EXPECT_EQ(r.config.feature_norm, FeatureNorm::Row);
  EXPECT_EQ(r.model->state().weights, weights);

  // A version 1 file that lacks a field, or names an unknown operator, is refused.
  nlohmann::json no_dim = h;
  no_dim.erase("dim");
  write_all(p, v1_file(no_dim, weights));
  EXPECT_THROW(load_model(p), FormatError);
  nlohmann::json bad_op = h;
  bad_op["operator"]["op"] = "gcn";
  write_all(p, v1_file(bad_op, weights));
  EXPECT_THROW(load_model(p), FormatError);
  // The weight count follows from dim and classes.
  write_all(p, v1_file(h, std::vector<float>(weights.begin(), weights.end() - 1)));
  EXPECT_THROW(load_model(p), FormatError);
  std::remove(p.c_str());
}

TEST(ModelFile, RejectsWhatItCannotRead) {
  const std::string good = temp_path("good.sgcm"), bad = temp_path("bad.sgcm");
  save_example(good);
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
  // Version 2's checksum covers every byte, so a cut or damaged file says so
  // before its header is read (a flipped header byte was an "unknown field").
  expect_format_error(bytes.substr(0, bytes.size() - 5), "corrupted or truncated");
  expect_format_error(bytes.substr(0, 12), "truncated: 12 bytes, shorter than the 16-byte preamble");
  std::string header_byte = bytes;
  header_byte[50] ^= 0x01;
  expect_format_error(header_byte, "checksum mismatch");
  std::string flipped = bytes;
  flipped[bytes.size() - 8] ^= 0x40;  // a weight byte
  expect_format_error(flipped, "checksum");
  std::string edited = bytes;  // valid JSON, another value: only the checksum can tell
  const size_t seed_at = edited.find("\"seed\":");
  ASSERT_NE(seed_at, std::string::npos);
  edited[seed_at + 7] = edited[seed_at + 7] == '1' ? '2' : '1';
  expect_format_error(edited, "checksum");
  std::string broken_json = bytes;
  broken_json[16] = '[';
  expect_format_error(broken_json, "checksum");
  EXPECT_THROW(load_model(temp_path("missing.sgcm")), FileError);
  std::remove(good.c_str());
  std::remove(bad.c_str());
}

// The saved example's file with its header edited (and a valid checksum):
// what a hand-made or damaged file may hold.
std::string edited_file(const std::string& saved, const std::function<void(nlohmann::json&)>& edit) {
  const uint32_t len = uint32_t(uint8_t(saved[12])) | uint32_t(uint8_t(saved[13])) << 8 |
                       uint32_t(uint8_t(saved[14])) << 16 | uint32_t(uint8_t(saved[15])) << 24;
  nlohmann::json h = nlohmann::json::parse(saved.substr(16, len));
  edit(h);
  const std::string text = h.dump();
  std::string out = saved.substr(0, 12);
  put_u32(out, uint32_t(text.size()));
  out += text;
  out += saved.substr(16 + len, saved.size() - 16 - len - 4);
  put_u32(out, uint32_t(crc32(0L, reinterpret_cast<const Bytef*>(out.data()), uInt(out.size()))));
  return out;
}

TEST(ModelFile, HeaderErrorsNameTheField) {
  const std::string good = temp_path("fields.sgcm"), bad = temp_path("fields_bad.sgcm");
  save_example(good);
  const std::string bytes = read_all(good);
  write_all(bad, edited_file(bytes, [](nlohmann::json&) {}));
  EXPECT_NO_THROW(load_model(bad));  // the editing itself keeps a file readable
  auto expect_message = [&](const std::function<void(nlohmann::json&)>& edit, const std::string& needle) {
    write_all(bad, edited_file(bytes, edit));
    try {
      load_model(bad);
      ADD_FAILURE() << "accepted: " << needle;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  // A parameter the operator does not read was taken and ignored.
  expect_message([](nlohmann::json& h) { h["config"]["operator"]["t"] = 5.0; },
                 "header field config.operator.t: not a parameter of operator sgc");
  // An escape byte is shown once escaped, not as "\x5cx1b".
  expect_message([](nlohmann::json& h) { h["config"]["operator"]["norm"] = "aug\x1b"; }, "unknown normalisation 'aug\\x1b' (known");
  // nlohmann's raw text ("[json.exception.out_of_range.403] key ...") became the state field's name.
  expect_message([](nlohmann::json& h) { h["state"].erase("zscore_mean"); }, "state field zscore_mean: missing");
  expect_message([](nlohmann::json& h) { h["state"]["zscore_std"][0] = "x"; }, "state field zscore_std: \"x\" is not");
  // The top level: what version 2 writes, all of it, and nothing else.
  expect_message([](nlohmann::json& h) { h.erase("version"); }, "header: key 'version' not found");
  expect_message([](nlohmann::json& h) { h["extra"] = 1; }, "header: unknown field 'extra'");
  expect_message([](nlohmann::json& h) { h = nlohmann::json::array({h}); }, "header is not a JSON object");
  // A class count beyond int32 was narrowed silently.
  expect_message([](nlohmann::json& h) { h["state"]["classes"] = int64_t(1) << 40; },
                 "state field classes: expected an integer in [1, 1073741824], got 1099511627776");
  std::remove(good.c_str());
  std::remove(bad.c_str());
}

// Training stops as diverged at weights above kMaxWeight; a file holding
// one (3e38 predicted with scores that overflow) is refused the same way.
TEST(ModelFile, WeightsAboveTheTrainingLimitAreRefused) {
  const std::string good = temp_path("limit.sgcm"), bad = temp_path("limit_bad.sgcm");
  save_example(good);
  const std::string bytes = read_all(good);
  // The file with its last weight (the bias of class 2, entry 8) set to w, and a valid checksum.
  auto with_last_weight = [&](float w) {
    std::string out = bytes.substr(0, bytes.size() - 4);
    std::memcpy(out.data() + out.size() - 4, &w, 4);
    put_u32(out, uint32_t(crc32(0L, reinterpret_cast<const Bytef*>(out.data()), uInt(out.size()))));
    return out;
  };
  write_all(bad, with_last_weight(kMaxWeight));
  EXPECT_NO_THROW(load_model(bad));
  write_all(bad, with_last_weight(-3e38f));
  try {
    load_model(bad);
    ADD_FAILURE() << "a weight of -3e38 was accepted";
  } catch (const FormatError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(bad + ": not a readable sgc model: weight -3e+38 (entry 8) is outside [-1e+20, 1e+20]"), std::string::npos)
        << m;
  }
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
  Config c;
  c.feature_norm = FeatureNorm::ZScore;
  LinearModel m;
  m.prepare(train_graph, c);
  const Evaluation ev = m.fit(c);
  EXPECT_GT(ev.test_acc, 0.85);
  const std::string p = temp_path("csbm.sgcm");
  save_model(p, c, m);
  const SavedModel loaded = load_model(p);
  const Prediction pred = loaded.model->predict(new_graph, loaded.config);
  EXPECT_EQ(pred.logits.rows(), new_graph.num_nodes());
  std::vector<int32_t> got, want;
  for (int32_t v : new_graph.test) got.push_back(pred.label[v]), want.push_back(new_graph.labels[v]);
  EXPECT_GT(accuracy(got, want), 0.85);
  // The loaded model predicts exactly as the one that was saved.
  EXPECT_EQ(m.predict(new_graph, c).label, pred.label);
  // Wrong feature dimension is refused.
  CsbmOptions other = big;
  other.features = 10;
  EXPECT_THROW(loaded.model->predict(make_csbm(other), loaded.config), ArgumentError);
  std::remove(p.c_str());
}

}  // namespace
}  // namespace sgc
