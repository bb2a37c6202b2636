#include "sgc/dist/comm.h"

#include <csignal>
#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <utility>

#include "sgc/error.h"

namespace sgc::dist {

Comm::Comm(MPI_Comm c) : comm_(c) {
  MPI_Comm_rank(c, &rank_);
  MPI_Comm_size(c, &size_);
}

void Comm::sum_in_rank_order(double* v, int64_t n) const {
  if (size_ == 1 || n == 0) return;
  std::vector<double> all(size_t(n) * size_t(size_));
  MPI_Allgather(v, int(n), MPI_DOUBLE, all.data(), int(n), MPI_DOUBLE, comm_);
  for (int64_t i = 0; i < n; ++i) {
    double s = all[size_t(i)];
    for (int r = 1; r < size_; ++r) s += all[size_t(r) * size_t(n) + size_t(i)];
    v[i] = s;
  }
}

void Comm::sum_in_rank_order(std::vector<double>& v) const { sum_in_rank_order(v.data(), int64_t(v.size())); }

void Comm::sum(std::vector<int64_t>& v) const {
  if (size_ > 1 && !v.empty()) MPI_Allreduce(MPI_IN_PLACE, v.data(), int(v.size()), MPI_INT64_T, MPI_SUM, comm_);
}

int64_t Comm::sum(int64_t v) const {
  std::vector<int64_t> one{v};
  sum(one);
  return one[0];
}

bool Comm::all(bool ok) const {
  int flag = ok ? 1 : 0;
  if (size_ > 1) MPI_Allreduce(MPI_IN_PLACE, &flag, 1, MPI_INT, MPI_MIN, comm_);
  return flag == 1;
}

void Comm::barrier() const { MPI_Barrier(comm_); }

namespace {

void on_mpi_error(MPI_Comm* comm, int* code, ...) {
  char text[MPI_MAX_ERROR_STRING] = {0};
  int len = 0;
  MPI_Error_string(*code, text, &len);
  int rank = -1, size = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  std::fprintf(stderr, "sgc: error: rank %d of %d: MPI error: %s\n", rank, size, text);
  std::fflush(stderr);
  MPI_Abort(*comm == MPI_COMM_NULL ? MPI_COMM_WORLD : *comm, 1);
}

}  // namespace

MpiSession::MpiSession(int* argc, char*** argv) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  }
  MPI_Errhandler handler;
  MPI_Comm_create_errhandler(on_mpi_error, &handler);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, handler);
  MPI_Errhandler_free(&handler);
}

MpiSession::~MpiSession() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

bool launched_by_mpirun() {
  // Open MPI sets these in every process it starts (mpirun, srun with PMIx).
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMIX_RANK") != nullptr;
}

void fault_point(const Comm& c) {
  static const char* spec = std::getenv("SGC_DIST_FAULT");
  static int64_t hops = 0;
  if (!spec) return;
  ++hops;
  int rank = -1;
  long long hop = -1;
  char mode[8] = {0};
  if (std::sscanf(spec, "%d:%lld:%7s", &rank, &hop, mode) < 2)
    abort_job(c, std::string("SGC_DIST_FAULT='") + spec + "': expected RANK:HOP or RANK:HOP:mpi");
  if (rank != c.rank() || hop != hops) return;
  std::fprintf(stderr, "sgc: rank %d of %d: SGC_DIST_FAULT: %s at hop %lld (test hook)\n", c.rank(), c.size(),
               std::string(mode) == "mpi" ? "a bad MPI call" : "dying", hop);
  std::fflush(stderr);
  if (std::string(mode) == "mpi") {
    int v = 0;
    MPI_Send(&v, 1, MPI_INT, c.size() + 7, 0, c.get());  // no such rank: the error handler ends the job
  }
  std::raise(SIGKILL);
}

void abort_job(const Comm& c, const std::string& message, int code) {
  std::fprintf(stderr, "sgc: error: rank %d of %d: %s\n", c.rank(), c.size(), message.c_str());
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, code);
  std::abort();  // not reached
}

void agree_or_throw(const Comm& c, const std::string& error) {
  if (c.all(error.empty())) return;
  // Every rank learns every rank's message (bounded length), so each prints the same line.
  constexpr int kMax = 400;
  std::vector<char> mine(kMax, 0), all(size_t(kMax) * size_t(c.size()));
  error.copy(mine.data(), kMax - 1);
  MPI_Allgather(mine.data(), kMax, MPI_CHAR, all.data(), kMax, MPI_CHAR, c.get());
  // One entry per distinct message, with the ranks that hit it.
  std::vector<std::pair<std::string, std::vector<int>>> seen;
  for (int r = 0; r < c.size(); ++r) {
    const std::string m(all.data() + size_t(r) * kMax);
    if (m.empty()) continue;
    auto it = std::find_if(seen.begin(), seen.end(), [&](const auto& e) { return e.first == m; });
    if (it == seen.end()) seen.push_back({m, {r}}); else it->second.push_back(r);
  }
  std::string msg;
  for (size_t i = 0; i < seen.size() && i < 4; ++i) {
    const std::vector<int>& ranks = seen[i].second;
    std::string who = int(ranks.size()) == c.size() ? "every rank"
                      : ranks.size() == 1           ? "rank " + std::to_string(ranks[0])
                                                    : std::to_string(ranks.size()) + " ranks (first " +
                                                          std::to_string(ranks[0]) + ")";
    msg += (i ? "; " : "") + seen[i].first + " [" + who + "]";
  }
  if (seen.size() > 4) msg += "; and " + std::to_string(seen.size() - 4) + " more";
  throw CollectiveError(msg);
}

}  // namespace sgc::dist
