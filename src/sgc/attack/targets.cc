// Target selection and target files (see targets.h).
#include "sgc/attack/targets.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string_view>

#include "sgc/error.h"
#include "sgc/io/format/text_lines.h"
#include "sgc/io/loader_util.h"
#include "sgc/random.h"
#include "sgc/util/printable.h"

namespace sgc::attack {

std::vector<int32_t> select_targets(const Dataset& d, const std::vector<int32_t>& predicted, int count,
                                    uint64_t seed) {
  if (count < 1) throw ArgumentError("--num-targets: must be >= 1, got " + std::to_string(count));
  std::vector<int32_t> pool;
  for (int32_t v : d.test)
    if (d.labels[size_t(v)] >= 0 && predicted[size_t(v)] == d.labels[size_t(v)]) pool.push_back(v);
  Rng rng(seed);
  const size_t take = std::min(pool.size(), size_t(count));
  for (size_t i = 0; i < take; ++i) std::swap(pool[i], pool[i + size_t(rng.below(pool.size() - i))]);
  pool.resize(take);
  return pool;
}

std::vector<int32_t> read_targets(const std::string& path, int64_t num_nodes) {
  TextLines in(path);  // the readers' open: a folder is named as one, Ctrl-C on a FIFO exits 130
  std::vector<int32_t> out;
  std::string_view line;
  while (in.next(line)) {
    const size_t a = line.find_first_not_of(" \t\r");
    if (a == std::string_view::npos) continue;
    const size_t b = line.find_last_not_of(" \t\r");
    const std::string text(line.substr(a, b - a + 1));
    // Decimal digits only: strtod alone also takes hexadecimal ("0x10" = 16), "inf" and "nan".
    const bool decimal = text.find_first_not_of("0123456789+-.eE") == std::string::npos;
    errno = 0;
    char* end = nullptr;
    const double x = std::strtod(text.c_str(), &end);
    if (!decimal || end == text.c_str() || *end != '\0' || errno == ERANGE || !std::isfinite(x))
      in.fail(io_detail::quoted(text) + " is not a node id");
    if (x != std::floor(x)) in.fail(io_detail::quoted(text) + " is not an integral node id");
    if (x < 0 || x >= double(num_nodes))
      in.fail("node id " + printable(text) + " is outside [0, " + std::to_string(num_nodes) + ")");
    out.push_back(int32_t(x));
  }
  if (out.empty()) throw FormatError(path + ": no node ids in the target file");
  return out;
}

}  // namespace sgc::attack
