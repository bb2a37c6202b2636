// See propagate_stored.h.
#include "sgc/ops/propagate_stored.h"

#include <omp.h>

#include <algorithm>
#include <exception>
#include <memory>
#include <utility>

#include "sgc/data/dataset.h"
#include "sgc/error.h"
#include "sgc/graph/normalize.h"
#include "sgc/util/interrupt.h"

namespace sgc {

using kernels::Storage;

Precision parse_precision(const std::string& name) {
  if (name == "fp32") return Precision::Fp32;
  if (name == "bf16") return Precision::Bf16;
  if (name == "fp16") return Precision::Fp16;
  throw ArgumentError("unknown precision '" + name + "' (fp32, bf16 or fp16)");
}

std::string to_string(Precision p) { return p == Precision::Bf16 ? "bf16" : p == Precision::Fp16 ? "fp16" : "fp32"; }

Storage storage_of(Precision p) {
  return p == Precision::Bf16 ? Storage::BF16 : p == Precision::Fp16 ? Storage::F16 : Storage::F32;
}

namespace {
// Index of the lowest set bit of x != 0, by de Bruijn multiplication: the
// portable build must not use tzcnt (BMI1), which __builtin_ctzll becomes.
int lowest_bit(uint64_t x) {
  static constexpr int kIndex[64] = {0,  1,  48, 2,  57, 49, 28, 3,  61, 58, 50, 42, 38, 29, 17, 4,
                                     62, 55, 59, 36, 53, 51, 43, 22, 45, 39, 33, 30, 24, 18, 12, 5,
                                     63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21, 44, 32, 23, 11,
                                     46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9,  13, 8,  7,  6};
  return kIndex[((x & (~x + 1)) * 0x03f79d71b4cb0a89ull) >> 58];
}
}  // namespace

CsrMatrix sparse_times_sparse(const CsrMatrix& a, const CsrMatrix& b) {
  if (a.cols != b.rows)
    throw ArgumentError("sparse product: " + std::to_string(a.cols) + " columns against " + std::to_string(b.rows) +
                        " rows");
  check_interrupt();
  const int64_t d = b.cols, words = (d + 63) / 64;
  const auto bounds = balanced_row_partition(a, 8 * omp_get_max_threads());
  const int64_t chunks = int64_t(bounds.size()) - 1;
  std::vector<std::vector<int32_t>> idx(static_cast<size_t>(chunks));
  std::vector<std::vector<float>> val(static_cast<size_t>(chunks));
  std::vector<int64_t> row_nnz(size_t(a.rows), 0);
  // A scattered multiply-add here costs several of spmm's vector ones (the
  // membership test, the gather of b's row), so fewer of them pay for threads.
  const int64_t flops = a.nnz() * std::max<int64_t>(1, b.nnz() / std::max<int64_t>(1, b.rows));
#pragma omp parallel if (flops > (int64_t(1) << 15))
  {
    // Row i's columns are accumulated in acc and marked in a bitset of d
    // bits; they come out in column order either by scanning the bitset's
    // words between the lowest and highest column (when that is cheaper than
    // sorting them) or by sorting the touched list.
    std::vector<float> acc(size_t(d), 0.0f);
    std::vector<uint64_t> seen(size_t(words), 0);
    std::vector<int32_t> touched;
#pragma omp for schedule(dynamic, 1)
    for (int64_t c = 0; c < chunks; ++c) {
      for (int64_t i = bounds[c]; i < bounds[c + 1]; ++i) {
        touched.clear();
        int32_t lo = INT32_MAX, hi = -1;
        for (int64_t p = a.indptr[i]; p < a.indptr[i + 1]; ++p) {
          const float v = a.values[p];
          const int32_t j = a.indices[p];
          for (int64_t q = b.indptr[j]; q < b.indptr[j + 1]; ++q) {
            const int32_t col = b.indices[q];
            uint64_t& word = seen[size_t(col) >> 6];
            const uint64_t bit = uint64_t(1) << (col & 63);
            if (!(word & bit)) {
              word |= bit;
              touched.push_back(col);
              acc[size_t(col)] = 0.0f;
              lo = std::min(lo, col), hi = std::max(hi, col);
            }
            acc[size_t(col)] += v * b.values[q];
          }
        }
        const int64_t t = int64_t(touched.size());
        if (t == 0) continue;
        const size_t at = idx[size_t(c)].size();
        idx[size_t(c)].resize(at + size_t(t));
        val[size_t(c)].resize(at + size_t(t));
        int32_t* out_idx = idx[size_t(c)].data() + at;
        float* out_val = val[size_t(c)].data() + at;
        const int64_t scan = (int64_t(hi) >> 6) - (int64_t(lo) >> 6) + 1;
        if (scan <= t * 8) {  // about t log2 t comparisons for rows of tens to hundreds of entries
          for (int64_t w = int64_t(lo) >> 6; w <= int64_t(hi) >> 6; ++w) {
            for (uint64_t bits = seen[size_t(w)]; bits; bits &= bits - 1) {
              const int32_t col = int32_t(w * 64 + lowest_bit(bits));
              *out_idx++ = col;
              *out_val++ = acc[size_t(col)];
            }
            seen[size_t(w)] = 0;
          }
        } else {
          std::sort(touched.begin(), touched.end());
          for (int32_t col : touched) {
            *out_idx++ = col;
            *out_val++ = acc[size_t(col)];
            seen[size_t(col) >> 6] = 0;
          }
        }
        row_nnz[size_t(i)] = t;
      }
    }
  }
  CsrMatrix out;
  out.rows = a.rows;
  out.cols = d;
  out.indptr.assign(size_t(a.rows) + 1, 0);
  for (int64_t i = 0; i < a.rows; ++i) out.indptr[size_t(i) + 1] = out.indptr[size_t(i)] + row_nnz[size_t(i)];
  out.indices.resize(size_t(out.indptr.back()));
  out.values.resize(size_t(out.indptr.back()));
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t at = out.indptr[size_t(bounds[c])];
    std::copy(idx[size_t(c)].begin(), idx[size_t(c)].end(), out.indices.begin() + at);
    std::copy(val[size_t(c)].begin(), val[size_t(c)].end(), out.values.begin() + at);
  }
  return out;
}

