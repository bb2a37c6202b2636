// Planetoid loader (see planetoid.h). File layout and assembly follow
// shared/data/README.md section 1, which mirrors tkipf/gcn gcn/utils.py
// load_data: x/tx/allx are pickled scipy csr_matrix, y/ty/ally one-hot numpy
// int arrays, graph a defaultdict(list) of node ids, test.index one id a line.
#include "sgc/io/planetoid.h"

#include <algorithm>
#include <charconv>
#include <string>
#include <vector>

#include "sgc/error.h"
#include "sgc/util/budget.h"
#include "sgc/util/printable.h"
#include "sgc/io/format/file_bytes.h"
#include "sgc/io/format/pickle.h"

namespace sgc {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& msg) {
  throw FormatError(path + ": " + msg);
}

// One integer per line (Python's int(line.strip())); blank lines at the end are fine.
std::vector<int64_t> read_index_file(const std::string& path) {
  std::string text = read_file_bytes(path);
  std::vector<int64_t> ids;
  size_t pos = 0, line = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string_view s(text.data() + pos, nl - pos);
    pos = nl + 1;
    ++line;
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    // Blank lines at the end (an editor's extra newlines) end the list.
    if (s.empty() && text.find_first_not_of(" \t\r\n", std::min(pos, text.size())) == std::string::npos) break;
    int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
      fail(path, "line " + std::to_string(line) + ": '" + printable(s, 40) + "' is not an integer");
    }
    ids.push_back(v);
  }
  return ids;
}

// Labels from one-hot rows: the column of the single 1, or -1 for a zero row.
std::vector<int32_t> one_hot_labels(const pickle::DenseArray<int32_t>& a, const std::string& path) {
  const int64_t rows = a.shape[0], cols = a.shape[1];
  std::vector<int32_t> labels(static_cast<size_t>(rows), -1);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      int32_t v = a.data[r * cols + c];
      if (v == 0) continue;
      if (v != 1 || labels[r] != -1) fail(path, "row " + std::to_string(r) + " is not a one-hot vector");
      labels[r] = static_cast<int32_t>(c);
    }
  }
  return labels;
}

pickle::DenseArray<int32_t> load_labels(const std::string& path) {
  pickle::Document doc = pickle::read_file(path);
  auto a = pickle::to_dense<int32_t>(doc.root(), path);
  if (a.shape.size() != 2) fail(path, "labels must be a 2-D one-hot array, got " + std::to_string(a.shape.size()) + " dims");
  if (a.shape[1] < 1) fail(path, "labels have no class columns");
  return a;
}

CsrMatrix load_csr(const std::string& path) {
  pickle::Document doc = pickle::read_file(path);
  return pickle::to_csr(doc.root(), path);
}

}  // namespace

