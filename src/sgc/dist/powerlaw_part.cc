#include "sgc/dist/powerlaw_part.h"

#include <algorithm>
#include <climits>
#include <numeric>
#include <optional>

#include "sgc/error.h"
#include "sgc/util/interrupt.h"

namespace sgc::dist {

namespace {

// Blocks of [0, n) with about equal sums of `work` (one entry a node).
std::vector<int64_t> balanced_blocks(const std::vector<int64_t>& work, int parts) {
  std::vector<int64_t> prefix(work.size() + 1, 0);
  for (size_t i = 0; i < work.size(); ++i) prefix[i + 1] = prefix[i] + work[i];
  std::vector<int64_t> b(size_t(parts) + 1, int64_t(work.size()));
  b[0] = 0;
  for (int r = 1; r < parts; ++r)
    b[size_t(r)] = std::lower_bound(prefix.begin(), prefix.end(), prefix.back() * r / parts) - prefix.begin();
  return b;
}

int owner_of(const std::vector<int64_t>& bounds, int64_t id) {
  return int(std::upper_bound(bounds.begin(), bounds.end() - 1, id) - bounds.begin()) - 1;
}

// Sends send[r] to rank r, returns what every rank sent here, concatenated in rank order.
std::vector<int32_t> all_to_all(const Comm& comm, const std::vector<std::vector<int32_t>>& send) {
  const int P = comm.size();
  std::vector<int> scount(static_cast<size_t>(P)), sdispl(static_cast<size_t>(P)), rcount(static_cast<size_t>(P)), rdispl(static_cast<size_t>(P));
  int64_t total = 0;
  for (int r = 0; r < P; ++r) {
    if (send[size_t(r)].size() > size_t(INT_MAX) || total > INT_MAX)
      throw Error("generator: more than 2^31 ids to send from one rank; run on more ranks");
    scount[size_t(r)] = int(send[size_t(r)].size());
    sdispl[size_t(r)] = int(total);
    total += int64_t(send[size_t(r)].size());
  }
  if (total > INT_MAX) throw Error("generator: more than 2^31 ids to send from one rank; run on more ranks");
  std::vector<int32_t> flat;
  flat.reserve(size_t(total));
  for (const auto& s : send) flat.insert(flat.end(), s.begin(), s.end());
  MPI_Alltoall(scount.data(), 1, MPI_INT, rcount.data(), 1, MPI_INT, comm.get());
  int64_t rtotal = 0;
  for (int r = 0; r < P; ++r) {
    rdispl[size_t(r)] = int(std::min<int64_t>(rtotal, INT_MAX));
    rtotal += rcount[size_t(r)];
  }
  if (rtotal > INT_MAX) throw Error("generator: more than 2^31 ids to receive on one rank; run on more ranks");
  std::vector<int32_t> got(static_cast<size_t>(rtotal));
  MPI_Alltoallv(flat.data(), scount.data(), sdispl.data(), MPI_INT32_T, got.data(), rcount.data(), rdispl.data(),
                MPI_INT32_T, comm.get());
  return got;
}

// Every rank's per-row values, in rank (and so row) order.
std::vector<int32_t> all_gather_rows(const Comm& comm, const std::vector<int32_t>& mine, int64_t n) {
  const int P = comm.size();
  std::vector<int> count(static_cast<size_t>(P)), displ(static_cast<size_t>(P));
  const int m = int(mine.size());
  MPI_Allgather(&m, 1, MPI_INT, count.data(), 1, MPI_INT, comm.get());
  for (int r = 1; r < P; ++r) displ[size_t(r)] = displ[size_t(r) - 1] + count[size_t(r) - 1];
  std::vector<int32_t> all(static_cast<size_t>(n));
  MPI_Allgatherv(mine.data(), m, MPI_INT32_T, all.data(), count.data(), displ.data(), MPI_INT32_T, comm.get());
  return all;
}

}  // namespace

GeneratedPart generate_powerlaw_part(const Comm& comm, const PowerLawOptions& o) {
  const int P = comm.size(), me = comm.rank();
  std::optional<PowerLawGraph> built;
  std::string err;
  try {
    built.emplace(o);
  } catch (const Error& e) {
    err = e.what();
  }
  agree_or_throw(comm, err);  // the options are the same everywhere: so is the error
  const PowerLawGraph& g = *built;
  const int64_t n = g.nodes();
  std::vector<int32_t> train, val, test;
  g.split(train, val, test);
  std::vector<uint8_t> split(size_t(n), 0);
  for (int32_t i : train) split[size_t(i)] = 1;
  for (int32_t i : val) split[size_t(i)] = 2;
  for (int32_t i : test) split[size_t(i)] = 3;

  // 1. Provisional blocks balanced by the expected row size (twice the edges started, plus one).
  std::vector<int64_t> started(static_cast<size_t>(n));
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) started[size_t(i)] = 2 * g.edges_started(i) + 1;
  const std::vector<int64_t> pb = balanced_blocks(started, P);
  const int64_t plo = pb[size_t(me)], phi = pb[size_t(me) + 1];
  std::vector<int64_t> offset(size_t(phi - plo) + 1, 0);
  for (int64_t i = plo; i < phi; ++i)
    offset[size_t(i - plo) + 1] = offset[size_t(i - plo)] + (started[size_t(i)] - 1) / 2;
  std::vector<int64_t>().swap(started);
  std::vector<int32_t> ends(static_cast<size_t>(offset.back()));
#pragma omp parallel
  {
    std::vector<int32_t> mine;
#pragma omp for schedule(dynamic, 1024)
    for (int64_t i = plo; i < phi; ++i) {
      mine.clear();
      g.edges_from(i, mine);
      std::copy(mine.begin(), mine.end(), ends.begin() + offset[size_t(i - plo)]);
    }
  }
  check_interrupt();

