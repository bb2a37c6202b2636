// Edge-list reading and writing (edge_list.h).
#include "sgc/io/edge_list.h"

#include <algorithm>
#include <charconv>

#include "sgc/error.h"
#include "sgc/io/format/text_output.h"
#include "sgc/io/loader_util.h"
#include "sgc/io/matrix_market.h"
#include "sgc/util/budget.h"

namespace sgc {

constexpr int64_t kMaxNodeId = INT32_MAX - 1;  // N = max id + 1 must fit in int32
// Bytes an edge line costs until the graph is built: src + dst (8), the
// directed pattern (4) and both directions of the undirected adjacency (2 x 8).
constexpr int64_t kBytesPerEdgePair = 28;

void check_implied_node_count(int64_t num_nodes, int64_t edges, const std::string& source) {
  // Each edge line names at most two nodes, so at most 2E ids occur: N may
  // exceed that by a gap of at most 2E + 65536 ids that never occur
  // (isolated nodes), beyond which the ids are not 0-based node numbers.
  const int64_t limit = 4 * edges + 65536;
  if (num_nodes > limit) {
    throw FormatError(source + ": the largest node id is " + std::to_string(num_nodes - 1) + ", so the graph would have " +
                      std::to_string(num_nodes) + " nodes, but its " + std::to_string(edges) + " edge line" +
                      (edges == 1 ? " names" : "s name") + " at most " + std::to_string(2 * edges) + " ids" +
                      "; ids are used as given (N = max id + 1, at most 4 x edges + 65536): renumber them 0..N-1");
  }
  require_graph_memory(num_nodes, edges, source);
}

void require_graph_memory(int64_t num_nodes, int64_t edges, const std::string& source) {
  require_memory((num_nodes + 1) * 24 + edges * kBytesPerEdgePair,
                 source + ": a graph of " + std::to_string(num_nodes) + " nodes and " + std::to_string(edges) + " edges");
}

bool parse_int64(std::string_view s, int64_t& out) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

size_t split_fields(std::string_view line, std::string_view* fields, size_t max) {
  size_t n = 0, i = 0;
  const bool csv = line.find(',') != std::string_view::npos;
  while (i < line.size() && n < max) {
    if (!csv) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i >= line.size()) break;
    }
    size_t j = i;
    while (j < line.size() && (csv ? line[j] != ',' : (line[j] != ' ' && line[j] != '\t'))) ++j;
    std::string_view f = line.substr(i, j - i);
    if (csv) {  // trim blanks around a CSV field
      while (!f.empty() && (f.front() == ' ' || f.front() == '\t')) f.remove_prefix(1);
      while (!f.empty() && (f.back() == ' ' || f.back() == '\t')) f.remove_suffix(1);
    }
    fields[n++] = f;
    i = csv ? j + 1 : j;
    if (csv && j == line.size()) break;
  }
  return n;
}

EdgeList read_edge_list(const std::string& path) {
  TextLines in(path);
  return read_edge_list(in);
}

namespace {

// N from a SNAP header comment "# Nodes: 82168 Edges: 948464"; -1 if `line` is not one.
int64_t declared_nodes(std::string_view line) {
  const size_t at = line.find("Nodes:");
  if (at == std::string_view::npos) return -1;
  std::string_view rest = line.substr(at + 6);
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  size_t digits = 0;
  while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
  int64_t n;
  return digits > 0 && parse_int64(rest.substr(0, digits), n) ? n : -1;
}

}  // namespace