bool sparse_hop_pays(const CsrMatrix& s, const CsrMatrix& b) {
  double bound = 0;
  for (int64_t i = 0; i < s.rows; ++i) {
    int64_t flops = 0;
    for (int64_t p = s.indptr[i]; p < s.indptr[i + 1]; ++p)
      flops += b.indptr[size_t(s.indices[p]) + 1] - b.indptr[size_t(s.indices[p])];
    bound += double(std::min<int64_t>(flops, b.cols));
  }
  return bound < kSparseHopDensity * double(s.rows) * double(b.cols);
}

namespace {

int64_t bytes_of(Storage s) { return s == Storage::F32 ? 4 : 2; }

// An uninitialised n x d buffer in the given storage (every entry is written
// by the product that fills it).
struct Stored {
  std::unique_ptr<float[]> data;
  Stored() = default;
  Stored(int64_t n, int64_t d, Storage st) : data(new float[size_t((n * d * bytes_of(st) + 3) / 4)]) {}
};

// x (fp32) -> dst in storage st, in parallel.
void store(const float* x, int64_t n, int64_t d, void* dst, Storage st) {
  const kernels::KernelTable& k = kernels::active();
  const int64_t block = 1024;
#pragma omp parallel for schedule(static) if (n * d > (int64_t(1) << 18))
  for (int64_t r0 = 0; r0 < n; r0 += block) {
    const int64_t r1 = std::min(n, r0 + block);
    k.from_f32(x + r0 * d, static_cast<char*>(dst) + r0 * d * bytes_of(st), st, (r1 - r0) * d);
  }
}

// Rounds m's entries through storage st (K = 0: the features as stored).
void round_through(DenseMatrix& m, Storage st) {
  if (st == Storage::F32) return;
  std::vector<uint16_t> tmp(size_t(m.size()));
  const kernels::KernelTable& k = kernels::active();
  k.from_f32(m.data(), tmp.data(), st, m.size());
  k.to_f32(tmp.data(), st, m.data(), m.size());
}

}  // namespace

