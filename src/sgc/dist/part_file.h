// The partitioned layout `sgc partition --parts P --out DIR` writes and
// `mpirun -np P sgc train --partitioned DIR` reads, each rank only its file:
//
//   DIR/manifest.json   {"format": "sgc-partition", "version", "parts", "method",
//                        "dataset", "family", "nodes", "features", "classes",
//                        "files": [{"file", "rows", "bytes", "crc32"}, ...]}
//   DIR/part-RRRRR.bin  rank R's part, little-endian:
//     "SGCPART1", u32 rank, u32 parts, u32 dense(0/1), u32 0,
//     i64 nodes, first row, rows, features, classes, nnz(A rows), halo, nnz(X)
//     A's rows: indptr i64[rows+1], columns i32[nnz] (partition numbering), values f32[nnz]
//     halo (nodes the rows point to elsewhere): id i64, degree f64 (row sum of A),
//       training index on its rank (-1: not a training node) i64, degree in the
//       graph induced on the training nodes f64
//     labels i32[rows] (-1: none), split u8[rows] (0 none, 1 train, 2 val, 3 test)
//     X: dense f32[rows x features], or CSR indptr i64[rows+1], columns i32, values f32
//
// The halo's degrees are what a rank cannot compute from its own rows: with
// them it builds its rows of any normalisation of A (and of the training
// graph's, for the inductive protocol) exactly as one process would, up to
// the order of the sums. Raw features: the feature normalisation runs on the
// parts (z-scoring with statistics summed over ranks).
#pragma once

#include <string>

#include "sgc/data/dataset.h"
#include "sgc/dist/comm.h"
#include "sgc/dist/dist_job.h"
#include "sgc/dist/partition.h"
#include "sgc/dist/rank_part.h"
#include "sgc/model/config.h"

namespace sgc::dist {

// Writes DIR/manifest.json and one part per rank (atomically); one process.
// `split`: which of the data set's splits d holds (LoadOptions::split), recorded
// in the manifest: the parts fix it.
void write_partitioned(const Dataset& d, PartitionMethod method, int parts, const std::string& dir, int split = 0);

// Collective: each rank writes its own part (one it made itself, e.g.
// generate_powerlaw_part), rank 0 the manifest; an error on any rank is an
// error on every rank.
void write_rank_parts(const Comm& comm, const RankPart& part, const std::string& method, const std::string& dataset,
                      const std::string& family, int64_t cut, const std::string& dir);

// The identity the manifest records (for presets), read by every rank.
struct PartManifest {
  std::string dataset, family, method;
  int parts = 0;
  int64_t nodes = 0, features = 0;
  int32_t classes = 0;
  int64_t cut = -1;  // non-zeros of A between parts
  int split = -1;     // the data set's split the parts hold; -1: not recorded (older manifests)
  std::vector<int64_t> label_values;  // the loader's renumbering of the classes (Dataset::label_values)
};
// Reads and checks DIR/manifest.json against the number of ranks; every rank
// throws the same error if it is missing, corrupt or written for another P.
PartManifest read_manifest(const Comm& comm, const std::string& dir);

// This rank's LocalData from its part (checked: size, checksum, fields);
// collective: a bad part on any rank is an error on every rank.
LocalData read_part(const Comm& comm, const std::string& dir, const Config& c);

}  // namespace sgc::dist
