// `sgc generate`: writes a built-in graph (sgc/data/generators.h; default the
// Reddit-shaped powerlaw) to files that other tools read, so SciPy / PyTorch
// benchmarks and sgc work on the same graph:
//   fastgcn   <out>/reddit_adj.npz + <out>/reddit.npz in FastGCN's Reddit
//             layout (sgc/io/fastgcn_reddit.h): scipy.sparse.load_npz and
//             numpy.load read them; reddit_adj.npz holds each undirected edge
//             once, so the graph is adj + adj.T, as SGC builds it
//   edgelist  <out>/edges.txt (or edges.txt.gz with --gzip): "i<TAB>j" per
//             undirected edge, i <= j, after '#' header lines
//   store     <out>/features.sgcf: the features as the engine's binary
//             feature store (sgc/io/feature_store.h), for mapping
//   ogb       <out>/raw/*.csv.gz + <out>/split/<name>/: the OGB
//             node-property layout (sgc/io/ogb_writer.h; split sales_ranking
//             for products, random for the others)
// `sgc train --dataset <out>` (or <out>/edges.txt) reads them back; a folder
// with both fastgcn and ogb is named by <out>/reddit_adj.npz or --ogb-split.
#include <algorithm>
#include <cstdio>
#include <functional>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "commands.h"
#include "sgc/io/feature_store.h"
#include "sgc/error.h"
#include "sgc/io/edge_list.h"
#include "sgc/io/fastgcn_reddit.h"
#include "sgc/io/ogb_writer.h"
#include "sgc/util/progress.h"
#include "sgc/util/threads.h"
#include "sgc/util/timer.h"