EdgeList read_edge_list(TextLines& in) {
  EdgeList out;
  std::string_view line;
  int64_t max_id = -1, declared = -1;
  bool first_line = true;
  size_t columns = 0;  // fields of the first edge line (counted up to kMaxColumns)
  constexpr size_t kMaxColumns = 16;
  std::string_view f[kMaxColumns];
  while (in.next(line)) {
    // A UTF-8 byte order mark (some editors write one) is not part of the first id.
    if (first_line && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
    if (first_line && is_matrix_market_banner(line)) return read_matrix_market(in, line);
    first_line = false;
    const size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '%') continue;
    if (line[first] == '#') {
      if (declared < 0) declared = declared_nodes(line);
      continue;
    }
    const size_t n = split_fields(line, f, kMaxColumns);
    if (n < 2 || f[1].empty()) {
      in.fail("expected two node ids, found " + std::to_string(n < 2 ? n : 1) + " field" + (n == 1 ? "" : "s"));
    }
    // Every line of an edge list has the same columns; an adjacency list (a
    // node, then its neighbours) does not, and would lose all but one edge a line.
    if (columns == 0) columns = n;
    if (n != columns)
      in.fail(std::to_string(n) + (n == kMaxColumns ? "+" : "") + " fields where the first edge line has " +
              std::to_string(columns) + (columns == kMaxColumns ? "+" : "") +
              ": an edge list has the same columns on every line (an adjacency list, a node and its neighbours per "
              "line, is not read)");
    int64_t id[2];
    for (int k = 0; k < 2; ++k) {
      if (!parse_int64(f[k], id[k])) in.fail("node id " + io_detail::quoted(f[k]) + " is not an integer");
      if (id[k] < 0 || id[k] > kMaxNodeId) {
        in.fail("node id " + std::to_string(id[k]) + " out of range [0, " + std::to_string(kMaxNodeId) + "]");
      }
      max_id = std::max(max_id, id[k]);
    }
    if (out.src.size() == out.src.capacity()) {  // growing: the edges (and the graph built from them) must fit
      require_memory(static_cast<int64_t>(std::max<size_t>(2 * out.src.size(), 1 << 16)) * kBytesPerEdgePair,
                     in.source() + ": " + std::to_string(out.src.size()) + "+ edges");
    }
    out.src.push_back(static_cast<int32_t>(id[0]));
    out.dst.push_back(static_cast<int32_t>(id[1]));
  }
  // A SNAP header's node count keeps isolated nodes after the largest id (ids
  // beyond it are kept too: SNAP ids need not be below the count).
  const int64_t edges = int64_t(out.src.size());
  if (declared > max_id + 1 && (declared > 4 * edges + 65536 || declared > int64_t(kMaxNodeId) + 1))
    throw FormatError(in.source() + ": its header says Nodes: " + std::to_string(declared) + ", but its " +
                      std::to_string(edges) + " edge lines name at most " + std::to_string(2 * edges) +
                      " ids (largest " + std::to_string(max_id) + "); correct or remove that header line");
  out.num_nodes = std::max(max_id + 1, declared);
  return out;
}

namespace {

// The 0/1 pattern of the directed pairs (src[k], dst[k]): counting sort by
// row, then each row sorted and deduplicated (in parallel).
CsrMatrix directed_pattern(int64_t n, const std::vector<int32_t>& src, const std::vector<int32_t>& dst) {
  CsrMatrix d;
  d.rows = d.cols = n;
  std::vector<int64_t> start(static_cast<size_t>(n) + 1, 0);
  for (size_t k = 0; k < src.size(); ++k) {
    if (src[k] < 0 || src[k] >= n || dst[k] < 0 || dst[k] >= n) {
      throw ArgumentError("undirected_adjacency: edge (" + std::to_string(src[k]) + ", " + std::to_string(dst[k]) +
                          ") outside " + std::to_string(n) + " nodes");
    }
    ++start[static_cast<size_t>(src[k]) + 1];
  }
  for (int64_t i = 0; i < n; ++i) start[i + 1] += start[i];
  std::vector<int32_t> cols(src.size());
  {
    std::vector<int64_t> next(start.begin(), start.end() - 1);
    for (size_t k = 0; k < src.size(); ++k) cols[next[src[k]]++] = dst[k];
  }
  d.indptr.assign(static_cast<size_t>(n) + 1, 0);
#pragma omp parallel for schedule(dynamic, 4096)
  for (int64_t i = 0; i < n; ++i) {
    const auto b = cols.begin() + start[i], e = cols.begin() + start[i + 1];
    std::sort(b, e);
    d.indptr[i + 1] = std::unique(b, e) - b;
  }
  for (int64_t i = 0; i < n; ++i) d.indptr[i + 1] += d.indptr[i];
  d.indices.resize(static_cast<size_t>(d.indptr[n]));
#pragma omp parallel for schedule(dynamic, 4096)
  for (int64_t i = 0; i < n; ++i)
    std::copy(cols.begin() + start[i], cols.begin() + start[i] + (d.indptr[i + 1] - d.indptr[i]),
              d.indices.begin() + d.indptr[i]);
  d.values.assign(d.indices.size(), 1.0f);
  return d;
}

}  // namespace