Dataset load_planetoid(const std::string& dir, const std::string& name) {
  // The format is not tied to the three sets: any name of files that exist.
  if (name.empty() || name.find('/') != std::string::npos)
    throw ArgumentError("Planetoid data set name '" + printable(name) + "': a file name part (ind.<name>.graph)");
  const std::string base = dir + "/ind." + name + ".";
  const std::string px = base + "x", py = base + "y", ptx = base + "tx", pty = base + "ty",
                    pallx = base + "allx", pally = base + "ally", pgraph = base + "graph",
                    pindex = base + "test.index";
  const CsrMatrix x = load_csr(px);
  const CsrMatrix tx = load_csr(ptx);
  const CsrMatrix allx = load_csr(pallx);
  const auto y = load_labels(py), ty = load_labels(pty), ally = load_labels(pally);
  pickle::AdjacencyLists graph;
  {
    pickle::Document doc = pickle::read_file(pgraph);
    graph = pickle::to_adjacency_lists(doc.root(), pgraph);
  }
  const std::vector<int64_t> test_index = read_index_file(pindex);

  // Shapes must agree across files.
  auto rows_match = [](const std::string& p, int64_t rows, const std::string& q, int64_t qrows) {
    if (rows != qrows) {
      fail(p, "has " + std::to_string(rows) + " rows but " + q + " has " + std::to_string(qrows));
    }
  };
  rows_match(py, y.shape[0], px, x.rows);
  rows_match(pty, ty.shape[0], ptx, tx.rows);
  rows_match(pally, ally.shape[0], pallx, allx.rows);
  rows_match(pindex, static_cast<int64_t>(test_index.size()), ptx, tx.rows);
  const int64_t num_features = allx.cols, num_classes = ally.shape[1];
  for (const auto& [p, cols] : {std::pair{px, x.cols}, std::pair{ptx, tx.cols}}) {
    if (cols != num_features) {
      fail(p, "has " + std::to_string(cols) + " columns but " + pallx + " has " + std::to_string(num_features));
    }
  }
  for (const auto& [p, cols] : {std::pair{py, y.shape[1]}, std::pair{pty, ty.shape[1]}}) {
    if (cols != num_classes) {
      fail(p, "has " + std::to_string(cols) + " classes but " + pally + " has " + std::to_string(num_classes));
    }
  }
  if (num_classes < 1 || num_classes > (1 << 30)) fail(pally, "has " + std::to_string(num_classes) + " classes");

  // Graph: keys are exactly 0..N-1 (they are distinct), neighbours in range.
  const int64_t n = static_cast<int64_t>(graph.keys.size());
  if (n > (int64_t{1} << 31) - 1) fail(pgraph, "too many nodes");
  if (n == 0) fail(pgraph, "the graph has no nodes (an empty adjacency dict)");
  if (n < allx.rows + tx.rows) {
    fail(pgraph, "has " + std::to_string(n) + " nodes, fewer than the " + std::to_string(allx.rows) + " rows of " + pallx +
                     " plus the " + std::to_string(tx.rows) + " rows of " + ptx);
  }
  // What the assembly allocates beyond the decoded pickles (which the pickle
  // reader charged already): both directions of every edge as triplets, then
  // as CSR; the feature rows placed; the per-node arrays.
  const double pairs = 2.0 * double(graph.neighbors.size()), nnz = double(allx.values.size() + tx.values.size());
  require_memory_estimate(pairs * double(sizeof(Triplet) + 8) + nnz * 8 + double(n + 1) * 32,
                          pgraph + ": the Planetoid graph (" + std::to_string(n) + " nodes, " +
                              std::to_string(graph.neighbors.size()) + " adjacency entries) and its features");
  std::vector<Triplet> edges;
  edges.reserve(graph.neighbors.size() * 2);
  for (size_t k = 0; k < graph.keys.size(); ++k) {
    int64_t u = graph.keys[k];
    if (u < 0 || u >= n) {
      fail(pgraph, "node id " + std::to_string(u) + " out of range [0, " + std::to_string(n) + ")");
    }
    for (int64_t e = graph.offsets[k]; e < graph.offsets[k + 1]; ++e) {
      int64_t v = graph.neighbors[e];
      if (v < 0 || v >= n) {
        fail(pgraph, "neighbour id " + std::to_string(v) + " of node " + std::to_string(u) +
                         " out of range [0, " + std::to_string(n) + ")");
      }
      edges.push_back({static_cast<int32_t>(u), static_cast<int32_t>(v), 1.0f});
      edges.push_back({static_cast<int32_t>(v), static_cast<int32_t>(u), 1.0f});
    }
  }

  // Test ids: distinct, in allx.rows..N-1, spanning exactly that range (the
  // ids it skips are the padded, unlabelled rows).
  const int64_t a_rows = allx.rows;
  std::vector<int32_t> tx_row_of(static_cast<size_t>(std::max<int64_t>(n, 0)), -1);
  int64_t tmin = n, tmax = -1;
  for (size_t j = 0; j < test_index.size(); ++j) {
    int64_t t = test_index[j];
    if (t < a_rows || t >= n) {
      fail(pindex, "line " + std::to_string(j + 1) + ": id " + std::to_string(t) + " out of range [" +
                       std::to_string(a_rows) + ", " + std::to_string(n) + ")");
    }
    if (tx_row_of[t] != -1) fail(pindex, "line " + std::to_string(j + 1) + ": id " + std::to_string(t) + " repeated");
    tx_row_of[t] = static_cast<int32_t>(j);
    tmin = std::min(tmin, t);
    tmax = std::max(tmax, t);
  }
  if (test_index.empty() || tmin != a_rows || tmax != n - 1) {
    fail(pindex, "ids span " + std::to_string(tmin) + ".." + std::to_string(tmax) + ", expected " +
                     std::to_string(a_rows) + ".." + std::to_string(n - 1) + " (rows of " + pallx +
                     " .. nodes in " + pgraph + " - 1)");
  }
  if (y.shape[0] + 500 > a_rows) {
    fail(py, "train + 500 validation nodes (" + std::to_string(y.shape[0] + 500) + ") exceed the " +
                 std::to_string(a_rows) + " rows of " + pallx);
  }

  Dataset d;
  d.family = "planetoid";
  d.name = name;
  d.num_classes = static_cast<int32_t>(num_classes);
  d.adjacency = csr_from_triplets(n, n, std::move(edges), true);

  // Features: node i < allx.rows takes allx row i, node test_index[j] takes tx row j.
  CsrMatrix& f = d.features;
  f.rows = n;
  f.cols = num_features;
  f.indptr.assign(static_cast<size_t>(n) + 1, 0);
  auto source_row = [&](int64_t i) -> std::pair<const CsrMatrix*, int64_t> {
    if (i < a_rows) return {&allx, i};
    if (tx_row_of[i] >= 0) return {&tx, tx_row_of[i]};
    return {nullptr, 0};
  };
  for (int64_t i = 0; i < n; ++i) {
    auto [m, r] = source_row(i);
    f.indptr[i + 1] = f.indptr[i] + (m ? m->indptr[r + 1] - m->indptr[r] : 0);
  }
  f.indices.resize(static_cast<size_t>(f.indptr[n]));
  f.values.resize(static_cast<size_t>(f.indptr[n]));
  for (int64_t i = 0; i < n; ++i) {
    auto [m, r] = source_row(i);
    if (!m) continue;
    std::copy(m->indices.begin() + m->indptr[r], m->indices.begin() + m->indptr[r + 1], f.indices.begin() + f.indptr[i]);
    std::copy(m->values.begin() + m->indptr[r], m->values.begin() + m->indptr[r + 1], f.values.begin() + f.indptr[i]);
  }

  // Labels, in the same placement.
  const std::vector<int32_t> ally_labels = one_hot_labels(ally, pally);
  const std::vector<int32_t> ty_labels = one_hot_labels(ty, pty);
  one_hot_labels(y, py);  // checked for consistency only; train labels come from ally
  d.labels.assign(static_cast<size_t>(n), -1);
  for (int64_t i = 0; i < n; ++i) {
    if (i < a_rows) {
      d.labels[i] = ally_labels[i];
    } else if (tx_row_of[i] >= 0) {
      d.labels[i] = ty_labels[tx_row_of[i]];
    }
  }

  for (int32_t i = 0; i < y.shape[0]; ++i) d.train.push_back(i);
  for (int32_t i = 0; i < 500; ++i) d.val.push_back(static_cast<int32_t>(y.shape[0]) + i);
  for (int64_t i = a_rows; i < n; ++i) {
    if (tx_row_of[i] >= 0) d.test.push_back(static_cast<int32_t>(i));
  }
  validate_dataset(d, dir + "/ind." + name);
  return d;
}

}  // namespace sgc
