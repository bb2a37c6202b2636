// libFuzzer harness for the strict pickle reader
// (src/sgc/io/format/pickle.h): feeds arbitrary bytes to pickle::parse and
// every decoded value (the root and the items / values one level below it) to
// the conversion helpers. Only sgc::Error may escape them; anything else (a
// crash, a sanitizer report, a leak, an unexpected exception type, an
// allocation beyond -rss_limit_mb) is a finding. Seed corpus: the real
// Planetoid pickles and the pickled objects inside the graphdata npz files
// (scripts/fuzz.sh).
#include <cstddef>
#include <cstdint>
#include <string>

#include "sgc/error.h"
#include "sgc/io/format/pickle.h"

namespace {

void convert_all(const sgc::pickle::Value& v) {
  using namespace sgc::pickle;
  try { (void)to_csr(v, "fuzz"); } catch (const sgc::Error&) {}
  try { (void)to_dense<int32_t>(v, "fuzz"); } catch (const sgc::Error&) {}
  try { (void)to_dense<int64_t>(v, "fuzz"); } catch (const sgc::Error&) {}
  try { (void)to_dense<float>(v, "fuzz"); } catch (const sgc::Error&) {}
  try { (void)to_dense<double>(v, "fuzz"); } catch (const sgc::Error&) {}
  try { (void)to_adjacency_lists(v, "fuzz"); } catch (const sgc::Error&) {}
  try { (void)to_csr(object_item(v, "fuzz"), "fuzz"); } catch (const sgc::Error&) {}
  (void)find(v, "data");
  (void)v.text();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sgc::pickle;
  try {
    Document doc = parse(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
    const Value& root = doc.root();
    convert_all(root);
    if (root.node && (root.is(Kind::Tuple) || root.is(Kind::List))) {
      for (const Value& item : root.node->items) convert_all(item);
    }
    if (root.node && root.is(Kind::Dict)) {
      for (const auto& [key, value] : root.node->entries) convert_all(value);
    }
  } catch (const sgc::Error&) {
  }
  return 0;
}