namespace sgc_cli {

namespace {

struct GenerateFlags {
  std::string out;
  std::vector<std::string> formats{"fastgcn", "edgelist"};
  SyntheticFlags graph{"powerlaw"};
  uint64_t seed = 0;
  bool gzip = false, compress = false, json = false, quiet = false;
  int threads = 0;
};

// Generates and writes into f.out, which exists.
int generate_into(const GenerateFlags& f) {
  sgc::set_num_threads(f.threads);
  sgc::install_terminal_progress(f.quiet, f.json);
  bool fastgcn = false, edgelist = false, store = false, ogb = false;
  for (const std::string& fmt : f.formats) {
    if (fmt == "fastgcn") {
      fastgcn = true;
    } else if (fmt == "edgelist") {
      edgelist = true;
    } else if (fmt == "store") {
      store = true;
    } else if (fmt == "ogb") {
      ogb = true;
    } else {
      throw sgc::ArgumentError("--format: unknown format '" + fmt + "' (expected fastgcn, edgelist, store, ogb)");
    }
  }
  if (f.gzip && !edgelist) throw sgc::ArgumentError("--gzip: compresses the edge list; add --format edgelist");
  if (f.compress && !fastgcn) throw sgc::ArgumentError("--compress: deflates the FastGCN npz files; add --format fastgcn");
  sgc::Timer timer;
  const sgc::Dataset d = make_synthetic(f.graph, f.seed);
  const double generate_s = timer.seconds();
  const int64_t edges = d.adjacency.nnz() / 2;  // no generator draws self-loops
  nlohmann::json files = nlohmann::json::array();
  auto record = [&](const std::string& path, double seconds) {
    files.push_back({{"path", path}, {"bytes", std::filesystem::file_size(path)}, {"seconds", seconds}});
  };
  if (fastgcn) {
    timer.reset();
    sgc::write_fastgcn_reddit(f.out, d, f.compress);
    const double s = timer.seconds();
    record((std::filesystem::path(f.out) / "reddit_adj.npz").string(), s);
    record((std::filesystem::path(f.out) / "reddit.npz").string(), s);
  }
  if (store) {
    const std::string path = (std::filesystem::path(f.out) / "features.sgcf").string();
    timer.reset();
    sgc::write_feature_store(path, d.dense_features);
    record(path, timer.seconds());
  }
  if (ogb) {
    timer.reset();
    sgc::write_ogb_node_dataset(f.out, d, f.graph.generator == "products" ? "sales_ranking" : "random");
    const double seconds = timer.seconds();  // of the whole layout, shown beside each of its files
    std::vector<std::string> written;
    for (const char* sub : {"raw", "split"})
      for (const auto& e : std::filesystem::recursive_directory_iterator(std::filesystem::path(f.out) / sub))
        if (e.is_regular_file()) written.push_back(e.path().string());
    std::sort(written.begin(), written.end());
    for (const std::string& path : written) record(path, seconds);
  }
  if (edgelist) {
    const std::string path = (std::filesystem::path(f.out) / (f.gzip ? "edges.txt.gz" : "edges.txt")).string();
    std::ostringstream opts;
    opts << "sgc generate: --generator " << f.graph.generator << " --seed " << f.seed;
    for (const auto& [name, value] : f.graph.params.items()) opts << " " << sgc::ParameterError::flag_of(name) << " " << value.dump();
    timer.reset();
    sgc::write_edge_list(path, d.adjacency,
                         {opts.str(), "Nodes: " + std::to_string(d.num_nodes()) + " Edges: " + std::to_string(edges) +
                                          " (each undirected edge once, i <= j)",
                          "FromNodeId\tToNodeId"});
    record(path, timer.seconds());
  }
  if (f.json) {
    std::cout << nlohmann::json{{"nodes", d.num_nodes()},
                                {"undirected_edges", edges},
                                {"features", d.num_features()},
                                {"classes", d.num_classes},
                                {"split", {{"train", d.train.size()}, {"val", d.val.size()}, {"test", d.test.size()}}},
                                {"generator", f.graph.generator},
                                {"params", f.graph.params},
                                {"seed", f.seed},
                                {"generate_seconds", generate_s},
                                {"files", files}}
                     .dump(2)
              << "\n";
    return 0;
  }
  std::printf("%s graph: %lld nodes, %lld undirected edges, %lld features, %d classes; split %zu/%zu/%zu "
              "(generated in %.2fs)\n",
              f.graph.generator.c_str(), (long long)d.num_nodes(), (long long)edges, (long long)d.num_features(),
              d.num_classes, d.train.size(),
              d.val.size(), d.test.size(), generate_s);
  for (const auto& file : files)
    std::printf("wrote %s (%lld bytes, %.2fs)\n", file["path"].get<std::string>().c_str(),
                (long long)file["bytes"].get<int64_t>(), file["seconds"].get<double>());
  return 0;
}

// Each file is written atomically; and when the run fails (a bad flag, a
// full disk, Ctrl-C), the folders it created go again with what they hold,
// so that nothing half made is left behind.
int run_generate(const GenerateFlags& f) {
  namespace fs = std::filesystem;
  fs::path created;  // the outermost folder of f.out that did not exist
  for (fs::path p = fs::absolute(f.out).lexically_normal(); !p.empty() && !fs::exists(p); p = p.parent_path()) {
    created = p;
    if (p == p.parent_path()) break;
  }
  std::error_code ec;
  if (fs::exists(f.out, ec) && !fs::is_directory(f.out, ec))
    throw sgc::FileError(f.out + ": exists and is not a folder (--out names the folder the files go to)");
  fs::create_directories(f.out, ec);
  if (!fs::is_directory(f.out)) throw sgc::FileError(f.out + ": cannot create the output folder (" + ec.message() + ")");
  try {
    return generate_into(f);
  } catch (...) {
    if (!created.empty()) fs::remove_all(created, ec);
    throw;
  }
}

}  // namespace

Subcommand add_generate_command(CLI::App& app) {
  auto f = std::make_shared<GenerateFlags>();
  auto* cmd = app.add_subcommand("generate", "write a built-in graph (default: Reddit-shaped) as FastGCN npz files, an edge list, a feature store or an OGB folder");
  cmd->add_option("--out", f->out, "output folder (created if missing)")->required()->check(kNonEmptyPath);
  cmd->add_option("--format", f->formats, "fastgcn, edgelist, store, ogb (comma-separated; default fastgcn,edgelist)")
      ->delimiter(',');
  cmd->add_flag("--gzip", f->gzip, "write edges.txt.gz instead of edges.txt");
  cmd->add_flag("--compress", f->compress, "deflate the npz entries (like numpy.savez_compressed)");
  cmd->add_flag("--json", f->json, "print one JSON object instead of text");
  cmd->add_flag("--quiet", f->quiet, "no progress line on stderr (shown only on a terminal, without --json)");
  cmd->add_option("--threads", f->threads, "OpenMP threads (default: all cores)");
  cmd->add_option("--seed", f->seed, "random seed (default 0; sgc train draws its graph with --seed 42 unless told)")
      ->check(kNonNegative);
  add_synthetic_flags(*cmd, f->graph, "the graph written");
  return {cmd, [f] { return run_generate(*f); }};
}

}  // namespace sgc_cli
