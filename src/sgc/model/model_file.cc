#include "sgc/model/model_file.h"

#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <filesystem>

#include "sgc/error.h"
#include "sgc/io/format/file_bytes.h"
#include "sgc/model/optimizer.h"
#include "sgc/util/printable.h"
#include "sgc/util/atomic_file.h"

namespace sgc {

namespace {
constexpr char kMagic[8] = {'S', 'G', 'C', 'M', 'O', 'D', 'E', 'L'};

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(char((v >> (8 * i)) & 0xFF));
}

uint32_t get_u32(const std::string& in, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t(uint8_t(in[at + i])) << (8 * i);
  return v;
}

// A version 1 header as a version 2 one.
nlohmann::json upgrade_v1(const nlohmann::json& h) {
  // Version 1 wrote every operator field; version 2 refuses those the operator does not read.
  nlohmann::json op = h.at("operator");
  if (op.is_object() && op.contains("op") && op["op"].is_string()) {
    const OperatorDef* def = nullptr;
    for (const OperatorDef* d : operators())
      if (d->name == op["op"].get<std::string>()) def = d;
    for (const char* field : {"k", "t", "alpha", "tol"})
      if (def && !def->reads(field)) op.erase(field);
  }
  nlohmann::json config = {{"model", "linear"}, {"operator", op}, {"feature_norm", h.at("feature_norm")}};
  nlohmann::json state = {{"dim", h.at("dim")}, {"classes", h.at("classes")}};
  if (h.contains("zscore_mean")) state["zscore_mean"] = h["zscore_mean"];
  if (h.contains("zscore_std")) state["zscore_std"] = h["zscore_std"];
  const int64_t dim = h.at("dim").get<int64_t>(), classes = h.at("classes").get<int64_t>();
  if (dim <= 0 || classes <= 0 || dim > (int64_t(1) << 31) / classes) throw ArgumentError("invalid dim/classes");
  return {{"format", "sgc-model"}, {"config", config}, {"state", state}, {"weights", dim * classes + classes},
          {"training", h.value("training", nlohmann::json::object())}};
}
}  // namespace

void save_model(const std::string& path, const Config& c, const Model& m, const nlohmann::json& training) {
  const ModelState st = m.state();
  const nlohmann::json header = {{"format", "sgc-model"}, {"version", kModelFormatVersion},
                                 {"config", config_to_json(c)}, {"state", st.header},
                                 {"weights", st.weights.size()}, {"training", training}};
  const std::string text = header.dump();
  std::string out(kMagic, 8);
  put_u32(out, kModelFormatVersion);
  put_u32(out, uint32_t(text.size()));
  out += text;
  const size_t weight_bytes = st.weights.size() * sizeof(float);
  const size_t at = out.size();
  out.resize(at + weight_bytes);
  std::memcpy(out.data() + at, st.weights.data(), weight_bytes);  // x86/ARM: already little-endian
  // Version 2: the checksum covers every byte before it (magic, version, header, weights).
  put_u32(out, uint32_t(crc32(0L, reinterpret_cast<const Bytef*>(out.data()), uInt(out.size()))));
  write_file_atomically(path, out);
}

namespace {
// nlohmann's message without its "[json.exception.type_error.302] " tag.
std::string json_problem(const nlohmann::json::exception& e) {
  const std::string text = e.what();
  const size_t tag_end = text.rfind("] ", text.find(' ') == std::string::npos ? 0 : text.find(' '));
  return text.compare(0, 16, "[json.exception.") == 0 && tag_end != std::string::npos ? text.substr(tag_end + 2) : text;
}

// "config.operator.k", "config.lr": where a parameter lives in the header.
std::string field_of(const std::string& name) {
  if (name == "op" || find_param(name)) return "config.operator." + name;
  if (find_model_param(name)) return "config.model_params." + name;
  if (find_optimizer_param(name)) return "config.optimizer_params." + name;
  return "config." + name;
}
}  // namespace

