// `sgc train` on several ranks: `mpirun -np P sgc train ...` runs the same
// job split over P processes (src/sgc/dist/). Without an MPI build the flags
// exist and say so.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "cli_common.h"

#if SGC_WITH_MPI
#include "sgc/dist/comm.h"
#include "sgc/dist/part_file.h"
#endif

namespace sgc_cli {

struct DistFlags {
  std::string partition = "contiguous";  // --partition contiguous|metis
  bool partition_given = false;
  std::string partitioned;               // --partitioned DIR: per-rank part files (sgc partition)
};
void add_dist_flags(CLI::App& cmd, DistFlags& f);
// --partition outside a run that partitions (one process, or --partitioned): ArgumentError.
void refuse_partition_flag(const DistFlags& f, bool distributed);

// The command line (without the program's path), which every rank of a
// distributed run must share: run_collective refuses ranks started with
// different ones (mpirun's `-np 1 sgc ... : -np 1 sgc ...` form).
void set_command_line(int argc, char** argv);

// Whether this `sgc train` runs distributed: started by mpirun (an MPI build).
bool distributed_run(const DistFlags& f);

// The distributed `sgc train`: every rank loads the data set, keeps its part
// and trains with the others; rank 0 prints. A failure on any rank prints
// `sgc: error: rank r of P: ...` and ends every rank with status 1.
int run_train_distributed(const CommonFlags& f, const DistFlags& d, const std::string& save, bool verify);

// `sgc partition --parts P [--method contiguous|metis] --out DIR` (data flags as train): one file per rank.
// Under mpirun with --generator powerlaw, each rank generates and writes its own part.
int run_partition(const DataFlags& f, int parts, const std::string& method, const std::string& out);

// `sgc predict` under mpirun (dist_predict.cc): every rank classifies its rows, rank 0 writes --out.
int run_predict_distributed(const DataFlags& f, const DistFlags& d, const std::string& model, const std::string& out);

// --generator powerlaw with contiguous blocks: each rank draws only its rows
// (src/sgc/dist/powerlaw_part.h); METIS needs the whole graph on every rank.
bool generated_by_rank(const DataFlags& f, const DistFlags& d);

#if SGC_WITH_MPI
// Runs a collective command on every rank: an error every rank raised
// together (CollectiveError) is printed once by rank 0 and every rank returns
// 1; any other error ends the whole job (MPI_Abort, status 1), so no rank
// waits forever in a collective.
int run_collective(const std::function<int(const sgc::dist::Comm&)>& fn);

// Runs a step that no rank needs the others for (checks, loading): an error
// on any rank becomes a CollectiveError on every rank (sgc::dist::
// agree_or_throw), reported once, naming the ranks that hit it.
void together(const sgc::dist::Comm& comm, const std::function<void()>& fn);

// DIR/manifest.json (sgc::dist::read_manifest), after refusing the data flags
// that `sgc partition` fixed when it wrote the parts: --dataset, --data-dir,
// --feature-store, the synthetic graph's flags, and a --split other than the
// parts' own.
sgc::dist::PartManifest read_partitioned_manifest(const sgc::dist::Comm& comm, const DataFlags& f,
                                                  const std::string& dir);
#endif

}  // namespace sgc_cli
