// .npz access (npz.h) and the sparse-matrix layouts stored in .npz files.
// scipy.sparse.save_npz (scipy/sparse/_matrix_io.py) stores format as a
// 0-d bytes array, shape as int64[2], and the matrix's own arrays.
#include "sgc/io/format/npz.h"

#include "sgc/error.h"
#include "sgc/util/printable.h"

namespace sgc {

NpzFile NpzFile::open(const std::string& path) { return NpzFile(ZipArchive::open(path)); }

NpzFile NpzFile::from_bytes(std::string bytes, const std::string& source) {
  return NpzFile(ZipArchive::from_bytes(FileBytes::from_string(std::move(bytes)), source));
}

std::vector<std::string> NpzFile::keys() const {
  std::vector<std::string> out;
  for (const ZipArchive::Entry& e : zip_.entries()) {
    std::string k = e.name;
    if (k.size() > 4 && k.compare(k.size() - 4, 4, ".npy") == 0) k.resize(k.size() - 4);
    out.push_back(std::move(k));
  }
  return out;
}

bool NpzFile::has(std::string_view key) const { return zip_.find(std::string(key) + ".npy") != nullptr; }

std::string NpzFile::where(std::string_view key) const { return source() + ": entry '" + printable(key) + ".npy'"; }

NpyArray NpzFile::array(std::string_view key) const {
  const ZipArchive::Entry* e = zip_.find(std::string(key) + ".npy");
  if (!e) {
    std::string known;
    for (const std::string& k : keys()) known += (known.empty() ? "" : ", ") + printable(k, 40);
    throw FormatError(source() + ": no array '" + printable(key) + "' (has: " + (known.empty() ? "nothing" : known) + ")");
  }
  return parse_npy(zip_.read(*e), where(key));
}

namespace {

// A 1-D array's single dimension, or an error naming the entry.
const pickle::NdArray& vector_of(const NpyArray& a, const std::string& where) {
  if (a.array.shape.size() != 1) {
    throw FormatError(where + ": expected a 1-D array, got shape " + a.shape_str());
  }
  return a.array;
}

std::pair<int64_t, int64_t> shape_of(const NpzFile& f, const std::string& key) {
  const auto shape = f.values<int64_t>(key);
  if (shape.data.size() != 2) throw FormatError(f.where(key) + ": expected 2 dimensions, got " + std::to_string(shape.data.size()));
  return {shape.data[0], shape.data[1]};
}

}  // namespace

CsrMatrix csr_from_npz(const NpzFile& f, const std::string& prefix) {
  const auto [rows, cols] = shape_of(f, prefix + "shape");
  const NpyArray data = f.array(prefix + "data"), indices = f.array(prefix + "indices"), indptr = f.array(prefix + "indptr");
  vector_of(data, f.where(prefix + "data"));
  vector_of(indices, f.where(prefix + "indices"));
  vector_of(indptr, f.where(prefix + "indptr"));
  return pickle::csr_from_arrays(rows, cols, data.array, indices.array, indptr.array,
                                 f.source() + " (" + prefix + "data/indices/indptr)");
}

CsrMatrix load_scipy_sparse(const NpzFile& f) {
  const std::string format = npy_text(f.array("format"), f.where("format"));
  if (format == "csr") return csr_from_npz(f, "");
  if (format != "csc" && format != "coo") {
    throw FormatError(f.where("format") + ": sparse format '" + printable(format) + "' is not supported (csr, csc or coo)");
  }
  const auto [rows, cols] = shape_of(f, "shape");
  if (rows > int64_t{1 << 20} + 16 * static_cast<int64_t>(f.size_bytes())) {
    throw FormatError(f.where("shape") + ": " + std::to_string(rows) + " rows is implausible for a " +
                      std::to_string(f.size_bytes()) + "-byte file");
  }
  if (format == "csc") {  // the CSR arrays of the transpose
    const NpyArray data = f.array("data"), indices = f.array("indices"), indptr = f.array("indptr");
    const CsrMatrix t = pickle::csr_from_arrays(cols, rows, data.array, indices.array, indptr.array,
                                                f.source() + " (csc data/indices/indptr)");
    std::vector<Triplet> tr;
    tr.reserve(static_cast<size_t>(t.nnz()));
    for (int64_t r = 0; r < t.rows; ++r)
      for (int64_t k = t.indptr[r]; k < t.indptr[r + 1]; ++k) tr.push_back({t.indices[k], int32_t(r), t.values[k]});
    return csr_from_triplets(rows, cols, std::move(tr), false);
  }
  const auto row = f.values<int64_t>("row"), col = f.values<int64_t>("col");
  const auto val = f.values<float>("data");
  if (row.data.size() != col.data.size() || row.data.size() != val.data.size()) {
    throw FormatError(f.source() + ": coo row/col/data have " + std::to_string(row.data.size()) + "/" +
                      std::to_string(col.data.size()) + "/" + std::to_string(val.data.size()) + " entries");
  }
  if (rows < 0 || cols < 0 || rows > INT32_MAX || cols > INT32_MAX) {
    throw FormatError(f.where("shape") + ": shape (" + std::to_string(rows) + ", " + std::to_string(cols) + ") out of range");
  }
  std::vector<Triplet> tr(row.data.size());
  for (size_t k = 0; k < tr.size(); ++k) {
    if (row.data[k] < 0 || row.data[k] >= rows || col.data[k] < 0 || col.data[k] >= cols) {
      throw FormatError(f.source() + ": coo entry " + std::to_string(k) + " (" + std::to_string(row.data[k]) + ", " +
                        std::to_string(col.data[k]) + ") outside the shape (" + std::to_string(rows) + ", " +
                        std::to_string(cols) + ")");
    }
    tr[k] = {int32_t(row.data[k]), int32_t(col.data[k]), val.data[k]};
  }
  CsrMatrix m = csr_from_triplets(rows, cols, std::move(tr), false);
  validate_csr(m, f.source().c_str());
  return m;
}

}  // namespace sgc
