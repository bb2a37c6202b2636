#include "sgc/io/matrix_market.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "sgc/error.h"
#include "sgc/io/loader_util.h"

namespace sgc {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool one_of(const std::string& word, std::initializer_list<const char*> words) {
  return std::any_of(words.begin(), words.end(), [&](const char* w) { return word == w; });
}

}  // namespace

bool is_matrix_market_banner(std::string_view first_line) {
  return lower(first_line.substr(0, 14)) == "%%matrixmarket";
}

EdgeList read_matrix_market(TextLines& in, std::string_view banner) {
  std::string_view f[5];
  const size_t words = split_fields(banner, f, 5);
  if (words != 5 || lower(f[1]) != "matrix")
    in.fail("a Matrix Market banner is '%%MatrixMarket matrix coordinate <field> <symmetry>'");
  if (lower(f[2]) != "coordinate")
    in.fail("Matrix Market layout " + io_detail::quoted(f[2]) + ": only the coordinate (sparse) layout is a graph");
  const std::string field = lower(f[3]), symmetry = lower(f[4]);
  if (!one_of(field, {"real", "integer", "pattern", "complex", "double"}))
    in.fail("Matrix Market field " + io_detail::quoted(f[3]) + " (expected real, integer, pattern or complex)");
  if (!one_of(symmetry, {"general", "symmetric", "skew-symmetric", "hermitian"}))
    in.fail("Matrix Market symmetry " + io_detail::quoted(f[4]) +
            " (expected general, symmetric, skew-symmetric or hermitian)");

  std::string_view line;
  int64_t size[3] = {-1, -1, -1};
  while (in.next(line)) {  // comments, then the size line
    const size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '%') continue;
    if (split_fields(line, f, 4) != 3) in.fail("expected the size line 'rows columns entries'");
    for (int k = 0; k < 3; ++k)
      if (!parse_int64(f[k], size[k]) || size[k] < 0) in.fail("size " + io_detail::quoted(f[k]) + " is not a count");
    break;
  }
  if (size[0] < 0) in.fail("no size line: the file ends after its comments");
  const int64_t n = size[0], entries = size[2];
  if (size[0] != size[1])
    in.fail(std::to_string(size[0]) + " x " + std::to_string(size[1]) + " matrix: a graph's adjacency is square");
  if (n > (int64_t(1) << 31) - 1) in.fail(std::to_string(n) + " rows: more nodes than 31-bit ids can number");
  // A coordinate file names each cell at most once: more entries than cells is a damaged size line.
  if (entries > n * n)  // n < 2^31: no overflow
    in.fail(std::to_string(entries) + " entries for a " + std::to_string(n) + " x " + std::to_string(n) +
            " matrix, which has " + std::to_string(n * n) + " cells: the entry count is impossible");
  if (entries > (int64_t(1) << 40)) in.fail(std::to_string(entries) + " entries: beyond any graph this reads");
  // Before reserving: the entries (and the graph built from them) must fit.
  require_graph_memory(n, entries, in.source());

  const size_t want = field == "pattern" ? 2 : field == "complex" ? 4 : 3;  // fields of an entry line
  EdgeList out;
  out.num_nodes = n;
  out.src.reserve(size_t(entries));
  out.dst.reserve(size_t(entries));
  while (in.next(line)) {
    const size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '%') continue;
    if (int64_t(out.src.size()) == entries)
      in.fail("more entries than the " + std::to_string(entries) + " the size line declares");
    const size_t got = split_fields(line, f, 4);
    if (got != want)
      in.fail("expected " + std::to_string(want) + " fields (row, column" +
              (want == 2 ? std::string("") : want == 3 ? ", value" : ", real, imaginary") + "), found " +
              std::to_string(got) + (got == 4 ? "+" : ""));
    int64_t ij[2];
    for (int k = 0; k < 2; ++k) {
      if (!parse_int64(f[k], ij[k])) in.fail("index " + io_detail::quoted(f[k]) + " is not an integer");
      if (ij[k] < 1 || ij[k] > n)
        in.fail("index " + std::to_string(ij[k]) + " outside 1.." + std::to_string(n) + " (Matrix Market is 1-based)");
    }
    out.src.push_back(int32_t(ij[0] - 1));
    out.dst.push_back(int32_t(ij[1] - 1));
  }
  if (int64_t(out.src.size()) != entries)
    throw FormatError(in.source() + ": " + std::to_string(out.src.size()) + " entries, the size line declares " +
                      std::to_string(entries) + " (truncated?)");
  return out;
}

}  // namespace sgc
