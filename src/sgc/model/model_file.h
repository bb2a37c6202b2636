// Saved models: everything `sgc predict` needs to classify the nodes of a new
// graph (inductive use) — the whole configuration (model, operator, feature
// normalisation, protocol, training options) and the model's fitted state.
//
// File layout (version 2), all integers little-endian:
//   bytes 0..7   magic "SGCMODEL"
//   uint32       format version (2)
//   uint32       length H of the header
//   H bytes      header, UTF-8 JSON:
//                {"format": "sgc-model", "version": 2,
//                 "config": config_to_json (model/config.h),
//                 "state": the model's own header (linear: dim, classes, z-score statistics),
//                 "weights": number of float32 weights,
//                 "training": {free-form: data set, accuracies}}
//   4*weights    float32 weights (linear: W (d x c, row-major), then the bias (c))
//   uint32       CRC-32 (zlib) of every byte before it (magic, version, header, weights)
// Version 1 files (linear model only: "dim", "classes", "operator",
// "feature_norm", "zscore_mean", "zscore_std" at the top of the header; the
// CRC covers the weights only) are still read. A reader rejects a wrong magic,
// a newer version, a bad checksum (version 2: checked first, so any damaged or
// cut file is reported as such), a header that is not a JSON object, lacks a
// field or has one it does not know, or a size that does not match; every
// message names the file.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "sgc/model/config.h"
#include "sgc/model/model.h"

namespace sgc {

inline constexpr uint32_t kModelFormatVersion = 2;

// Written to a temporary file beside `path`, then renamed over it: a failed
// or interrupted save leaves any earlier file at `path` intact.
// Throws sgc::FileError if the file cannot be written.
void save_model(const std::string& path, const Config& c, const Model& m,
                const nlohmann::json& training = nlohmann::json::object());

struct SavedModel {
  Config config;
  std::unique_ptr<Model> model;
  nlohmann::json training = nlohmann::json::object();
};

// Throws sgc::FileError (cannot open) or sgc::FormatError (naming the file).
SavedModel load_model(const std::string& path);

}  // namespace sgc
