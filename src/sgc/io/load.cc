// Name and path dispatch for load_dataset (load.h).
#include "sgc/io/load.h"
#include "sgc/io/dataset_names.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <system_error>
#include <utility>

#include "sgc/error.h"
#include "sgc/io/edge_list.h"
#include "sgc/io/fastgcn_reddit.h"
#include "sgc/io/loader_util.h"
#include "sgc/io/npz_datasets.h"
#include "sgc/io/feature_store.h"
#include "sgc/io/ogb.h"
#include "sgc/io/planetoid.h"

#ifndef SGC_BUILD_DATA_DIR
#define SGC_BUILD_DATA_DIR "../shared/data"
#endif

namespace sgc {

namespace fs = std::filesystem;

namespace {

struct Family {
  const char* folder;
  std::vector<std::string> names;
};

const std::vector<Family>& families() {
  static const std::vector<Family> f = {
      {"planetoid", {"cora", "citeseer", "pubmed"}},
      {"heterophilous",
       {"roman_empire", "amazon_ratings", "minesweeper", "tolokers", "questions", "chameleon", "chameleon_directed",
        "chameleon_filtered", "chameleon_filtered_directed", "squirrel", "squirrel_directed", "squirrel_filtered",
        "squirrel_filtered_directed", "actor", "cornell", "texas", "texas_4_classes", "wisconsin"}},
      {"graphdata",
       {"amazon_cs", "coauthor_cs", "dblp", "polblogs", "citeseer_full", "acm", "blogcatalog", "flickr", "uai"}},
      {"ppnp", {"cora_ml"}},
      {"npz", {}},  // gnn-benchmark files: only as npz/<name>
  };
  return f;
}

const Family* family_of(const std::string& name) {
  for (const Family& f : families())
    for (const std::string& n : f.names)
      if (n == name) return &f;
  return nullptr;
}

const Family* family_named(const std::string& folder) {
  for (const Family& f : families())
    if (folder == f.folder) return &f;
  return nullptr;
}

// The folder holding `file` for a family: dir itself, or dir/<family>.
std::string resolve_dir(const LoadOptions& o, const Family& f, const std::string& file) {
  if (o.dir.empty()) return default_data_root() + "/" + f.folder;
  if (!fs::exists(fs::path(o.dir) / file) && fs::exists(fs::path(o.dir) / f.folder / file))
    return (fs::path(o.dir) / f.folder).string();
  return o.dir;
}

void require_single_split(const LoadOptions& o, const std::string& what) {
  if (o.split != 0) throw ArgumentError("--split: " + what + " has one fixed split; only 0 is valid");
}

ClassSplitOptions random_split(const LoadOptions& o) {
  if (o.split < 0) throw ArgumentError("--split: must be >= 0");
  ClassSplitOptions s;
  s.seed = o.seed + static_cast<uint64_t>(o.split);
  return s;
}

Dataset load_family_member(const Family& f, const std::string& name, const LoadOptions& o);

// Levenshtein distance, for "did you mean".
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// The candidates within max(2, |s| / 3) edits of s (or that contain it), closest first, at most 4.
std::vector<std::string> close_matches(const std::string& s, const std::vector<std::string>& candidates) {
  if (s.size() > 256) return {};
  std::vector<std::pair<size_t, std::string>> scored;
  const size_t limit = std::max<size_t>(2, s.size() / 3);
  for (const std::string& c : candidates) {
    if (c.size() > 256) continue;
    size_t d = edit_distance(s, c);
    if (d > limit && s.size() >= 3 && c.find(s) != std::string::npos) d = limit;
    if (d <= limit) scored.emplace_back(d, c);
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> out;
  for (size_t k = 0; k < scored.size() && k < 4; ++k) out.push_back(scored[k].second);
  return out;
}

std::string join_names(const std::vector<std::string>& names, const char* sep = ", ") {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : sep) + printable(n, 60);
  return out;
}

// A --dataset value that is meant as a path: it has a '/' or a file extension.
bool looks_like_path(const std::string& name) {
  if (name.find('/') != std::string::npos) return true;
  const size_t dot = name.rfind('.');
  return dot != std::string::npos && dot > 0 && dot + 1 < name.size();
}

// Planetoid files by path: <dir>/ind.<name>.<ext> names the data set <name> in <dir>.
bool planetoid_file(const fs::path& p, std::string* name) {
  const std::string file = p.filename().string();
  if (file.rfind("ind.", 0) != 0) return false;
  const size_t dot = file.find('.', 4);
  if (dot == std::string::npos || dot == 4) return false;
  *name = file.substr(4, dot - 4);
  return fs::exists(p.parent_path() / ("ind." + *name + ".graph"));
}

Dataset bare_graph(CsrMatrix adjacency, const std::string& path, const LoadOptions& o) {
  if (adjacency.rows == 0) throw FormatError(path + ": the graph has no nodes");
  SyntheticAttributes s = o.synthetic;
  s.seed = o.seed + static_cast<uint64_t>(std::max(o.split, 0));
  Dataset d = with_synthetic_attributes(std::move(adjacency),
                                        io_detail::file_stem(path) + " [synthetic features and labels]", s);
  d.family = "bare";  // a real graph with generated attributes (presets: as the synthetic graphs)
  return d;
}

Dataset load_npz_path(const std::string& path, const LoadOptions& o) {
  const NpzFile f = NpzFile::open(path);
  const std::string layout = npz_layout(f);
  auto in_family = [](Dataset d, const char* family) {
    d.family = family;
    return d;
  };
  if (layout == "heterophilous") return in_family(load_heterophilous(f, o.split), "heterophilous");
  if (layout == "graphdata") return in_family(load_graphdata(f, random_split(o)), "graphdata");
  if (layout == "gnn-benchmark") return in_family(load_gnn_benchmark(f, random_split(o)), "npz");
  if (layout == "fastgcn-reddit") {
    // FastGCN's layout is a pair of files found by name: read those only
    // when they are what was named, never another file of the folder.
    if (fs::path(path).filename() != "reddit.npz")
      throw FormatError(path + ": FastGCN Reddit features (feats, train_index, ...); that layout is read as a folder "
                        "holding reddit.npz and reddit_adj.npz: name the file reddit.npz beside its reddit_adj.npz "
                        "and give the folder");
    require_single_split(o, path);
    return load_fastgcn_reddit(fs::path(path).parent_path().string(), nullptr, o.feature_store);
  }
  if (layout == "scipy-sparse") {
    const CsrMatrix a = load_scipy_sparse(f);
    if (a.rows != a.cols) throw FormatError(path + ": shape mismatch: the matrix is not square");
    return bare_graph(undirected_pattern(a), path, o);
  }
  std::string keys;
  for (const std::string& k : f.keys()) keys += (keys.empty() ? "" : ", ") + printable(k, 40);
  throw FormatError(path + ": unrecognised .npz layout (keys: " + keys + ")");
}

// The first `n` bytes of a file (fewer if it is shorter; none if unreadable).
std::string file_head(const std::string& path, size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::string head(n, '\0');
  in.read(head.data(), std::streamsize(n));
  head.resize(size_t(std::max<std::streamsize>(in.gcount(), 0)));
  return head;
}

// What a file starting with `head` is, for files that are not graphs; null: none known.
const char* binary_kind(const std::string& head) {
  static const std::pair<std::string_view, const char*> kinds[] = {
      {"\x93NUMPY", "an .npy array (node features? sgc convert --in makes a feature store for --feature-store)"},
      {"SGCFEAT", "an sgc feature store (give it as --feature-store)"},
      {"SGCMODEL", "an sgc model file (give it to sgc predict --model)"},
      {"\xFD" "7zXZ", "xz-compressed (only gzip is read: decompress it first)"},
      {"BZh", "bzip2-compressed (only gzip is read: decompress it first)"},
      {"\x28\xB5\x2F\xFD", "zstd-compressed (only gzip is read: decompress it first)"},
  };
  for (const auto& [magic, what] : kinds)
    if (head.compare(0, magic.size(), magic) == 0) return what;
  return nullptr;
}

Dataset load_path(const std::string& path, const LoadOptions& o) {
  const fs::path p(path);
  if (fs::is_directory(p)) {
    const bool fastgcn = fs::exists(p / "reddit_adj.npz"), ogb = is_ogb_node_dir(path);
    // Both layouts in one folder (`sgc generate --format fastgcn,ogb` writes that): say which, never guess.
    if (fastgcn && ogb && o.ogb_split.empty())
      throw ArgumentError(path + ": the folder holds two data sets, FastGCN's Reddit files (reddit_adj.npz, "
                          "reddit.npz) and an OGB layout (raw/, split/); give " + (p / "reddit_adj.npz").string() +
                          " for the first, or --ogb-split NAME for the second");
    if (fastgcn && !ogb) {
      require_single_split(o, path);
      return load_fastgcn_reddit(path, nullptr, o.feature_store);
    }
    if (ogb) {
      require_single_split(o, path);
      return load_ogb_node_dataset(path, o.ogb_split, o.feature_store);
    }
    // Say what is there, and point at loadable files inside.
    std::vector<std::string> entries;
    std::string hint;
    std::error_code ec;
    for (fs::directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string e = it->path().filename().string();
      if (entries.size() < 6) entries.push_back(e + (it->is_directory(ec) ? "/" : ""));
      if (hint.empty() && e.rfind("ind.", 0) == 0 && e.size() > 6 && e.compare(e.size() - 6, 6, ".graph") == 0)
        hint = "; for Planetoid files give one of them, e.g. " + (p / e).string();
      else if (hint.empty() && e.size() > 4 && e.compare(e.size() - 4, 4, ".npz") == 0)
        hint = "; give an .npz file inside it, e.g. " + (p / e).string();
      if (entries.size() >= 6 && !hint.empty()) break;
    }
    throw FileError(path + ": folder in no known layout (expected reddit_adj.npz + reddit.npz, or raw/edge.csv.gz; " +
                    (entries.empty() ? std::string("it is empty") : "it holds " + join_names(entries) + (entries.size() >= 6 ? ", ..." : "")) +
                    printable(hint, 300) + ")");
  }
  {
    std::error_code ec;
    if (!fs::is_regular_file(p, ec) && fs::exists(p, ec) && !fs::is_fifo(p, ec) && !fs::is_character_file(p, ec))
      throw FileError(path + ": not a regular file or folder");
    if (fs::is_regular_file(p, ec) && fs::file_size(p, ec) == 0) throw FormatError(path + ": empty file");
  }
  const std::string file = p.filename().string();
  if (std::string name; planetoid_file(p, &name)) {
    LoadOptions in_dir = o;
    in_dir.dir = p.parent_path().empty() ? "." : p.parent_path().string();
    return load_family_member(*family_named("planetoid"), name, in_dir);
  }
  if (file == "reddit_adj.npz") {
    require_single_split(o, path);
    return load_fastgcn_reddit(p.parent_path().string(), nullptr, o.feature_store);
  }
  if (file.size() > 4 && file.compare(file.size() - 4, 4, ".npz") == 0) return load_npz_path(path, o);
  // Not an .npz by name: what its first bytes say, before it is read as text
  // (a regular file only: peeking into a pipe or FIFO would consume what it holds).
  std::error_code ec;
  const std::string head = fs::is_regular_file(p, ec) ? file_head(path, 8) : std::string();
  if (head.rfind("PK\x03\x04", 0) == 0) return load_npz_path(path, o);  // a zip: an .npz without its extension
  if (const char* what = binary_kind(head))
    throw FormatError(path + ": " + what + ", not a graph (a graph is an edge list, .mtx, .npz or a folder)");
  const EdgeList e = read_edge_list(path);
  if (e.src.empty()) throw FormatError(path + ": no edges");
  // Ids are used as given (N = max id + 1): refuse to allocate a huge, nearly empty graph for sparse ids.
  check_implied_node_count(e.num_nodes, static_cast<int64_t>(e.src.size()), path);
  return bare_graph(undirected_adjacency(e.num_nodes, e.src, e.dst), path, o);
}

Dataset load_member(const Family& f, const std::string& name, const LoadOptions& o) {
  const std::string folder = f.folder;
  if (folder == "planetoid") {
    require_single_split(o, name);
    return load_planetoid(resolve_dir(o, f, "ind." + name + ".graph"), name);
  }
  const std::string file = name + ".npz";
  const std::string path = (fs::path(resolve_dir(o, f, file)) / file).string();
  const NpzFile npz = NpzFile::open(path);
  if (folder == "heterophilous") return load_heterophilous(npz, o.split);
  if (folder == "graphdata") return load_graphdata(npz, random_split(o));
  return load_gnn_benchmark(npz, random_split(o));
}

Dataset load_family_member(const Family& f, const std::string& name, const LoadOptions& o) {
  Dataset d = load_member(f, name, o);
  d.family = f.folder;
  return d;
}

// The error for a name that is neither known nor a path: close matches, else the names by family.
[[noreturn]] void unknown_dataset(const std::string& name) {
  const std::string shown = "'" + printable(name, 200) + "'";
  std::vector<std::string> names = known_dataset_names();
  names.push_back("npz/cora");
  names.push_back("npz/citeseer");
  const std::vector<std::string> close = close_matches(name, names);
  if (!close.empty()) {
    throw ArgumentError("--dataset: unknown data set " + shown + "; did you mean " + join_names(close, " or ") +
                        "? (or give a path to a file or folder)");
  }
  std::string by_family;
  for (const Family& f : families()) {
    if (f.names.empty()) continue;
    by_family += std::string(by_family.empty() ? "" : "; ") + f.folder + ": ";
    for (size_t k = 0; k < f.names.size() && k < 3; ++k) by_family += (k ? ", " : "") + f.names[k];
    if (f.names.size() > 3) by_family += ", ... (" + std::to_string(f.names.size()) + " names)";
  }
  throw ArgumentError("--dataset: unknown data set " + shown + " (names by family: " + by_family +
                      "; npz/cora, npz/citeseer; or a path to an .npz, an edge list, a Matrix Market .mtx, an OGB or "
                      "FastGCN Reddit folder)");
}

}  // namespace

std::string default_data_root() {
  if (const char* env = std::getenv("SGC_DATA_DIR"); env && *env) return env;
  if (std::filesystem::is_directory("../shared/data")) return "../shared/data";
  return SGC_BUILD_DATA_DIR;
}

std::vector<std::string> known_dataset_names() {
  std::vector<std::string> out;
  for (const Family& f : families()) out.insert(out.end(), f.names.begin(), f.names.end());
  return out;
}

Dataset load_dataset(const std::string& name, const std::string& dir) {
  LoadOptions o;
  o.dir = dir;
  return load_dataset(name, o);
}

namespace {
Dataset load_named(const std::string& name, const LoadOptions& o);
}  // namespace

void use_feature_store(Dataset& d, const std::string& path) {
  d.dense_features = store_features(path, d.num_nodes(), d.name);
  d.features = CsrMatrix{};
}

Dataset load_dataset(const std::string& name, const LoadOptions& o) {
  // The C library would stop at a NUL ("a.npz\0/x.txt" opened a.npz as data set "x"); Python strings can hold one.
  for (const auto& [what, text] : {std::pair<const char*, const std::string&>{"--dataset", name}, {"--data-dir", o.dir},
                                   {"--feature-store", o.feature_store}})
    if (text.find('\0') != std::string::npos)
      throw ArgumentError(std::string(what) + ": '" + printable(text, 200) + "' holds a NUL byte");
  Dataset d = load_named(name, o);
  // OGB and FastGCN folders read the store instead of their own features
  // (their text or npz features are the slow part of loading them).
  const bool read_by_loader = d.family == "ogb" || d.family == "fastgcn_reddit";
  if (!o.feature_store.empty() && !read_by_loader) use_feature_store(d, o.feature_store);
  return d;
}

namespace {

Dataset load_named(const std::string& name, const LoadOptions& o) {
  // Only an OGB node-property folder has named splits; elsewhere the option would be dropped.
  if (!o.ogb_split.empty()) {
    std::error_code ec;
    if (!fs::is_directory(name, ec) || !is_ogb_node_dir(name))
      throw ArgumentError("ogb_split: '" + printable(o.ogb_split, 80) + "' names a split of an OGB folder; " +
                          printable(name, 200) + " is not one");
  }
  if (const Family* f = family_of(name)) return load_family_member(*f, name, o);
  if (const size_t slash = name.find('/'); slash != std::string::npos && name.find('/', slash + 1) == std::string::npos) {
    const Family* f = family_named(name.substr(0, slash));
    std::string member = name.substr(slash + 1);  // "heterophilous/texas.npz" names texas
    if (member.size() > 4 && member.compare(member.size() - 4, 4, ".npz") == 0) member.resize(member.size() - 4);
    if (f && !fs::exists(name)) return load_family_member(*f, member, o);
  }
  if (name.empty()) throw ArgumentError("--dataset: empty name (give a data set name or a path)");
  std::error_code ec;
  if (fs::exists(name, ec)) {
    if (!o.dir.empty())
      throw ArgumentError("--data-dir: " + printable(o.dir, 200) + ": not used when the data set is a path (" +
                          printable(name, 200) + ")");
    return load_path(name, o);
  }
  const std::string shown = "'" + printable(name, 200) + "'";
  if (fs::is_symlink(fs::symlink_status(name, ec))) {  // exists() followed it to nothing
    const fs::path target = fs::read_symlink(name, ec);
    (void)fs::status(name, ec);  // for its error: a loop of links, or a missing target
    throw FileError("--dataset: " + shown + ": a symbolic link " +
                    (ec == std::errc::too_many_symbolic_link_levels
                         ? std::string("in a loop of links")
                         : "to '" + printable(target.string(), 200) + "', which does not exist"));
  }
  if (looks_like_path(name)) {
    const fs::path p(name);
    const fs::path parent = p.parent_path().empty() ? fs::path(".") : p.parent_path();
    if (!p.parent_path().empty() && !fs::is_directory(parent, ec)) {
      throw FileError("--dataset: " + shown + ": no such file or folder (the folder '" + printable(parent.string(), 200) +
                      "' does not exist either)");
    }
    std::vector<std::string> siblings;
    for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
      siblings.push_back(it->path().filename().string());
      if (siblings.size() > 4096) break;
    }
    const std::vector<std::string> close = close_matches(p.filename().string(), siblings);
    throw FileError("--dataset: " + shown + ": no such file or folder" +
                    (close.empty() ? std::string() : " (in that folder: " + join_names(close) + ")"));
  }
  unknown_dataset(name);
}

}  // namespace

std::string dataset_family(const std::string& name) {
  if (const Family* f = family_of(name)) return f->folder;
  if (const size_t slash = name.find('/'); slash != std::string::npos && name.find('/', slash + 1) == std::string::npos)
    if (const Family* f = family_named(name.substr(0, slash))) return f->folder;
  if (name.empty()) throw ArgumentError("--dataset: empty name (give a data set name or a path)");
  unknown_dataset(name);
}

}  // namespace sgc
