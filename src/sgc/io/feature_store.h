// The engine's own binary feature store: a dense float32 matrix in a file
// that is read by memory mapping, so features larger than the memory budget
// can be propagated a column block at a time (ops/out_of_core.h).
//
// Layout (little-endian, 64-byte header, payload 64-byte aligned):
//   0   magic "SGCFEAT\0"            8 bytes
//   8   version (1)                  u32
//   12  dtype (1: float32)           u32
//   16  rows                         i64
//   24  cols                         i64
//   32  CRC-32 (zlib) of the payload u32
//   36  CRC-32 of bytes 0..35        u32
//   40  zero padding to 64
//   64  rows x cols float32, row-major (row i at 64 + 4 i cols)
// A reader checks the header (magic, version, dtype, its CRC), that the file
// is exactly 64 + 4 rows cols bytes (before mapping anything), and by
// default the payload CRC; any mismatch is a FormatError naming the file.
#pragma once

#include <cstdint>
#include <string>

#include "sgc/dense.h"
#include "sgc/ops/spmm.h"

namespace sgc {

inline constexpr int64_t kFeatureStoreHeaderBytes = 64;

// Writes x as a feature store at `path` atomically (util/atomic_file.h);
// ArgumentError naming the first non-finite value (nothing is written) and
// `what` (default: "<path>: the features to write"), e.g. the file x came from.
void write_feature_store(const std::string& path, DenseView x, const std::string& what = "");
inline void write_feature_store(const std::string& path, const DenseMatrix& x, const std::string& what = "") {
  write_feature_store(path, view_of(x), what);
}

// The rows of the feature store at `path` as the node features of a data set
// of `nodes` nodes (named `dataset` in messages): one row per node, at least
// one column, finite values, read whole within the memory budget.
// FormatError naming the file otherwise.
DenseMatrix store_features(const std::string& path, int64_t nodes, const std::string& dataset);

// A feature store mapped read-only. Pages come in as they are read; the
// read_* functions drop what they read from the resident set again
// (madvise(MADV_DONTNEED): the page cache keeps it), so copying a column
// block out of a store larger than the memory budget never holds the whole file.
class MappedFeatures {
 public:
  // Opens and checks `path`; verify_checksum: also read the whole payload once
  // to check its CRC (streamed, pages dropped as it goes).
  static MappedFeatures open(const std::string& path, bool verify_checksum = true);
  // A writable rows x cols scratch matrix in an unlinked temporary file in
  // $TMPDIR (else /tmp), its blocks reserved up front (no space: FileError
  // naming `what`): memory that the page cache holds instead of the process.
  // Write through mutable_data() and call release_rows() on what was written
  // or read; the file goes when the object does.
  static MappedFeatures scratch(int64_t rows, int64_t cols, const std::string& what);
  MappedFeatures() = default;
  MappedFeatures(MappedFeatures&& o) noexcept { *this = std::move(o); }
  MappedFeatures& operator=(MappedFeatures&& o) noexcept;
  ~MappedFeatures();
  MappedFeatures(const MappedFeatures&) = delete;
  MappedFeatures& operator=(const MappedFeatures&) = delete;

  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }
  const std::string& path() const { return path_; }
  // The whole matrix in place (pages stay resident once touched).
  DenseView view() const { return DenseView(data(), rows_, cols_); }
  float* mutable_data() const;  // scratch matrices only
  // Drops rows [r0, r1) from the resident set (the file keeps them).
  void release_rows(int64_t r0, int64_t r1) const;
  // out = columns [c0, c0 + width) of every row (out is resized).
  void read_columns(int64_t c0, int64_t width, DenseMatrix& out) const;
  // The whole matrix as an owned copy (memory checked against the budget).
  DenseMatrix read_all() const;

 private:
  const float* data() const { return reinterpret_cast<const float*>(base_ + kFeatureStoreHeaderBytes); }

  std::string path_;
  const unsigned char* base_ = nullptr;
  size_t length_ = 0;
  int64_t rows_ = 0, cols_ = 0;
  bool writable_ = false;
};

}  // namespace sgc
