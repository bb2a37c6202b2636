// The MPI communicator as the distributed engine uses it: rank, size, and
// the few collectives training and loading need, each with a result that is
// identical on every rank and does not depend on how MPI orders a reduction.
//
// Sums of floating-point vectors are all-gathered and added in rank order on
// every rank (a fixed order, so Adam and L-BFGS take bitwise the same steps
// everywhere); MPI_Allreduce's order is the library's choice. The vectors are
// the model's gradient (d x classes doubles), small next to the features.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sgc/error.h"

namespace sgc::dist {

class Comm {
 public:
  explicit Comm(MPI_Comm c = MPI_COMM_WORLD);
  MPI_Comm get() const { return comm_; }
  int rank() const { return rank_; }
  int size() const { return size_; }

  // v <- sum over ranks of v, added in rank order (bitwise the same on every rank).
  void sum_in_rank_order(std::vector<double>& v) const;
  void sum_in_rank_order(double* v, int64_t n) const;
  // Exact integer sums.
  void sum(std::vector<int64_t>& v) const;
  int64_t sum(int64_t v) const;
  // Whether `ok` holds on every rank.
  bool all(bool ok) const;
  void barrier() const;

 private:
  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
};

// MPI_Init_thread (funneled: only the main thread calls MPI; OpenMP teams
// compute between calls) and MPI_Finalize, once per process. Installs an
// error handler on MPI_COMM_WORLD (inherited by the communicators made from
// it): an MPI error prints `sgc: error: rank r of P: MPI error in ...: <the
// library's text>` and ends the job (MPI_Abort), instead of the library's
// default abort or a return code nobody checks.
class MpiSession {
 public:
  MpiSession(int* argc, char*** argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
};

// Whether this process runs under mpirun with more than one rank, or was
// started by mpirun at all (Open MPI's environment), without calling MPI.
bool launched_by_mpirun();

// A failure every rank has to hear about. Collective checks (a part file each
// rank reads) agree first with `all` and then throw on every rank; a failure
// only one rank sees mid-run prints `sgc: error: ...` with the rank and ends
// the whole job (MPI_Abort), so no rank waits forever in a collective.
[[noreturn]] void abort_job(const Comm& c, const std::string& message, int code = 1);

// A test hook for the failure paths, read here only: the environment
// variable SGC_DIST_FAULT=RANK:HOP makes rank RANK die at its HOP-th hop
// (1-based, every distributed product on the rank counted), killed by
// SIGKILL as a crashed node would be: no message to the other ranks, no
// MPI_Finalize; SGC_DIST_FAULT=RANK:HOP:mpi makes that rank call MPI with a
// bad argument instead (the error handler's path). Unset: nothing happens.
void fault_point(const Comm& c);

// An error every rank raised together, with the same message (agree_or_throw):
// the ranks can report it once and end normally, no MPI_Abort needed.
class CollectiveError : public Error {
 public:
  using Error::Error;
};

// Throws CollectiveError on every rank when `error` is not empty on any
// rank: the message gives each distinct problem and the ranks that hit it.
void agree_or_throw(const Comm& c, const std::string& error);

}  // namespace sgc::dist
