// libFuzzer harness for saved model files (src/sgc/model/model_file.h
// load_model): the input is written to a file and loaded twice: as is, and
// with its trailing CRC-32 recomputed, so the fuzzer also reaches the header
// checks (JSON fields, sizes, configuration) behind the checksum. A model that
// loads is used to predict on a 30-node graph (its operator's cost caps and
// the dimension checks run). Only sgc::Error may escape; anything else (a
// crash, a sanitizer report, a leak, another exception type, an allocation
// beyond -rss_limit_mb, a timeout from an uncapped computation) is a finding.
// Seeds: fuzz/corpus/fuzz_model/ (files written by `sgc train --save`).
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "sgc/data/synthetic.h"
#include "sgc/error.h"
#include "sgc/model/model_file.h"

namespace {

const sgc::Dataset& tiny_graph() {
  static const sgc::Dataset d = [] {
    sgc::CsbmOptions o;
    o.nodes = 30;
    o.classes = 3;
    o.features = 16;  // the seeds' models are trained on 16 features
    o.avg_degree = 4;
    o.train_per_class = 3;
    o.val = 6;
    o.test = 10;
    return sgc::make_csbm(o);
  }();
  return d;
}

void load_and_use(const std::string& path) {
  try {
    const sgc::SavedModel m = sgc::load_model(path);
    (void)m.model->predict(tiny_graph(), m.config);
  } catch (const sgc::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sgc_fuzz::small_budget();
  std::string bytes(reinterpret_cast<const char*>(data), size);
  const std::string path = sgc_fuzz::scratch_dir() + "/model.sgcm";
  sgc_fuzz::write_file(path, bytes);
  load_and_use(path);
  if (bytes.size() >= 4) {
    const uLong crc = crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size() - 4));
    for (int i = 0; i < 4; ++i) bytes[bytes.size() - 4 + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
    sgc_fuzz::write_file(path, bytes);
    load_and_use(path);
  }
  return 0;
}
