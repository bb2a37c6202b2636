// `sgc convert`: writes node features as the engine's binary feature store
// (sgc/io/feature_store.h), which `--feature-store FILE` of the other commands reads as node features:
//   --in X.npy                 a 2-D numeric array
//   --in F.npz --key NAME      one 2-D array of an archive
//   --in F.npz                 a scipy.sparse.save_npz matrix (densified)
//   --dataset NAME_OR_PATH     the features of any data set sgc reads (OGB, ...)
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_common.h"
#include "commands.h"
#include "sgc/data/dataset.h"
#include "sgc/error.h"
#include "sgc/graph/normalize.h"
#include "sgc/io/feature_store.h"
#include "sgc/io/format/npy.h"
#include "sgc/io/format/npz.h"
#include "sgc/io/load.h"
#include "sgc/util/atomic_file.h"
#include "sgc/util/budget.h"
#include "sgc/util/progress.h"
#include "sgc/util/threads.h"
#include "sgc/util/timer.h"

namespace sgc_cli {

namespace {

struct ConvertFlags {
  std::string in, key, dataset, data_dir, ogb_split, out;
  bool json = false, quiet = false;
  int threads = 0;
};

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

sgc::DenseMatrix densified(const sgc::CsrMatrix& x, const std::string& what) {
  sgc::require_memory(x.rows * x.cols * int64_t(sizeof(float)), what + ": dense " + std::to_string(x.rows) + " x " +
                                                                    std::to_string(x.cols) + " features");
  return sgc::to_dense(x);
}

sgc::DenseMatrix features_of(const ConvertFlags& f) {
  if (!f.dataset.empty()) {
    if (!f.key.empty()) throw sgc::ArgumentError("--key: names an array of --in's archive; --dataset reads its own");
    sgc::LoadOptions load;
    load.dir = f.data_dir;
    load.ogb_split = f.ogb_split;  // the features are the same for any split, but the folder must load
    sgc::Dataset d = sgc::load_dataset(f.dataset, load);
    if (d.family == "bare")  // a graph file without attributes (load.h)
      std::fprintf(stderr, "note: %s has no node features of its own; these are the synthetic ones generated for it\n",
                   f.dataset.c_str());
    if (d.has_dense_features()) return std::move(d.dense_features);
    return densified(d.features, f.dataset);
  }
  if (ends_with(f.in, ".npy")) {
    if (!f.key.empty()) throw sgc::ArgumentError("--key: only for an .npz archive");
    return sgc::npy_matrix(sgc::read_npy(f.in), f.in);
  }
  const sgc::NpzFile z = sgc::NpzFile::open(f.in);
  if (!f.key.empty()) return z.matrix(f.key);
  if (z.has("format")) return densified(sgc::load_scipy_sparse(z), f.in);
  std::string keys;
  for (const std::string& k : z.keys()) keys += (keys.empty() ? "" : ", ") + k;
  throw sgc::ArgumentError("--key: " + f.in + " is not a scipy sparse matrix; name the array to convert (has: " +
                           keys + ")");
}

int run_convert(const ConvertFlags& f) {
  sgc::set_num_threads(f.threads);
  sgc::install_terminal_progress(f.quiet, f.json);
  if (f.in.empty() == f.dataset.empty()) throw sgc::ArgumentError("--in: give exactly one of --in and --dataset");
  sgc::check_output_path(f.out, "--out", {{"--in", f.in}, {"--dataset", f.dataset}});
  sgc::Timer timer;
  const sgc::DenseMatrix x = features_of(f);
  const std::string source = f.in.empty() ? f.dataset : f.in;
  if (x.rows() == 0 || x.cols() == 0)
    throw sgc::FormatError(source + ": " + std::to_string(x.rows()) + " x " + std::to_string(x.cols()) +
                           " features: a feature store needs at least one row and one column");
  const double read_s = timer.seconds();
  timer.reset();
  sgc::write_feature_store(f.out, x, source + ": the features as float32");  // names the input, not the output
  const double write_s = timer.seconds();
  if (f.json) {
    std::cout << nlohmann::json{{"out", f.out},
                                {"rows", x.rows()},
                                {"cols", x.cols()},
                                {"read_seconds", read_s},
                                {"write_seconds", write_s}}
                     .dump(2)
              << "\n";
  } else {
    std::printf("wrote %s: %lld x %lld float32 (read %.2fs, write %.2fs)\n", f.out.c_str(), (long long)x.rows(),
                (long long)x.cols(), read_s, write_s);
  }
  return 0;
}

}  // namespace

Subcommand add_convert_command(CLI::App& app) {
  auto f = std::make_shared<ConvertFlags>();
  auto* cmd = app.add_subcommand("convert", "write node features as a binary feature store (.sgcf) for mapping");
  cmd->add_option("--in", f->in, "an .npy array, or an .npz archive (with --key, or a scipy sparse matrix)")->check(kNonEmptyPath);
  cmd->add_option("--key", f->key, "the array of the .npz archive to convert");
  cmd->add_option("--dataset", f->dataset, "convert the features of this data set (any name or path sgc reads)");
  cmd->add_option("--data-dir", f->data_dir, "folder with the data set's files")->check(kNonEmptyPath);
  cmd->add_option("--ogb-split", f->ogb_split, "an OGB folder's split/<name>, where it has several")->check(kNonEmptyPath);
  cmd->add_option("--out", f->out, "the feature store to write (atomically)")->required()->check(kNonEmptyPath);
  cmd->add_flag("--json", f->json, "print one JSON object instead of text");
  cmd->add_flag("--quiet", f->quiet, "no progress line on stderr (shown only on a terminal, without --json)");
  cmd->add_option("--threads", f->threads, "OpenMP threads (default: all cores)");
  return {cmd, [f] { return run_convert(*f); }};
}

}  // namespace sgc_cli
