#include "sgc/model/model_file.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "sgc/error.h"

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

nlohmann::json operator_json(const OperatorSpec& op) {
  return {{"op", op.op},   {"k", op.k},         {"norm", op.norm}, {"self_loop", op.self_loop},
          {"t", op.t},     {"alpha", op.alpha}, {"tol", op.tol}};
}

OperatorSpec operator_from_json(const nlohmann::json& j) {
  OperatorSpec op;
  op.op = j.at("op").get<std::string>();
  op.k = j.at("k").get<int>();
  op.norm = j.at("norm").get<std::string>();
  op.self_loop = j.at("self_loop").get<double>();
  op.t = j.at("t").get<double>();
  op.alpha = j.at("alpha").get<double>();
  op.tol = j.at("tol").get<double>();
  return op;
}
}  // namespace

void save_model(const std::string& path, const SavedModel& m) {
  nlohmann::json header = {{"format", "sgc-model"},        {"version", kModelFormatVersion},
                           {"dim", m.model.dim},           {"classes", m.model.classes},
                           {"operator", operator_json(m.op)}, {"feature_norm", m.feature_norm},
                           {"training", m.training}};
  if (m.feature_norm == "zscore") {
    header["zscore_mean"] = m.zscore_mean;
    header["zscore_std"] = m.zscore_std;
  }
  const std::string text = header.dump();
  std::string out(kMagic, 8);
  put_u32(out, kModelFormatVersion);
  put_u32(out, uint32_t(text.size()));
  out += text;
  const size_t weight_bytes = size_t(m.model.theta.size()) * sizeof(float);
  const size_t at = out.size();
  out.resize(at + weight_bytes);
  std::memcpy(out.data() + at, m.model.theta.data(), weight_bytes);  // x86/ARM: already little-endian
  put_u32(out, uint32_t(crc32(0L, reinterpret_cast<const Bytef*>(out.data() + at), uInt(weight_bytes))));
  std::ofstream f(path, std::ios::binary);
  if (!f) throw FileError(path + ": cannot open for writing (" + std::strerror(errno) + ")");
  f.write(out.data(), std::streamsize(out.size()));
  if (!f) throw FileError(path + ": write failed");
}

SavedModel load_model(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw FileError(path + ": cannot open (" + std::strerror(errno) + ")");
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string in = ss.str();
  auto bad = [&](const std::string& what) { return FormatError(path + ": not a readable sgc model: " + what); };
  if (in.size() < 16 || std::memcmp(in.data(), kMagic, 8) != 0) throw bad("wrong magic bytes");
  const uint32_t version = get_u32(in, 8);
  if (version == 0 || version > kModelFormatVersion)
    throw bad("format version " + std::to_string(version) + " (this build reads up to " +
              std::to_string(kModelFormatVersion) + ")");
  const uint32_t header_len = get_u32(in, 12);
  if (in.size() < 16 + size_t(header_len)) throw bad("truncated header");
  SavedModel m;
  try {
    const auto h = nlohmann::json::parse(in.substr(16, header_len));
    if (h.at("format").get<std::string>() != "sgc-model") throw bad("header format is not sgc-model");
    const int64_t dim = h.at("dim").get<int64_t>();
    const int32_t classes = h.at("classes").get<int32_t>();
    if (dim <= 0 || classes <= 0 || dim > (int64_t(1) << 31) / classes) throw bad("invalid dim/classes");
    m.op = operator_from_json(h.at("operator"));
    m.feature_norm = h.at("feature_norm").get<std::string>();
    if (m.feature_norm == "zscore") {
      m.zscore_mean = h.at("zscore_mean").get<std::vector<float>>();
      m.zscore_std = h.at("zscore_std").get<std::vector<float>>();
      if (int64_t(m.zscore_mean.size()) != dim || int64_t(m.zscore_std.size()) != dim)
        throw bad("z-score statistics do not have dim entries");
    }
    if (h.contains("training")) m.training = h["training"];
    m.model = SoftmaxModel(dim, classes);
  } catch (const nlohmann::json::exception& e) {
    throw bad(std::string("header: ") + e.what());
  }
  const size_t weight_bytes = size_t(m.model.theta.size()) * sizeof(float);
  const size_t at = 16 + size_t(header_len);
  if (in.size() != at + weight_bytes + 4)
    throw bad("size " + std::to_string(in.size()) + " bytes, expected " + std::to_string(at + weight_bytes + 4));
  std::memcpy(m.model.theta.data(), in.data() + at, weight_bytes);
  const uint32_t crc = uint32_t(crc32(0L, reinterpret_cast<const Bytef*>(in.data() + at), uInt(weight_bytes)));
  if (crc != get_u32(in, at + weight_bytes)) throw bad("weights checksum mismatch");
  if (!m.model.theta.allFinite()) throw bad("non-finite weights");
  return m;
}

}  // namespace sgc