  // 2. Both directions of every edge to the provisional owner of its row, as (row, column).
  std::vector<std::vector<int32_t>> send(static_cast<size_t>(P));
  for (int64_t i = plo; i < phi; ++i)
    for (int64_t e = offset[size_t(i - plo)]; e < offset[size_t(i - plo) + 1]; ++e) {
      const int32_t j = ends[size_t(e)];
      auto& to_me = send[size_t(me)];
      to_me.push_back(int32_t(i));
      to_me.push_back(j);
      auto& to_j = send[size_t(owner_of(pb, j))];
      to_j.push_back(j);
      to_j.push_back(int32_t(i));
    }
  std::vector<int32_t>().swap(ends);
  std::vector<int32_t> pairs = all_to_all(comm, send);
  std::vector<std::vector<int32_t>>().swap(send);
  // Rows sorted by column, one entry per pair (csr_from_triplets's result).
  const int64_t prow = phi - plo;
  std::vector<int64_t> pptr(size_t(prow) + 1, 0);
  for (size_t k = 0; k < pairs.size(); k += 2) ++pptr[size_t(pairs[k] - plo) + 1];
  for (int64_t r = 0; r < prow; ++r) pptr[size_t(r) + 1] += pptr[size_t(r)];
  std::vector<int32_t> cols(pairs.size() / 2);
  {
    std::vector<int64_t> next(pptr.begin(), pptr.end() - 1);
    for (size_t k = 0; k < pairs.size(); k += 2) cols[size_t(next[size_t(pairs[k] - plo)]++)] = pairs[k + 1];
  }
  std::vector<int32_t>().swap(pairs);
  std::vector<int32_t> row_nnz(static_cast<size_t>(prow)), row_train(static_cast<size_t>(prow));
  int64_t kept = 0;
  for (int64_t r = 0; r < prow; ++r) {
    const auto b = cols.begin() + pptr[size_t(r)], e = cols.begin() + pptr[size_t(r) + 1];
    std::sort(b, e);
    const auto u = std::unique(b, e);
    row_nnz[size_t(r)] = int32_t(u - b);
    row_train[size_t(r)] = int32_t(std::count_if(b, u, [&](int32_t c) { return split[size_t(c)] == 1; }));
    const int64_t start = kept;
    std::copy(b, u, cols.begin() + start);
    kept += row_nnz[size_t(r)];
  }
  cols.resize(size_t(kept));
  check_interrupt();

  // 3. Every row's size and training neighbours: the partition and the halo's degrees.
  const std::vector<int32_t> deg = all_gather_rows(comm, row_nnz, n);
  const std::vector<int32_t> train_deg = all_gather_rows(comm, row_train, n);
  std::vector<int64_t> indptr(size_t(n) + 1, 0);
  for (int64_t i = 0; i < n; ++i) indptr[size_t(i) + 1] = indptr[size_t(i)] + deg[size_t(i)];
  const std::vector<int64_t> fb = contiguous_partition(indptr, P).bounds;
  std::vector<int64_t>().swap(indptr);
  const int64_t lo = fb[size_t(me)], hi = fb[size_t(me) + 1];

  // 4. Rows to their final owners: the sizes are known everywhere, so only the columns move.
  std::vector<std::vector<int32_t>> rows_out(static_cast<size_t>(P));
  {
    int64_t at = 0;
    for (int64_t i = plo; i < phi; ++i) {
      auto& to = rows_out[size_t(owner_of(fb, i))];
      to.insert(to.end(), cols.begin() + at, cols.begin() + at + deg[size_t(i)]);
      at += deg[size_t(i)];
    }
  }
  std::vector<int32_t>().swap(cols);
  const std::vector<int32_t> mine = all_to_all(comm, rows_out);
  std::vector<std::vector<int32_t>>().swap(rows_out);

  GeneratedPart out;
  RankPart& q = out.part;
  q.rank = me;
  q.parts = P;
  q.nodes = n;
  q.first = lo;
  q.rows = hi - lo;
  q.features = o.features;
  q.classes = o.classes;
  q.a.rows = q.rows;
  q.a.cols = n;
  q.a.indptr.assign(1, 0);
  for (int64_t i = lo; i < hi; ++i) q.a.indptr.push_back(q.a.indptr.back() + deg[size_t(i)]);
  if (q.a.indptr.back() != int64_t(mine.size())) abort_job(comm, "generator: rows arrived with the wrong sizes");
  q.a.indices = mine;
  q.a.values.assign(mine.size(), 1.0f);
  int64_t cut = 0;
  for (int32_t c : mine)
    if (c < lo || c >= hi) {
      q.halo.push_back(c);
      ++cut;
    }
  std::sort(q.halo.begin(), q.halo.end());
  q.halo.erase(std::unique(q.halo.begin(), q.halo.end()), q.halo.end());
  for (int64_t h : q.halo) {
    q.halo_deg.push_back(double(deg[size_t(h)]));
    q.halo_train_deg.push_back(double(train_deg[size_t(h)]));
    // Its index among its owner's training nodes (train is sorted).
    const int64_t first = fb[size_t(owner_of(fb, h))];
    q.halo_train.push_back(split[size_t(h)] != 1 ? -1
                                                 : int64_t(std::lower_bound(train.begin(), train.end(), int32_t(h)) -
                                                           std::lower_bound(train.begin(), train.end(), int32_t(first))));
  }
  q.labels.assign(g.labels().begin() + lo, g.labels().begin() + hi);
  q.split.assign(split.begin() + lo, split.begin() + hi);
  q.x.dense = g.features(lo, hi);
  out.cut = comm.sum(cut);
  return out;
}

}  // namespace sgc::dist
