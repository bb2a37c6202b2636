// libFuzzer harness for edge-list files as the command line reads them
// (src/sgc/io/load.h load_dataset on a path): the input is written to
// edges.txt (plain or gzip: the reader detects gzip by its magic bytes) and
// loaded as a data set with a 256 MiB memory budget: read_edge_list, the
// sparse-id guard, the undirected adjacency and the synthetic features and
// labels of a bare graph. Only sgc::Error may escape; anything else (a crash,
// a sanitizer report, a leak, another exception type, an allocation beyond
// -rss_limit_mb, a timeout) is a finding. Seeds: fuzz/corpus/fuzz_edge_list/.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "sgc/error.h"
#include "sgc/io/load.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sgc_fuzz::small_budget();
  const std::string path = sgc_fuzz::scratch_dir() + "/edges.txt";
  sgc_fuzz::write_file(path, std::string_view(reinterpret_cast<const char*>(data), size));
  try {
    sgc::LoadOptions o;
    // A few synthetic feature columns: an edge list may name ~130,000 nodes,
    // and drawing 64 Gaussian columns for them under ASan costs seconds.
    o.synthetic.features = 8;
    (void)sgc::load_dataset(path, o);
  } catch (const sgc::Error&) {
  }
  return 0;
}
