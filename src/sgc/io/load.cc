// Name and path dispatch for load_dataset (load.h).
#include "sgc/io/load.h"

#include <cstdlib>
#include <filesystem>

#include "sgc/error.h"
#include "sgc/io/edge_list.h"
#include "sgc/io/fastgcn_reddit.h"
#include "sgc/io/loader_util.h"
#include "sgc/io/npz_datasets.h"
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
  return with_synthetic_attributes(std::move(adjacency), io_detail::file_stem(path) + " [synthetic features and labels]", s);
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
    require_single_split(o, path);
    return load_fastgcn_reddit(fs::path(path).parent_path().string());
  }
  if (layout == "scipy-sparse") {
    const CsrMatrix a = load_scipy_sparse(f);
    if (a.rows != a.cols) throw FormatError(path + ": shape mismatch: the matrix is not square");
    return bare_graph(undirected_pattern(a), path, o);
  }
  std::string keys;
  for (const std::string& k : f.keys()) keys += (keys.empty() ? "" : ", ") + k;
  throw FormatError(path + ": unrecognised .npz layout (keys: " + keys + ")");
}

Dataset load_path(const std::string& path, const LoadOptions& o) {
  const fs::path p(path);
  if (fs::is_directory(p)) {
    if (fs::exists(p / "reddit_adj.npz")) {
      require_single_split(o, path);
      return load_fastgcn_reddit(path);
    }
    if (is_ogb_node_dir(path)) {
      require_single_split(o, path);
      return load_ogb_node_dataset(path, o.ogb_split);
    }
    throw FileError(path + ": folder in no known layout (expected reddit_adj.npz + reddit.npz, or raw/edge.csv.gz)");
  }
  const std::string file = p.filename().string();
  if (std::string name; planetoid_file(p, &name)) {
    LoadOptions in_dir = o;
    in_dir.dir = p.parent_path().empty() ? "." : p.parent_path().string();
    return load_family_member(*family_named("planetoid"), name, in_dir);
  }
  if (file == "reddit_adj.npz") {
    require_single_split(o, path);
    return load_fastgcn_reddit(p.parent_path().string());
  }
  if (file.size() > 4 && file.compare(file.size() - 4, 4, ".npz") == 0) return load_npz_path(path, o);
  const EdgeList e = read_edge_list(path);
  if (e.src.empty()) throw FormatError(path + ": no edges");
  // Ids are used as given (N = max id + 1): refuse to allocate a huge, nearly empty graph for sparse ids.
  if (e.num_nodes > (int64_t{1} << 24) && e.num_nodes > 64 * static_cast<int64_t>(e.src.size())) {
    throw FormatError(path + ": the largest node id is " + std::to_string(e.num_nodes - 1) + " but there are only " +
                      std::to_string(e.src.size()) + " edges; ids are used as given (N = max id + 1), renumber them");
  }
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

Dataset load_dataset(const std::string& name, const LoadOptions& o) {
  if (const Family* f = family_of(name)) return load_family_member(*f, name, o);
  if (const size_t slash = name.find('/'); slash != std::string::npos && name.find('/', slash + 1) == std::string::npos) {
    const Family* f = family_named(name.substr(0, slash));
    if (f && !fs::exists(name)) return load_family_member(*f, name.substr(slash + 1), o);
  }
  if (!name.empty() && fs::exists(name)) return load_path(name, o);
  std::string known;
  for (const std::string& n : known_dataset_names()) known += (known.empty() ? "" : ", ") + n;
  throw ArgumentError("--dataset: unknown data set '" + name + "' (known: " + known +
                      "; or npz/cora, npz/citeseer; or a path to an .npz, an edge list, an OGB or FastGCN Reddit folder)");
}

}  // namespace sgc
