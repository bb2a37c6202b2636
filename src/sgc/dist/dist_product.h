// One hop Y = S X with S and X split by rows over the ranks (halo exchange).
//
// Rank r owns the rows [lo, hi) of S and X in a partition's numbering. Its
// rows of S point to owned rows and to rows owned elsewhere, the halo; the
// columns are renumbered to [owned rows | halo rows], halo rows grouped by
// owner, so a hop is the ordinary product (spmm) on an extended X = [X_own;
// X_halo]. Each hop exchanges only the halo rows, by one
// MPI_Ineighbor_alltoallv on a distributed-graph communicator whose edges are
// the ranks that share rows (Hoefler & Traeff, "Sparse collective operations
// for MPI", 2009). While it is in flight the rank multiplies its interior
// rows (every column owned), in a few chunks with MPI_Test between them so
// the library progresses the exchange; once it has arrived, the boundary rows.
//
// Entries of a row keep their order from the global S (not re-sorted by the
// new column numbers), so every output row sums the same products in the
// same order as the single-process product: with the original numbering the
// result is the same bitwise (as far as the kernel is the same).
#pragma once

#include <mpi.h>

#include <cstdint>
#include <vector>

#include "sgc/dense.h"
#include "sgc/dist/comm.h"
#include "sgc/dist/partition.h"
#include "sgc/graph/csr.h"
#include "sgc/ops/hop_product.h"

namespace sgc::dist {

// Per-rank counters of the hops done (seconds and sizes, summed over hops).
struct HopStats {
  int64_t hops = 0;
  double pack = 0;      // gathering the rows to send
  double interior = 0;  // product on interior rows, exchange in flight
  double wait = 0;      // waiting for the halo after the interior product (the exchange not hidden)
  double boundary = 0;  // product on boundary rows
  double total = 0;
  int64_t rows_received = 0, rows_sent = 0, bytes_sent = 0;
};

class DistProduct : public HopBackend {
 public:
  // Collective. rows: this rank's rows of S (bounds[r + 1] - bounds[r] of
  // them) with column ids in the partition's numbering (0 .. bounds.back()).
  DistProduct(const Comm& comm, const CsrMatrix& rows, const std::vector<int64_t>& bounds);
  ~DistProduct() override;
  DistProduct(const DistProduct&) = delete;
  DistProduct& operator=(const DistProduct&) = delete;

  int64_t rows() const override { return owned_; }
  void apply(DenseView x, DenseMatrix& y) const override;
  void apply_rows(DenseView x, const std::vector<int32_t>& rows, DenseMatrix& y) const override;
  void apply(const CsrMatrix& x, DenseMatrix& y) const override;

  // The exchange alone, blocking (for the benchmark: what the overlap hides).
  double exchange_seconds(DenseView x) const;

  int64_t halo_rows() const { return int64_t(halo_.size()); }
  int64_t send_rows() const { return int64_t(send_index_.size()); }
  int64_t boundary_rows() const { return int64_t(boundary_.size()); }
  int neighbors() const { return int(sources_.size()); }
  const CsrMatrix& local() const { return full_; }
  HopStats& stats() const { return stats_; }

 private:
  // Packs x's rows to send and starts the exchange into ext's halo rows.
  void start(DenseView x, DenseMatrix& ext, std::vector<float>& sendbuf, MPI_Datatype& row, MPI_Request& req) const;

  const Comm comm_;
  MPI_Comm graph_ = MPI_COMM_NULL;
  int64_t owned_ = 0;
  std::vector<int64_t> halo_;          // new ids of the halo rows, by owner, ascending
  std::vector<int32_t> send_index_;    // owned rows to send, grouped by destination
  std::vector<int> sources_, destinations_;
  std::vector<int> recv_counts_, recv_displs_, send_counts_, send_displs_;  // in rows, per neighbour
  CsrMatrix full_;                     // owned x (owned + halo)
  std::vector<CsrMatrix> interior_;    // row chunks of the interior rows (boundary rows empty), owned columns only
  std::vector<int64_t> chunk_first_;   // first row of each chunk
  CsrMatrix boundary_s_;               // the boundary rows
  std::vector<int32_t> boundary_;      // their row ids
  mutable HopStats stats_;
  mutable DenseMatrix ext_;            // [X_own; X_halo], kept between hops
  mutable std::vector<float> sendbuf_;
};

// Rank r's rows of s (original numbering) with columns in the partition's
// numbering; entries keep their order in s.
CsrMatrix rows_of_rank(const CsrMatrix& s, const Partition& p, int rank, const std::vector<int32_t>& new_id);

}  // namespace sgc::dist
