// The OGB raw node-property reader (ogb.h).
#include "sgc/io/ogb.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <limits>

#include "sgc/data/class_split.h"
#include "sgc/error.h"
#include "sgc/io/edge_list.h"
#include "sgc/io/feature_store.h"
#include "sgc/io/format/text_lines.h"
#include "sgc/io/loader_util.h"
#include "sgc/util/budget.h"

namespace sgc {

namespace fs = std::filesystem;

namespace {

struct Layout {
  fs::path raw, split_root;
  std::string name;  // the data set's folder
};

// The folder itself, absolute and without "." or a trailing separator, so
// that its parent and its name are those of the folder ("raw", "./raw/").
fs::path resolved_folder(const fs::path& p) {
  fs::path a = fs::absolute(p).lexically_normal();
  if (a.filename().empty() && a.has_parent_path()) a = a.parent_path();
  return a;
}

Layout locate(const std::string& dir) {
  const fs::path d(dir);
  const fs::path folder = resolved_folder(d);
  if (fs::exists(d / "raw" / "edge.csv.gz")) return {d / "raw", d / "split", folder.filename().string()};
  // The files without raw/: their splits are the folder's own split/ if it
  // has one, else OGB's split/ beside it (the folder is OGB's raw/).
  if (fs::exists(d / "edge.csv.gz")) {
    if (fs::is_directory(d / "split")) return {d, d / "split", folder.filename().string()};
    return {d, folder.parent_path() / "split", folder.parent_path().filename().string()};
  }
  throw FileError(dir + ": not an OGB node-property folder (no raw/edge.csv.gz or edge.csv.gz)");
}

bool is_blank_or_comment(std::string_view line) { return line.find_first_not_of(" \t") == std::string_view::npos; }

}  // namespace

std::vector<int64_t> read_ogb_ids(TextLines& in, int64_t limit) {
  std::vector<int64_t> ids;
  std::string_view line;
  while (in.next(line)) {
    if (is_blank_or_comment(line)) continue;
    std::string_view f[2];
    if (split_fields(line, f, 2) != 1) in.fail("expected one integer per line");
    int64_t v;
    if (!parse_int64(f[0], v)) in.fail(io_detail::quoted(f[0]) + " is not an integer");
    if (v < 0 || v >= limit) in.fail("value " + std::to_string(v) + " out of range [0, " + std::to_string(limit) + ")");
    io_detail::require_growth(ids, in.source() + ": " + std::to_string(ids.size()) + "+ ids");
    ids.push_back(v);
  }
  return ids;
}

DenseMatrix read_ogb_features(TextLines& in, int64_t n) {
  const std::string& path = in.source();
  std::vector<float> values;
  int64_t cols = -1, rows = 0;
  std::string_view line;
  while (in.next(line)) {
    if (rows >= n) in.fail("more than " + std::to_string(n) + " feature rows (num-node-list says " + std::to_string(n) + ")");
    int64_t count = 0;
    const char* p = line.data();
    const char* end = line.data() + line.size();
    while (p <= end) {
      const char* comma = std::find(p, end, ',');
      std::string_view field(p, static_cast<size_t>(comma - p));
      while (!field.empty() && field.front() == ' ') field.remove_prefix(1);
      while (!field.empty() && field.back() == ' ') field.remove_suffix(1);
      float v;
      const char* field_end = field.data() + field.size();
      const auto [q, ec] = std::from_chars(field.data(), field_end, v);
      if (ec == std::errc::result_out_of_range && q == field_end) {
        // A number, but not a float32 one: too small rounds to zero (as numpy's
        // float32 conversion does), too large is named as such.
        double d = 0;
        const auto [dq, dec] = std::from_chars(field.data(), field_end, d);
        if (dec != std::errc() || dq != field_end || std::abs(d) > double(std::numeric_limits<float>::max()))
          in.fail("value " + std::to_string(count + 1) + " " + io_detail::quoted(field) +
                  " is outside the float32 range");
        v = float(d);
      } else if (ec != std::errc() || q != field_end || field.empty()) {
        in.fail("value " + std::to_string(count + 1) + " " + io_detail::quoted(field) + " is not a number");
      }
      if (!std::isfinite(v)) in.fail(std::string(std::isnan(v) ? "NaN" : "infinite") + " feature in column " + std::to_string(count + 1));
      io_detail::require_growth(values, path + ": " + std::to_string(rows) + "+ feature rows");
      values.push_back(v);
      ++count;
      p = comma + 1;
    }
    if (cols < 0) cols = count;
    if (count != cols) in.fail("expected " + std::to_string(cols) + " values, found " + std::to_string(count));
    ++rows;
  }
  if (rows != n) {
    throw FormatError(path + ": " + std::to_string(rows) + " feature rows for " + std::to_string(n) +
                      " nodes (the count in num-node-list.csv.gz)");
  }
  return Eigen::Map<DenseMatrix>(values.data(), rows, std::max<int64_t>(cols, 0));
}

std::vector<int64_t> read_ogb_labels(TextLines& in, int64_t n) {
  const std::string& path = in.source();
  std::vector<int64_t> y;
  std::string_view line;
  while (in.next(line)) {
    std::string_view f[2];
    const size_t k = split_fields(line, f, 2);
    if (k > 1) in.fail("multi-label rows (" + io_detail::quoted(line) + ") are not supported");
    if (static_cast<int64_t>(y.size()) >= n) in.fail("more than " + std::to_string(n) + " labels");
    if (k == 0 || f[0] == "nan" || f[0] == "NaN") {
      io_detail::require_growth(y, path + ": " + std::to_string(y.size()) + "+ labels");
      y.push_back(-1);
      continue;
    }
    int64_t v;
    double dv;
    if (parse_int64(f[0], v)) {
    } else if (auto [q, ec] = std::from_chars(f[0].data(), f[0].data() + f[0].size(), dv);
               ec == std::errc() && q == f[0].data() + f[0].size() && dv == std::floor(dv) && std::abs(dv) < 1e9) {
      v = static_cast<int64_t>(dv);  // "3.0"
    } else {
      in.fail("label " + io_detail::quoted(f[0]) + " is not an integer");
    }
    // -1 is unlabelled, as in the .npz loaders (OGB itself writes nan).
    if (v < -1 || v > INT32_MAX - 1) in.fail("label " + std::to_string(v) + " out of range (-1: unlabelled)");
    io_detail::require_growth(y, path + ": " + std::to_string(y.size()) + "+ labels");
    y.push_back(v);
  }
  if (static_cast<int64_t>(y.size()) != n) {
    throw FormatError(path + ": " + std::to_string(y.size()) + " labels for " + std::to_string(n) +
                      " nodes (the count in num-node-list.csv.gz)");
  }
  return y;
}

namespace {

std::vector<int64_t> read_ids(const std::string& path, int64_t limit) {
  TextLines in(path);
  return read_ogb_ids(in, limit);
}

int64_t read_count(const std::string& path, int64_t limit) {
  const std::vector<int64_t> v = read_ids(path, limit);
  if (v.size() != 1) {
    throw FormatError(path + ": expected one count, found " + std::to_string(v.size()) +
                      " lines (only single-graph data sets are supported)");
  }
  return v[0];
}

std::vector<int32_t> read_split(const fs::path& dir, const char* name, int64_t n) {
  const fs::path p = dir / (std::string(name) + ".csv.gz");
  std::vector<int32_t> out;
  for (int64_t v : read_ids(p.string(), n)) out.push_back(static_cast<int32_t>(v));
  if (out.empty()) throw FormatError(p.string() + ": no node ids (an empty " + name + " split)");
  std::sort(out.begin(), out.end());
  if (const auto twice = std::adjacent_find(out.begin(), out.end()); twice != out.end())
    throw FormatError(p.string() + ": node id " + std::to_string(*twice) + " listed twice");
  return out;
}

}  // namespace

bool is_ogb_node_dir(const std::string& dir) {
  const fs::path d(dir);
  return fs::is_directory(d) && (fs::exists(d / "raw" / "edge.csv.gz") || fs::exists(d / "edge.csv.gz"));
}

Dataset load_ogb_node_dataset(const std::string& dir, const std::string& split_name,
                              const std::string& feature_store) {
  const Layout L = locate(dir);
  Dataset d;
  d.name = L.name;
  d.family = "ogb";
  const int64_t n = read_count((L.raw / "num-node-list.csv.gz").string(), int64_t{INT32_MAX});

  TextLines edges((L.raw / "edge.csv.gz").string());
  const EdgeList el = read_edge_list(edges);
  if (el.num_nodes > n) {
    throw FormatError(edges.source() + ": node id " + std::to_string(el.num_nodes - 1) + " out of range [0, " +
                      std::to_string(n) + ") (num-node-list.csv.gz)");
  }
  if (const fs::path ne = L.raw / "num-edge-list.csv.gz"; fs::exists(ne)) {
    const int64_t e = read_count(ne.string(), INT64_MAX);
    if (e != static_cast<int64_t>(el.src.size())) {
      throw FormatError(edges.source() + ": " + std::to_string(el.src.size()) + " edges, num-edge-list.csv.gz says " +
                        std::to_string(e));
    }
  }
  // The declared node count is trusted only once the files that hold one
  // row per node agree with it: features and labels are read (streaming,
  // growing with the rows actually present) before anything of size N is
  // allocated, so a num-node-list.csv.gz that says 2147483646 for a 300-node
  // graph is an error about the row counts, not a 16 GB allocation.
  // With a feature store, the labels (one per node) vouch for n first.
  auto read_labels = [&] {
    TextLines label_lines((L.raw / "node-label.csv.gz").string());
    d.num_classes = compact_labels(read_ogb_labels(label_lines, n), d.labels, &d.label_values);
  };
  if (!feature_store.empty()) {
    read_labels();
    d.dense_features = store_features(feature_store, n, d.name);
  } else {
    const fs::path feat = L.raw / "node-feat.csv.gz";
    if (!fs::exists(feat)) throw FileError(feat.string() + ": missing (data sets without node features are not supported)");
    TextLines feat_lines(feat.string());
    d.dense_features = read_ogb_features(feat_lines, n);
    read_labels();
  }
  require_memory((n + 1) * 24 + static_cast<int64_t>(el.src.size()) * 28,
                 edges.source() + ": a graph of " + std::to_string(n) + " nodes and " + std::to_string(el.src.size()) + " edges");
  d.adjacency = undirected_adjacency(n, el.src, el.dst);

  fs::path split_dir;
  if (!split_name.empty()) {
    split_dir = L.split_root / split_name;
    if (!fs::is_directory(split_dir)) throw FileError(split_dir.string() + ": no such split folder");
  } else {
    std::vector<std::string> names;
    if (fs::is_directory(L.split_root))
      for (const auto& e : fs::directory_iterator(L.split_root))
        if (e.is_directory()) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    if (names.empty()) throw FileError(L.split_root.string() + ": no split folder (split/<name>/train.csv.gz)");
    if (names.size() > 1) {
      std::string list;
      for (const auto& s : names) list += (list.empty() ? "" : ", ") + printable(s, 40);
      throw ArgumentError(L.split_root.string() + ": several splits (" + list +
                          "); name one (--ogb-split NAME; Python: ogb_split=)");
    }
    split_dir = L.split_root / names[0];
  }
  d.train = read_split(split_dir, "train", n);
  d.val = read_split(split_dir, "valid", n);
  d.test = read_split(split_dir, "test", n);
  validate_dataset(d, dir);
  return d;
}

}  // namespace sgc