CsrMatrix undirected_adjacency(int64_t num_nodes, const std::vector<int32_t>& src, const std::vector<int32_t>& dst) {
  if (src.size() != dst.size()) throw ArgumentError("undirected_adjacency: src and dst differ in length");
  return undirected_pattern(directed_pattern(num_nodes, src, dst));
}

CsrMatrix undirected_pattern(const CsrMatrix& a) {
  if (a.rows != a.cols) {
    throw ArgumentError("undirected_pattern: matrix is " + std::to_string(a.rows) + " x " + std::to_string(a.cols));
  }
  const int64_t n = a.rows;
  // The transpose's pattern by counting sort: its rows come out sorted
  // (explicit zeros dropped). a's rows are sorted (a valid CsrMatrix).
  std::vector<int64_t> tptr(static_cast<size_t>(n) + 1, 0);
  for (int64_t k = 0; k < a.nnz(); ++k)
    if (a.values[k] != 0.0f) ++tptr[static_cast<size_t>(a.indices[k]) + 1];
  for (int64_t i = 0; i < n; ++i) tptr[i + 1] += tptr[i];
  std::vector<int32_t> tind(static_cast<size_t>(tptr[n]));
  {
    std::vector<int64_t> next(tptr.begin(), tptr.end() - 1);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t k = a.indptr[i]; k < a.indptr[i + 1]; ++k)
        if (a.values[k] != 0.0f) tind[next[a.indices[k]]++] = static_cast<int32_t>(i);
  }
  // Row i of the result: the sorted union of row i of a and of a^T. Two
  // passes (count, then fill), each in parallel over rows.
  auto merge_row = [&](int64_t i, int32_t* out) {
    int64_t p = a.indptr[i], q = tptr[i], count = 0;
    const int64_t pe = a.indptr[i + 1], qe = tptr[i + 1];
    int32_t last = -1;
    while (p < pe || q < qe) {
      if (p < pe && a.values[p] == 0.0f) {
        ++p;
        continue;
      }
      const int32_t c = (q >= qe || (p < pe && a.indices[p] <= tind[q])) ? a.indices[p++] : tind[q++];
      if (c == last) continue;
      last = c;
      if (out) out[count] = c;
      ++count;
    }
    return count;
  };
  CsrMatrix u;
  u.rows = u.cols = n;
  u.indptr.assign(static_cast<size_t>(n) + 1, 0);
#pragma omp parallel for schedule(dynamic, 4096)
  for (int64_t i = 0; i < n; ++i) u.indptr[i + 1] = merge_row(i, nullptr);
  for (int64_t i = 0; i < n; ++i) u.indptr[i + 1] += u.indptr[i];
  u.indices.resize(static_cast<size_t>(u.indptr[n]));
#pragma omp parallel for schedule(dynamic, 4096)
  for (int64_t i = 0; i < n; ++i) merge_row(i, u.indices.data() + u.indptr[i]);
  u.values.assign(u.indices.size(), 1.0f);
  return u;
}

void write_edge_list(const std::string& path, const CsrMatrix& a, const std::vector<std::string>& header) {
  TextOutput out(path);
  for (const std::string& h : header) out.write("# " + h + "\n");
  std::string chunk;
  char num[32];
  for (int64_t i = 0; i < a.rows; ++i) {
    for (int64_t k = a.indptr[i]; k < a.indptr[i + 1]; ++k) {
      if (a.indices[k] < i) continue;
      auto r = std::to_chars(num, num + sizeof num, i);
      chunk.append(num, r.ptr);
      chunk += '\t';
      r = std::to_chars(num, num + sizeof num, a.indices[k]);
      chunk.append(num, r.ptr);
      chunk += '\n';
    }
    if (chunk.size() >= (1 << 16)) {
      out.write(chunk);
      chunk.clear();
    }
  }
  out.write(chunk);
  out.close();
}

}  // namespace sgc
