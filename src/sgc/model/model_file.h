// Saved models: everything `sgc predict` needs to classify the nodes of a new
// graph (inductive use) — the operator, the feature normalisation with its
// statistics, and the softmax weights.
//
// File layout (version 1), all integers little-endian:
//   bytes 0..7   magic "SGCMODEL"
//   uint32       format version (1)
//   uint32       length H of the header
//   H bytes      header, UTF-8 JSON:
//                {"format": "sgc-model", "version": 1, "dim": d, "classes": c,
//                 "operator": {"op", "k", "norm", "self_loop", "t", "alpha", "tol"},
//                 "feature_norm": "row" | "zscore" | "none",
//                 "zscore_mean": [d floats], "zscore_std": [d floats] (zscore only),
//                 "training": {free-form: data set, optimizer, accuracies}}
//   4*(d*c + c)  float32 weights: W (d x c, row-major), then the bias (c)
//   uint32       CRC-32 (zlib) of the weights
// A reader rejects a wrong magic, a newer version, a header that is not valid
// JSON or lacks a field, a size that does not match, or a bad checksum.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sgc/model/softmax_regression.h"
#include "sgc/ops/operator.h"

namespace sgc {

struct SavedModel {
  OperatorSpec op;
  std::string feature_norm = "row";
  std::vector<float> zscore_mean, zscore_std;  // only for feature_norm == "zscore"
  SoftmaxModel model;
  nlohmann::json training = nlohmann::json::object();
};

inline constexpr uint32_t kModelFormatVersion = 1;

// Throws sgc::FileError if the file cannot be written.
void save_model(const std::string& path, const SavedModel& m);

// Throws sgc::FileError (cannot open) or sgc::FormatError (naming the file).
SavedModel load_model(const std::string& path);

}  // namespace sgc
