#include "sgc/dist/dist_product.h"

#include <algorithm>
#include <cstring>

#include "sgc/error.h"
#include "sgc/graph/normalize.h"
#include "sgc/util/timer.h"

namespace sgc::dist {

namespace {

// Interior rows are multiplied in this many chunks, with MPI_Test between
// them so that Open MPI (no progress thread by default) moves the exchange on.
constexpr int kInteriorChunks = 8;

CsrMatrix empty_rows(int64_t rows, int64_t cols) {
  CsrMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.indptr.assign(size_t(rows) + 1, 0);
  return m;
}

void append_row(CsrMatrix& m, const CsrMatrix& from, int64_t i) {
  for (int64_t e = from.indptr[size_t(i)]; e < from.indptr[size_t(i) + 1]; ++e) {
    m.indices.push_back(from.indices[size_t(e)]);
    m.values.push_back(from.values[size_t(e)]);
  }
}

void check_mpi(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw Error(std::string("MPI: ") + what + " failed (code " + std::to_string(rc) + ")");
}

}  // namespace

CsrMatrix rows_of_rank(const CsrMatrix& s, const Partition& p, int rank, const std::vector<int32_t>& new_id) {
  const std::vector<int32_t> ids = p.owned(rank);
  CsrMatrix m = empty_rows(int64_t(ids.size()), p.nodes());
  for (size_t r = 0; r < ids.size(); ++r) {
    for (int64_t e = s.indptr[size_t(ids[r])]; e < s.indptr[size_t(ids[r]) + 1]; ++e) {
      m.indices.push_back(new_id[size_t(s.indices[size_t(e)])]);
      m.values.push_back(s.values[size_t(e)]);
    }
    m.indptr[r + 1] = int64_t(m.indices.size());
  }
  return m;
}

DistProduct::DistProduct(const Comm& comm, const CsrMatrix& rows, const std::vector<int64_t>& bounds)
    : comm_(comm) {
  const int P = comm.size(), me = comm.rank();
  if (int(bounds.size()) != P + 1) throw ArgumentError("partition has " + std::to_string(bounds.size() - 1) +
                                                       " parts for " + std::to_string(P) + " ranks");
  const int64_t lo = bounds[size_t(me)], hi = bounds[size_t(me) + 1];
  owned_ = hi - lo;
  if (rows.rows != owned_) throw ArgumentError("rank " + std::to_string(me) + " holds " + std::to_string(rows.rows) +
                                               " rows of S, its part has " + std::to_string(owned_));
  // The halo: distinct remote columns, ascending (so grouped by owner).
  for (int32_t c : rows.indices) {
    if (c < 0 || c >= bounds.back()) throw FormatError("column " + std::to_string(c) + " out of range");
    if (c < lo || c >= hi) halo_.push_back(c);
  }
  std::sort(halo_.begin(), halo_.end());
  halo_.erase(std::unique(halo_.begin(), halo_.end()), halo_.end());

  full_ = empty_rows(owned_, owned_ + int64_t(halo_.size()));
  full_.indices.reserve(rows.indices.size());
  full_.values = rows.values;
  for (int32_t c : rows.indices)
    full_.indices.push_back(c >= lo && c < hi ? int32_t(c - lo)
                                              : int32_t(owned_ + (std::lower_bound(halo_.begin(), halo_.end(), c) -
                                                                  halo_.begin())));
  full_.indptr = rows.indptr;

  // Who needs what: halo ids go to their owners, which learn their send lists.
  std::vector<int> want(size_t(P), 0), give(size_t(P), 0);
  for (int64_t c : halo_) {
    const int q = int(std::upper_bound(bounds.begin(), bounds.end() - 1, c) - bounds.begin()) - 1;
    ++want[size_t(q)];
  }
  check_mpi(MPI_Alltoall(want.data(), 1, MPI_INT, give.data(), 1, MPI_INT, comm.get()), "MPI_Alltoall");
  std::vector<int> want_displ(size_t(P) + 1, 0), give_displ(size_t(P) + 1, 0);
  for (int q = 0; q < P; ++q) {
    want_displ[size_t(q) + 1] = want_displ[size_t(q)] + want[size_t(q)];
    give_displ[size_t(q) + 1] = give_displ[size_t(q)] + give[size_t(q)];
  }
  std::vector<int64_t> asked(static_cast<size_t>(give_displ[size_t(P)]));
  check_mpi(MPI_Alltoallv(halo_.data(), want.data(), want_displ.data(), MPI_INT64_T, asked.data(), give.data(),
                          give_displ.data(), MPI_INT64_T, comm.get()),
            "MPI_Alltoallv");
  for (int64_t id : asked) {
    if (id < lo || id >= hi) throw Error("halo exchange: rank asked for row " + std::to_string(id) + " it does not own");
    send_index_.push_back(int32_t(id - lo));
  }
  for (int q = 0; q < P; ++q) {
    if (want[size_t(q)] > 0) {
      sources_.push_back(q);
      recv_counts_.push_back(want[size_t(q)]);
      recv_displs_.push_back(want_displ[size_t(q)]);
    }
    if (give[size_t(q)] > 0) {
      destinations_.push_back(q);
      send_counts_.push_back(give[size_t(q)]);
      send_displs_.push_back(give_displ[size_t(q)]);
    }
  }
  check_mpi(MPI_Dist_graph_create_adjacent(comm.get(), int(sources_.size()), sources_.data(), MPI_UNWEIGHTED,
                                           int(destinations_.size()), destinations_.data(), MPI_UNWEIGHTED,
                                           MPI_INFO_NULL, 0, &graph_),
            "MPI_Dist_graph_create_adjacent");

  // Interior rows (every column owned) in chunks; boundary rows apart.
  std::vector<uint8_t> is_boundary(size_t(owned_), 0);
  for (int64_t i = 0; i < owned_; ++i)
    for (int64_t e = full_.indptr[size_t(i)]; e < full_.indptr[size_t(i) + 1] && !is_boundary[size_t(i)]; ++e)
      is_boundary[size_t(i)] = full_.indices[size_t(e)] >= owned_;
  boundary_s_ = empty_rows(0, full_.cols);
  for (int64_t i = 0; i < owned_; ++i)
    if (is_boundary[size_t(i)]) {
      boundary_.push_back(int32_t(i));
      append_row(boundary_s_, full_, i);
      boundary_s_.indptr.push_back(int64_t(boundary_s_.indices.size()));
      ++boundary_s_.rows;
    }
  const int64_t work = full_.nnz() + owned_;
  int64_t row = 0;
  for (int c = 0; c < kInteriorChunks && row < owned_; ++c) {
    const int64_t target = work * (c + 1) / kInteriorChunks;
    const int64_t first = row;
    while (row < owned_ && (full_.indptr[size_t(row)] + row < target || row == first)) ++row;
    if (c == kInteriorChunks - 1) row = owned_;
    CsrMatrix chunk = empty_rows(0, owned_);
    for (int64_t i = first; i < row; ++i) {
      if (!is_boundary[size_t(i)]) append_row(chunk, full_, i);
      chunk.indptr.push_back(int64_t(chunk.indices.size()));
      ++chunk.rows;
    }
    chunk_first_.push_back(first);
    interior_.push_back(std::move(chunk));
  }
}

DistProduct::~DistProduct() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (graph_ != MPI_COMM_NULL && !finalized) MPI_Comm_free(&graph_);
}