namespace {

void check_inputs(const CsrMatrix& s, const CsrMatrix* x_sparse, const std::optional<DenseView>& x_dense, int k,
                  const std::vector<int32_t>* rows) {
  if (k < 0) throw ParameterError("k", "number of propagation steps must be >= 0, got " + std::to_string(k));
  if (!x_sparse && !x_dense) throw ArgumentError("propagate_stored: no features");
  const int64_t n = x_sparse ? x_sparse->rows : x_dense->rows();
  if (s.cols != n)
    throw ArgumentError("operator has " + std::to_string(s.cols) + " columns but features have " + std::to_string(n) +
                        " rows");
  if (rows)
    for (int32_t r : *rows)
      if (r < 0 || r >= s.rows) throw ArgumentError("node id " + std::to_string(r) + " out of range");
}

// H = S^(K-1) X as the hops leave it for the last one (K >= 1): sparse (X
// itself, borrowed, or a sparse hop's result) or dense in storage st (X's
// buffer read in place, or a hop's).
struct BeforeLast {
  const CsrMatrix* x_sparse = nullptr;  // H is X
  CsrMatrix hop_sparse;                 // H is a sparse hop's result
  bool is_sparse = false;
  Stored h;
  const void* dense = nullptr;
  const CsrMatrix& sparse() const { return x_sparse ? *x_sparse : hop_sparse; }
};

// Sparse features at least this dense are made dense before the first hop:
// the sparse-feature kernel scatters one scalar update per stored entry,
// where the dense one runs a vector lane per entry. Amazon Computers' X (35%
// dense) took 0.7-1.3 s that way against 0.1-0.4 s for the dense hop on a
// loaded 2-core host; Planetoid (1-10%) and Coauthor (0.9%) stay sparse.
constexpr double kDenseFeatureDensity = 0.2;

void hops_before_last(const CsrMatrix& s, const CsrMatrix* x_sparse, const std::optional<DenseView>& x_dense, int k,
                      Storage st, StoredPropagation* report, BeforeLast& out) {
  const int64_t n = x_sparse ? x_sparse->rows : x_dense->rows();
  const int64_t d = x_sparse ? x_sparse->cols : x_dense->cols();
  if (x_sparse && double(x_sparse->nnz()) >= kDenseFeatureDensity * double(n) * double(d)) {
    // X written densely into H's buffer (stored as st), which the first dense
    // hop reads and then frees.
    Stored x32(n, d, Storage::F32);
    float* dst = x32.data.get();
    const CsrMatrix& xs = *x_sparse;
#pragma omp parallel for schedule(static) if (n * d > (int64_t(1) << 18))
    for (int64_t i = 0; i < n; ++i) {
      float* row = dst + i * d;
      std::fill(row, row + d, 0.0f);
      for (int64_t q = xs.indptr[size_t(i)]; q < xs.indptr[size_t(i) + 1]; ++q) row[xs.indices[size_t(q)]] = xs.values[size_t(q)];
    }
    if (st == Storage::F32) {
      out.h = std::move(x32);
    } else {
      out.h = Stored(n, d, st);
      store(dst, n, d, out.h.data.get(), st);
    }
    out.dense = out.h.data.get();
    x_sparse = nullptr;
  }
  // Sparse hops while they pay (never the last one, which is written dense).
  out.x_sparse = x_sparse;
  out.is_sparse = x_sparse != nullptr;
  int done = 0;
  while (out.is_sparse && done < k - 1 && sparse_hop_pays(s, out.sparse())) {
    CsrMatrix next = sparse_times_sparse(s, out.sparse());
    out.hop_sparse = std::move(next);
    out.x_sparse = nullptr;
    ++done;
    if (report) {
      ++report->sparse_hops;
      report->densities.push_back(double(out.hop_sparse.nnz()) / double(std::max<int64_t>(1, n * d)));
    }
  }

  // Dense hops in storage st.
  if (out.is_sparse && done < k - 1) {  // the first dense hop reads the sparse one in place
    out.h = Stored(s.rows, d, st);
    spmm_stored(s, out.sparse(), out.h.data.get(), st);
    out.hop_sparse = CsrMatrix{};
    out.x_sparse = nullptr;
    out.is_sparse = false;
    out.dense = out.h.data.get();
    ++done;
  } else if (!out.is_sparse && !out.dense) {  // dense X: read in place (fp32) or stored once in 16 bits
    if (st == Storage::F32) {
      out.dense = x_dense->data();
    } else {
      out.h = Stored(n, d, st);
      store(x_dense->data(), n, d, out.h.data.get(), st);
      out.dense = out.h.data.get();
    }
  }
  Stored next;
  for (; done < k - 1; ++done) {
    next = Stored(s.rows, d, st);
    spmm_stored(s, out.dense, st, d, nullptr, next.data.get(), st);
    std::swap(out.h, next);
    next = Stored();
    out.dense = out.h.data.get();
  }
}

// The last hop, fp32, of the rows asked for (all when null) into out.
void last_hop(const CsrMatrix& s, const BeforeLast& h, int64_t d, Storage st, const std::vector<int32_t>* rows,
              DenseMatrix& out) {
  out.resize(rows ? int64_t(rows->size()) : s.rows, d);
  if (out.rows() == 0) return;
  if (h.is_sparse) {
    if (rows)
      spmm_stored(select_rows(s, *rows), h.sparse(), out.data(), Storage::F32);
    else
      spmm_stored(s, h.sparse(), out.data(), Storage::F32);
  } else {
    spmm_stored(s, h.dense, st, d, rows, out.data(), Storage::F32);
  }
}

DenseMatrix features_k0(const CsrMatrix* x_sparse, const std::optional<DenseView>& x_dense,
                        const std::vector<int32_t>* rows, Storage st) {
  DenseMatrix out = x_sparse ? (rows ? to_dense(select_rows(*x_sparse, *rows)) : to_dense(*x_sparse))
                             : (rows ? gather_rows(DenseMatrix(*x_dense), *rows) : DenseMatrix(*x_dense));
  round_through(out, st);
  return out;
}

}  // namespace

DenseMatrix propagate_stored(const CsrMatrix& s, const CsrMatrix* x_sparse, std::optional<DenseView> x_dense, int k,
                             const std::vector<int32_t>* rows, Precision precision, StoredPropagation* report) {
  check_inputs(s, x_sparse, x_dense, k, rows);
  const Storage st = storage_of(precision);
  if (k == 0) return features_k0(x_sparse, x_dense, rows, st);
  BeforeLast h;
  StoredPropagation own;
  if (!report) report = &own;
  const int sparse_before = report->sparse_hops;
  hops_before_last(s, x_sparse, x_dense, k, st, report, h);
  if (st != Storage::F32)
    report->stored_16bit += (x_dense ? 1 : 0) + (k - 1) - (report->sparse_hops - sparse_before);
  DenseMatrix out;
  last_hop(s, h, x_sparse ? x_sparse->cols : x_dense->cols(), st, rows, out);
  return out;
}

}  // namespace sgc