SavedModel load_model(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw FileError(path + ": is a folder, not a model file (give the file `sgc train --save` wrote)");
  // The readers' open and read: Ctrl-C while a FIFO waits for a writer is an interrupt, not a read error.
  const std::string in = read_file_bytes(path);
  // Messages may quote the header's bytes (a JSON parse error does): escaped,
  // but not twice where a field's own message escaped them.
  auto bad = [&](const std::string& what) {
    return FormatError(path + ": not a readable sgc model: " + printable(what, 400, /*keep_backslashes=*/true));
  };
  if (in.size() < 8 || std::memcmp(in.data(), kMagic, 8) != 0) throw bad("wrong magic bytes");
  if (in.size() < 16) throw bad("truncated: " + std::to_string(in.size()) + " bytes, shorter than the 16-byte preamble");
  const uint32_t version = get_u32(in, 8);
  if (version == 0 || version > kModelFormatVersion)
    throw bad("format version " + std::to_string(version) + " (this build reads up to " +
              std::to_string(kModelFormatVersion) + ")");
  // Version 2's checksum covers every byte: a damaged or cut file is said to
  // be that, before its header's damaged text is read as fields.
  if (version >= 2 && (in.size() < 20 || uint32_t(crc32(0L, reinterpret_cast<const Bytef*>(in.data()),
                                                         uInt(in.size() - 4))) != get_u32(in, in.size() - 4)))
    throw bad("checksum mismatch: the file is corrupted or truncated (" + std::to_string(in.size()) + " bytes)");
  const uint32_t header_len = get_u32(in, 12);
  if (in.size() < 16 + size_t(header_len)) throw bad("truncated header");
  SavedModel m;
  ModelState state;
  int64_t weights = 0;
  try {
    nlohmann::json h = nlohmann::json::parse(in.substr(16, header_len));
    if (!h.is_object()) throw bad("header is not a JSON object");
    if (h.at("format").get<std::string>() != "sgc-model") throw bad("header format is not sgc-model");
    if (version >= 2) {
      for (const auto& [key, value] : h.items())
        if (key != "format" && key != "version" && key != "config" && key != "state" && key != "weights" &&
            key != "training")
          throw bad("header: unknown field '" + printable(key, 80) + "'");
      if (h.at("version") != nlohmann::json(version))
        throw bad("header field version: " + h["version"].dump() + ", but the file's format version is " +
                  std::to_string(version));
    }
    if (version == 1) h = upgrade_v1(h);
    m.config = config_from_json(h.at("config"));
    state.header = h.at("state");
    weights = h.at("weights").get<int64_t>();
    if (weights < 0 || weights > (int64_t(1) << 31)) throw bad("invalid weight count");
    if (h.contains("training")) m.training = h["training"];
  } catch (const nlohmann::json::exception& e) {
    throw bad("header: " + json_problem(e));
  } catch (const ParameterError& e) {  // the field, not the command-line flag
    throw bad("header field " + field_of(e.name()) + ": " + e.problem());
  } catch (const ArgumentError& e) {
    throw bad(std::string("header: ") + e.what());
  }
  // The caps, before any work: a header may ask for any K.
  try {
    require_operator_products(m.config.op, "its operator " + operator_summary(m.config.op));
  } catch (const ResourceError& e) {
    throw ResourceError(path + ": model file: " + e.what());
  }
  const size_t weight_bytes = size_t(weights) * sizeof(float);
  const size_t at = 16 + size_t(header_len);
  if (in.size() != at + weight_bytes + 4)
    throw bad("size " + std::to_string(in.size()) + " bytes, expected " + std::to_string(at + weight_bytes + 4));
  state.weights.resize(size_t(weights));
  std::memcpy(state.weights.data(), in.data() + at, weight_bytes);
  // Version 2's checksum (every byte before it) was checked first; version 1's covers the weights only.
  if (version == 1 &&
      uint32_t(crc32(0L, reinterpret_cast<const Bytef*>(in.data() + at), uInt(weight_bytes))) !=
          get_u32(in, at + weight_bytes))
    throw bad("weights checksum mismatch");
  m.model = make_model(m.config);
  try {
    m.model->set_state(state, m.config);
  } catch (const nlohmann::json::exception& e) {
    throw bad("state: " + json_problem(e));
  } catch (const Error& e) {
    throw bad(e.what());
  }
  return m;
}

}  // namespace sgc