void DistProduct::start(DenseView x, DenseMatrix& ext, std::vector<float>& sendbuf, MPI_Datatype& row,
                        MPI_Request& req) const {
  fault_point(comm_);
  const int64_t d = x.cols();
  if (x.rows() != owned_)
    throw ArgumentError("distributed product: features have " + std::to_string(x.rows()) + " rows, rank " +
                        std::to_string(comm_.rank()) + " owns " + std::to_string(owned_));
  if (d > (int64_t(1) << 30)) throw ArgumentError("distributed product: too many feature columns");
  Timer t;
  sendbuf.resize(send_index_.size() * size_t(d));
#pragma omp parallel for schedule(static) if (int64_t(sendbuf.size()) > (int64_t(1) << 16))
  for (int64_t i = 0; i < int64_t(send_index_.size()); ++i)
    std::memcpy(sendbuf.data() + i * d, x.data() + int64_t(send_index_[size_t(i)]) * d, size_t(d) * sizeof(float));
  ext.resize(owned_ + int64_t(halo_.size()), d);
  stats_.pack += t.seconds();
  check_mpi(MPI_Type_contiguous(int(d), MPI_FLOAT, &row), "MPI_Type_contiguous");
  check_mpi(MPI_Type_commit(&row), "MPI_Type_commit");
  check_mpi(MPI_Ineighbor_alltoallv(sendbuf.data(), send_counts_.data(), send_displs_.data(), row,
                                    ext.data() + owned_ * d, recv_counts_.data(), recv_displs_.data(), row, graph_,
                                    &req),
            "MPI_Ineighbor_alltoallv");
  stats_.rows_sent += int64_t(send_index_.size());
  stats_.rows_received += int64_t(halo_.size());
  stats_.bytes_sent += int64_t(send_index_.size()) * d * int64_t(sizeof(float));
}

