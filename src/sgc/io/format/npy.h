// A reader for NumPy .npy arrays (one array per file; the entries of an .npz).
// Format source: numpy/lib/format.py (the .npy format, NEP 1): the magic
// "\x93NUMPY", version major.minor (1.0, 2.0 or 3.0), the header length
// (2 bytes little-endian in 1.0, 4 bytes in 2.0 / 3.0), then a header that is
// a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
// (ASCII; UTF-8 in 3.0) padded with spaces and a newline, then the raw data.
//
// Element types: bool (|b1), int8/16/32/64, uint8/16/32/64, float32/64 in
// either byte order, C or Fortran order; byte strings (|S<n>) and UCS-4 text
// (<U<n>) for reading short strings such as scipy's 'format' entry; and
// object arrays (|O), whose data is a pickle (read with pickle.h). Structured
// dtypes and other types are rejected. The data must be exactly
// prod(shape) * itemsize bytes.
// Errors are one-line sgc::FormatError starting with `source` and giving the
// byte offset, e.g. "x.npz: entry 'a.npy': npy header at offset 10: unsupported dtype '<c8'".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "sgc/dense.h"
#include "sgc/io/format/pickle.h"
#include "sgc/io/format/zip.h"

namespace sgc {

struct NpyArray {
  std::string descr;            // the dtype as written, e.g. "<f4", "|O", "<U3"
  pickle::NdArray array;        // dtype, shape, order; data views into `storage` (empty for |O)
  std::string_view object_pickle;  // |O only: the pickle after the header
  ByteRange storage;            // keeps the bytes alive

  bool is_object() const { return array.dtype.kind == 'O'; }
  int64_t size() const { return array.size(); }
  std::string shape_str() const;  // "(3, 4)" as numpy prints it
};

NpyArray parse_npy(ByteRange bytes, const std::string& source);
// Reads a whole .npy file; errors name the path.
NpyArray read_npy(const std::string& path);

// The elements in C order as T (int32_t, int64_t, float or double), with the
// range checks of pickle::to_dense. Object and string arrays are an error.
template <class T>
pickle::DenseArray<T> npy_values(const NpyArray& a, const std::string& source);

// A 2-D numeric array as a row-major float matrix (node features); C-order
// '<f4' data is copied as is, anything else converted element by element.
DenseMatrix npy_matrix(const NpyArray& a, const std::string& source);

// The text of a string array with one element (|S or <U with ASCII content),
// trailing NULs removed.
std::string npy_text(const NpyArray& a, const std::string& source);

// The pickle of an object array (|O), decoded.
pickle::Document npy_object(const NpyArray& a, const std::string& source);

// The .npy version 1.0 header (magic to newline, padded to 64 bytes) of a C
// order array; `descr` is e.g. "<f4", "<i8", "|b1", "|S3". The data
// (prod(shape) elements of that type) follows it.
std::string npy_header(const std::string& descr, const std::vector<int64_t>& shape);
// Header and data together.
std::string npy_bytes(const std::string& descr, const std::vector<int64_t>& shape, std::string_view data);

}  // namespace sgc
