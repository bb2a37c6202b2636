// NumPy .npz archives: a zip (zip.h) whose entries are .npy arrays (npy.h)
// named <key>.npy, as written by numpy.savez / savez_compressed and
// scipy.sparse.save_npz (numpy/lib/npyio.py). Entries are read lazily, one at
// a time, so unused keys (e.g. unicode node names) are never decoded.
// Errors name the archive and the entry: "x.npz: entry 'labels.npy': ...".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sgc/graph/csr.h"
#include "sgc/io/format/npy.h"
#include "sgc/io/format/zip.h"

namespace sgc {

class NpzFile {
 public:
  static NpzFile open(const std::string& path);
  static NpzFile from_bytes(std::string bytes, const std::string& source);

  const std::string& source() const { return zip_.source(); }
  uint64_t size_bytes() const { return zip_.size_bytes(); }  // of the archive
  std::vector<std::string> keys() const;  // entry names without ".npy", in archive order
  bool has(std::string_view key) const;
  // Throws sgc::FormatError "<source>: no array 'key' (has: a, b, c)" if absent.
  NpyArray array(std::string_view key) const;
  // "<source>: entry '<key>.npy'": how errors about that array start.
  std::string where(std::string_view key) const;

  // The array's elements as T in C order, with its shape; errors name the entry.
  template <class T>
  pickle::DenseArray<T> values(std::string_view key) const {
    return npy_values<T>(array(key), where(key));
  }

  // A 2-D numeric array as a float matrix (npy_matrix).
  DenseMatrix matrix(std::string_view key) const { return npy_matrix(array(key), where(key)); }

 private:
  explicit NpzFile(ZipArchive zip) : zip_(std::move(zip)) {}
  ZipArchive zip_;
};

// A CSR matrix stored as numpy arrays <prefix>data, <prefix>indices,
// <prefix>indptr and <prefix>shape (the gnn-benchmark layout with prefix
// "adj_", the ppnp layout with "adj_matrix.", scipy save_npz with "").
// Unsorted or duplicate entries are sorted and summed, as scipy does.
CsrMatrix csr_from_npz(const NpzFile& f, const std::string& prefix);

// A matrix written by scipy.sparse.save_npz: 'format' (b'csr', b'csc' or
// b'coo'), 'shape', 'data' and indices/indptr or row/col. Returned as CSR.
// So that memory stays linear in the file size, a csc or coo matrix may
// have at most 2^20 + 16 rows per byte of the archive (csr rows are bounded
// by its indptr).
CsrMatrix load_scipy_sparse(const NpzFile& f);

}  // namespace sgc
