// libFuzzer harness for the FastGCN Reddit folder reader
// (src/sgc/io/fastgcn_reddit.h load_fastgcn_reddit): the input is split at
// kPartSeparator into reddit_adj.npz and reddit.npz (a missing second part:
// a missing file), written to a temporary folder and loaded with a 256 MiB
// memory budget. Only sgc::Error may escape; anything else is a finding.
// Seeds: fuzz/corpus/fuzz_fastgcn/ (small folders written by `sgc generate`).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "sgc/error.h"
#include "sgc/io/fastgcn_reddit.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sgc_fuzz::small_budget();
  const auto parts = sgc_fuzz::split_parts(std::string_view(reinterpret_cast<const char*>(data), size), 2);
  const std::string dir = sgc_fuzz::fresh_dir("reddit");
  sgc_fuzz::write_file(dir + "/reddit_adj.npz", parts[0]);
  if (parts.size() > 1) sgc_fuzz::write_file(dir + "/reddit.npz", parts[1]);
  try {
    sgc::RedditAdjacencyInfo info;
    (void)sgc::load_fastgcn_reddit(dir, &info);
  } catch (const sgc::Error&) {
  }
  return 0;
}
