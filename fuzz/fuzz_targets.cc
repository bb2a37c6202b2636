// libFuzzer harness for attack target files (`sgc attack --targets FILE`,
// src/sgc/attack/targets.h read_targets): one node id per line, integers or
// integral floats such as 1.824e+03 (the authors' lists), checked against a
// 2,708-node graph. Only sgc::Error may escape; anything else (a crash, a
// sanitizer report, a leak, another exception type, a timeout) is a finding.
// Seeds: fuzz/corpus/fuzz_targets/.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "sgc/attack/targets.h"
#include "sgc/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sgc_fuzz::small_budget();
  const std::string path = sgc_fuzz::scratch_dir() + "/targets.txt";
  sgc_fuzz::write_file(path, std::string_view(reinterpret_cast<const char*>(data), size));
  try {
    (void)sgc::attack::read_targets(path, 2708);
  } catch (const sgc::Error&) {
  }
  return 0;
}
