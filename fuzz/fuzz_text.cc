// libFuzzer harness for the text readers (src/sgc/io/format/text_lines.h,
// src/sgc/io/edge_list.h, ogb.h): the input is read as a text or gzip file by
// TextLines and parsed as an edge list and as each OGB CSV file (node ids,
// feature rows, labels); a parsed edge list is also turned into a graph.
// Only sgc::Error may escape; anything else (a crash, a sanitizer report, a
// leak, another exception type, an allocation beyond -rss_limit_mb) is a
// finding. Seeds: small edge lists and CSV files, plain and gzip (scripts/fuzz.sh).
#include <cstddef>
#include <cstdint>
#include <string>

#include "sgc/error.h"
#include "sgc/io/edge_list.h"
#include "sgc/io/ogb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    sgc::TextLines in(bytes, "fuzz");
    const sgc::EdgeList e = sgc::read_edge_list(in);
    if (e.num_nodes <= (1 << 20)) (void)sgc::undirected_adjacency(e.num_nodes, e.src, e.dst);
  } catch (const sgc::Error&) {
  }
  try {
    sgc::TextLines in(bytes, "fuzz");
    (void)sgc::read_ogb_ids(in, 1 << 20);
  } catch (const sgc::Error&) {
  }
  try {
    sgc::TextLines in(bytes, "fuzz");
    (void)sgc::read_ogb_features(in, 4);
  } catch (const sgc::Error&) {
  }
  try {
    sgc::TextLines in(bytes, "fuzz");
    (void)sgc::read_ogb_labels(in, 4);
  } catch (const sgc::Error&) {
  }
  return 0;
}
