// libFuzzer harness for the binary array readers (src/sgc/io/format/zip.h,
// npy.h, npz.h) and the .npz data-set loaders (src/sgc/io/npz_datasets.h,
// fastgcn_reddit.h's sparse matrix part): the input is parsed as a single
// .npy array and as a zip / .npz archive; every entry is read (inflated,
// CRC-checked), parsed as .npy and converted (numbers, strings, pickled
// objects, CSR parts), and the archive is handed to every loader whose keys
// it has. Only sgc::Error may escape; anything else is a finding. Seeds:
// small .npz files from shared/data and .npy entries extracted from them
// (scripts/fuzz.sh).
#include <cstddef>
#include <cstdint>
#include <string>

#include "sgc/error.h"
#include "sgc/io/format/npz.h"
#include "sgc/io/npz_datasets.h"

namespace {

void convert(const sgc::NpyArray& a) {
  try { (void)sgc::npy_values<double>(a, "fuzz"); } catch (const sgc::Error&) {}
  try { (void)sgc::npy_values<int32_t>(a, "fuzz"); } catch (const sgc::Error&) {}
  try { (void)sgc::npy_text(a, "fuzz"); } catch (const sgc::Error&) {}
  try {
    const sgc::pickle::Document doc = sgc::npy_object(a, "fuzz");
    (void)sgc::pickle::to_csr(sgc::pickle::object_item(doc.root(), "fuzz"), "fuzz");
  } catch (const sgc::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    sgc::ByteRange r;
    r.owner = sgc::FileBytes::from_string(bytes);
    r.bytes = r.owner->bytes();
    convert(sgc::parse_npy(r, "fuzz"));
  } catch (const sgc::Error&) {
  }
  try {
    const sgc::NpzFile f = sgc::NpzFile::from_bytes(bytes, "fuzz");
    for (const std::string& key : f.keys()) {
      try {
        convert(f.array(key));
      } catch (const sgc::Error&) {
      }
    }
    try { (void)sgc::load_scipy_sparse(f); } catch (const sgc::Error&) {}
    try { (void)sgc::csr_from_npz(f, "adj_"); } catch (const sgc::Error&) {}
    const std::string layout = sgc::npz_layout(f);
    sgc::ClassSplitOptions split;
    try {
      if (layout == "heterophilous") (void)sgc::load_heterophilous(f, 0);
      if (layout == "graphdata") (void)sgc::load_graphdata(f, split);
      if (layout == "gnn-benchmark") (void)sgc::load_gnn_benchmark(f, split);
    } catch (const sgc::Error&) {
    }
  } catch (const sgc::Error&) {
  }
  return 0;
}