void DistProduct::apply(DenseView x, DenseMatrix& y) const {
  Timer total;
  const int64_t d = x.cols();
  MPI_Datatype row;
  MPI_Request req;
  start(x, ext_, sendbuf_, row, req);
  Timer t;
  y.resize(owned_, d);
  DenseMatrix part;
  for (size_t c = 0; c < interior_.size(); ++c) {
    spmm(interior_[c], x, part);
    y.middleRows(chunk_first_[c], part.rows()) = part;
    int done = 0;
    MPI_Test(&req, &done, MPI_STATUS_IGNORE);
  }
  // X_own into the extended matrix (the halo rows are arriving below it).
  std::memcpy(ext_.data(), x.data(), size_t(owned_ * d) * sizeof(float));
  stats_.interior += t.seconds();
  t.reset();
  check_mpi(MPI_Wait(&req, MPI_STATUS_IGNORE), "MPI_Wait");
  MPI_Type_free(&row);
  stats_.wait += t.seconds();
  t.reset();
  if (!boundary_.empty()) {
    spmm(boundary_s_, view_of(ext_), part);
    for (size_t b = 0; b < boundary_.size(); ++b) y.row(boundary_[b]) = part.row(Eigen::Index(b));
  }
  stats_.boundary += t.seconds();
  stats_.total += total.seconds();
  ++stats_.hops;
}

void DistProduct::apply_rows(DenseView x, const std::vector<int32_t>& rows, DenseMatrix& y) const {
  Timer total;
  MPI_Datatype row;
  MPI_Request req;
  start(x, ext_, sendbuf_, row, req);
  std::memcpy(ext_.data(), x.data(), size_t(owned_ * x.cols()) * sizeof(float));
  Timer t;
  check_mpi(MPI_Wait(&req, MPI_STATUS_IGNORE), "MPI_Wait");
  MPI_Type_free(&row);
  stats_.wait += t.seconds();
  t.reset();
  if (rows.empty())  // this rank has none of the rows asked for (it still took part in the exchange)
    y.resize(0, x.cols());
  else
    spmm_rows(full_, view_of(ext_), rows, y);
  stats_.boundary += t.seconds();
  stats_.total += total.seconds();
  ++stats_.hops;
}

void DistProduct::apply(const CsrMatrix& x, DenseMatrix& y) const {
  // Sparse features: made dense first (the halo travels as dense rows).
  const DenseMatrix dense = to_dense(x);
  apply(view_of(dense), y);
}

double DistProduct::exchange_seconds(DenseView x) const {
  comm_.barrier();
  Timer t;
  MPI_Datatype row;
  MPI_Request req;
  DenseMatrix ext;
  std::vector<float> sendbuf;
  const HopStats keep = stats_;
  start(x, ext, sendbuf, row, req);
  check_mpi(MPI_Wait(&req, MPI_STATUS_IGNORE), "MPI_Wait");
  MPI_Type_free(&row);
  stats_ = keep;
  return t.seconds();
}

}  // namespace sgc::dist
