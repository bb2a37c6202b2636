// `sgc generate`: writes the Reddit-shaped synthetic graph (sgc/data/powerlaw.h,
// make_powerlaw) to files that other tools read, so SciPy / PyTorch
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
//             for products, random for powerlaw)
// --generator products writes the ogbn-products-shaped graph
// (sgc/data/products.h) instead; --nodes then scales its edges and split.
// `sgc train --dataset <out>` (or <out>/edges.txt) reads them back.
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
#include "sgc/data/powerlaw.h"
#include "sgc/data/products.h"
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
  std::string generator = "powerlaw";
  std::function<bool(const char*)> given;  // whether a flag was on the command line
  bool gzip = false, compress = false, json = false, quiet = false;
  int threads = 0;
  sgc::PowerLawOptions graph;
};

// The products generator's options: its own defaults, with the flags given
// on the command line (the powerlaw defaults are not products' sizes).
sgc::ProductsOptions products_of(const GenerateFlags& f) {
  const sgc::PowerLawOptions& g = f.graph;
  sgc::ProductsOptions o = sgc::products_sized(f.given("--nodes") ? g.nodes : sgc::ProductsOptions{}.nodes,
                                               f.given("--avg-degree") ? g.avg_degree : 0);
  if (f.given("--classes")) o.classes = g.classes;
  if (f.given("--features")) o.features = g.features;
  if (f.given("--gamma")) o.gamma = g.gamma;
  if (f.given("--homophily")) o.homophily = g.homophily;
  if (f.given("--signal")) o.signal = g.signal;
  if (f.given("--noise")) o.noise = g.noise;
  o.seed = g.seed;
  return o;
}

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
  if (f.generator != "powerlaw" && f.generator != "products")
    throw sgc::ArgumentError("--generator: unknown generator '" + f.generator + "' (expected powerlaw or products)");
  const sgc::Dataset d = f.generator == "products" ? sgc::make_products(products_of(f)) : sgc::make_powerlaw(f.graph);
  const double generate_s = timer.seconds();
  const int64_t edges = d.adjacency.nnz() / 2;  // no self-loops in either generator
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
    sgc::write_ogb_node_dataset(f.out, d, f.generator == "products" ? "sales_ranking" : "random");
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
    opts << "sgc generate: " << (f.generator == "products" ? "products-shaped" : "Reddit-shaped power-law")
         << " graph, seed " << f.graph.seed << ", gamma " << f.graph.gamma
         << ", avg degree " << f.graph.avg_degree << ", homophily " << f.graph.homophily;
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
                                {"seed", f.graph.seed},
                                {"generate_seconds", generate_s},
                                {"files", files}}
                     .dump(2)
              << "\n";
    return 0;
  }
  std::printf("%s graph: %lld nodes, %lld undirected edges, %lld features, %d classes; split %zu/%zu/%zu "
              "(generated in %.2fs)\n",
              f.generator.c_str(), (long long)d.num_nodes(), (long long)edges, (long long)d.num_features(),
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
  fs::create_directories(f.out, ec);
  if (!fs::is_directory(f.out)) throw sgc::FileError(f.out + ": cannot create the output folder");
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
  auto* cmd = app.add_subcommand("generate", "write a generated graph (Reddit- or products-shaped) as FastGCN npz files, an edge list, a feature store or an OGB folder");
  cmd->add_option("--out", f->out, "output folder (created if missing)")->required()->check(kNonEmptyPath);
  cmd->add_option("--format", f->formats, "fastgcn, edgelist, store, ogb (comma-separated; default fastgcn,edgelist)")
      ->delimiter(',');
  cmd->add_option("--generator", f->generator,
                  "powerlaw (Reddit-shaped, default) or products (ogbn-products-shaped: 2,449,029 nodes, ~61.9M "
                  "edges, 100 features, 47 classes; --nodes scales edges and split)");
  f->given = [cmd](const char* flag) { return cmd->count(flag) > 0; };
  cmd->add_flag("--gzip", f->gzip, "write edges.txt.gz instead of edges.txt");
  cmd->add_flag("--compress", f->compress, "deflate the npz entries (like numpy.savez_compressed)");
  cmd->add_flag("--json", f->json, "print one JSON object instead of text");
  cmd->add_flag("--quiet", f->quiet, "no progress line on stderr (shown only on a terminal, without --json)");
  cmd->add_option("--threads", f->threads, "OpenMP threads (default: all cores)");
  cmd->add_option("--seed", f->graph.seed, "random seed")->capture_default_str()->check(kNonNegative);
  cmd->add_option("--nodes", f->graph.nodes, "number of nodes")->capture_default_str();
  cmd->add_option("--classes", f->graph.classes, "number of classes")->capture_default_str();
  cmd->add_option("--features", f->graph.features, "feature dimension")->capture_default_str();
  cmd->add_option("--avg-degree", f->graph.avg_degree, "mean degree")->capture_default_str();
  cmd->add_option("--gamma", f->graph.gamma, "power-law exponent of the degrees, > 2")->capture_default_str();
  cmd->add_option("--max-degree-fraction", f->graph.max_degree_fraction, "degree cap as a fraction of the nodes")->capture_default_str();
  cmd->add_option("--homophily", f->graph.homophily, "probability that an edge stays inside a class")->capture_default_str();
  cmd->add_option("--signal", f->graph.signal, "norm of the class means")->capture_default_str();
  cmd->add_option("--noise", f->graph.noise, "standard deviation of the feature noise")->capture_default_str();
  cmd->add_option("--train-fraction", f->graph.train_fraction, "training share of the nodes")->capture_default_str();
  cmd->add_option("--val-fraction", f->graph.val_fraction, "validation share of the nodes")->capture_default_str();
  return {cmd, [f] { return run_generate(*f); }};
}

}  // namespace sgc_cli
