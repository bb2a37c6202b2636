// `sgc train` on several ranks: `mpirun -np P sgc train ...` runs the same
// job split over P processes (src/sgc/dist/). Without an MPI build the flags
// exist and say so.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "cli_common.h"

namespace sgc_cli {

struct DistFlags {
  std::string partition = "contiguous";  // --partition contiguous|metis
  std::string partitioned;               // --partitioned DIR (reserved: per-rank part files)
};
void add_dist_flags(CLI::App& cmd, DistFlags& f);

// Whether this `sgc train` runs distributed: started by mpirun (an MPI build).
bool distributed_run(const DistFlags& f);

// The distributed `sgc train`: every rank loads the data set, keeps its part
// and trains with the others; rank 0 prints. A failure on any rank prints
// `sgc: error: rank r of P: ...` and ends every rank with status 1.
int run_train_distributed(const CommonFlags& f, const DistFlags& d, const std::string& save, bool verify);

// `sgc partition --parts P [--method contiguous|metis] --out DIR` (data flags as train): one file per rank.
int run_partition(const DataFlags& f, int parts, const std::string& method, const std::string& out);

}  // namespace sgc_cli
