// libFuzzer harness for the OGB node-property folder reader
// (src/sgc/io/ogb.h load_ogb_node_dataset): the input is split at
// kPartSeparator into the files of an OGB folder, in this order:
//   raw/num-node-list.csv.gz, raw/edge.csv.gz, raw/node-feat.csv.gz,
//   raw/node-label.csv.gz, split/s/train.csv.gz, split/s/valid.csv.gz,
//   split/s/test.csv.gz, raw/num-edge-list.csv.gz
// (missing parts: missing files; each part plain text or gzip, the reader
// detects gzip by its magic bytes), written to a temporary folder and loaded
// with a 256 MiB memory budget. Only sgc::Error may escape; anything else (a
// crash, a sanitizer report, a leak, another exception type, an allocation
// beyond -rss_limit_mb, a timeout) is a finding. Seeds: fuzz/corpus/fuzz_ogb/.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "sgc/error.h"
#include "sgc/io/ogb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char* const kFiles[] = {"raw/num-node-list.csv.gz", "raw/edge.csv.gz",      "raw/node-feat.csv.gz",
                                       "raw/node-label.csv.gz",    "split/s/train.csv.gz", "split/s/valid.csv.gz",
                                       "split/s/test.csv.gz",      "raw/num-edge-list.csv.gz"};
  sgc_fuzz::small_budget();
  const auto parts = sgc_fuzz::split_parts(std::string_view(reinterpret_cast<const char*>(data), size), 8);
  const std::string dir = sgc_fuzz::fresh_dir("ogb");
  for (size_t i = 0; i < parts.size(); ++i) sgc_fuzz::write_file(dir + "/" + kFiles[i], parts[i]);
  if (parts.size() < 2) sgc_fuzz::write_file(dir + "/raw/edge.csv.gz", "");  // the folder must look like OGB
  try {
    (void)sgc::load_ogb_node_dataset(dir, "");
  } catch (const sgc::Error&) {
  }
  return 0;
}
