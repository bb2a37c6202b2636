// A small, strict reader for Python pickles, so sgc can load the Planetoid
// `ind.*` files without Python. It decodes protocol 2 as written by Python 2
// cPickle, plus the protocol 3-5 opcodes for bytes, short strings, framing,
// MEMOIZE and STACK_GLOBAL. Only a whitelist of classes is recognised: numpy
// ndarray / dtype (via numpy.core.multiarray._reconstruct) including object
// arrays (dtype 'O', as np.save stores a pickled object: a 0-d object array
// whose element is the object), numpy scalars (numpy.core.multiarray.scalar),
// numpy.core.numeric._frombuffer (how numpy writes arrays at protocol 5, the
// buffer in-band), scipy.sparse csr_matrix / csr_array,
// collections.defaultdict, list (as a defaultdict factory) and
// _codecs.encode (how Python 3 writes bytes at protocol 2). Nothing is ever
// executed; every other GLOBAL is an error, and an out-of-band buffer
// (NEXT_BUFFER: pickle.dumps(..., buffer_callback=...)) too.
//
// Format sources: CPython Lib/pickletools.py (opcode reference) and
// Modules/_pickle.c; numpy ndarray.__reduce__/__setstate__ (state tuple
// (version, shape, dtype, is_fortran, rawdata)) and dtype.__reduce__/
// __setstate__ (state (version, byteorder, subarray, names, fields, elsize,
// alignment, flags[, metadata])); scipy.sparse pickles through
// object.__reduce_ex__(2): NEWOBJ(csr_matrix, ()) + BUILD(__dict__).
//
// Decoding is iterative (no recursion on nesting depth) and every length
// read from the input is checked against the bytes left before allocating,
// so memory use is linear in the input size. The decoded objects are
// counted as they are made and capped at 48 bytes per input byte plus 16 MiB
// (and at the memory budget, util/budget.h): a pickle of nested empty lists
// is refused, while the Planetoid graph files need about 15 and the array
// files about 1 byte per input byte. A FRAME longer than the rest of the
// input is an error.
// All errors are sgc::FormatError with a one-line message starting with the
// source name (usually the file path), e.g.
//   "ind.cora.x: truncated pickle at offset 1234 (SHORT_BINSTRING needs 57 bytes, 3 left)".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sgc/graph/csr.h"

namespace sgc::pickle {

enum class Kind : uint8_t {
  None, Bool, Int, Float, Bytes, Str, Tuple, List, Dict,
  Class,    // a whitelisted GLOBAL (callable / class reference)
  Object,   // an instance built with NEWOBJ (scipy csr_matrix), state set by BUILD
  NdArray,  // numpy.ndarray
  Dtype,    // numpy.dtype
};
const char* kind_name(Kind k);

// The GLOBALs a pickle may name.
enum class PyClass : uint8_t {
  NumpyReconstruct,  // numpy.core.multiarray._reconstruct (also numpy._core.multiarray)
  NumpyNdarray,      // numpy.ndarray
  NumpyDtype,        // numpy.dtype
  ScipyCsrMatrix,    // scipy.sparse.csr.csr_matrix (also scipy.sparse._csr, csr_array)
  Defaultdict,       // collections.defaultdict
  List,              // __builtin__.list / builtins.list
  CodecsEncode,      // _codecs.encode
  NumpyScalar,       // numpy.core.multiarray.scalar: scalar(dtype, bytes) -> int / float / bool
  NumpyFromBuffer,   // numpy.core.numeric._frombuffer(buffer, dtype, shape, order): protocol 5 arrays
};
const char* class_name(PyClass c);

// A numpy element type: byteorder '<', '>' or '|' (1-byte types), kind 'b'
// (bool), 'i' (signed), 'u' (unsigned), 'f' (float) or 'O' (Python objects;
// the elements are pickled values, see object_item), itemsize in bytes.
// The .npy reader (npy.h) also uses 'S' (bytes) and 'U' (UCS-4 text).
struct DType {
  char byteorder = '|';
  char kind = 'b';
  int itemsize = 1;
  std::string str() const;  // numpy's dtype.str, e.g. "<f4", "|b1"
};

struct NdArray {
  DType dtype;
  std::vector<int64_t> shape;
  bool fortran = false;    // column-major raw data
  std::string_view data;   // raw element bytes, owned by the Document (empty for 'O': the
                           // elements are the Node's items)
  bool built = false;      // BUILD has set shape/dtype/data
  int64_t size() const;    // number of elements
};

struct Node;

// A decoded value. Scalars are held inline; everything else points to a Node
// owned by the Document (several Values may share one Node, like references
// to one Python object; cycles are possible and harmless).
struct Value {
  Kind kind = Kind::None;
  union {
    int64_t i = 0;  // Bool (0/1), Int
    double f;       // Float
  };
  Node* node = nullptr;

  bool is(Kind k) const { return kind == k; }
  bool is_string() const { return kind == Kind::Bytes || kind == Kind::Str; }
  std::string_view text() const;  // Bytes / Str contents; empty otherwise
};

struct Node {
  Kind kind = Kind::None;
  PyClass cls = PyClass::List;               // Class, Object
  std::string_view text;                     // Bytes, Str
  std::vector<Value> items;                  // Tuple, List; Object: NEWOBJ args
  std::vector<std::pair<Value, Value>> entries;  // Dict, in insertion order
  bool default_factory = false;              // Dict made by defaultdict(list)
  Value state;                               // Object: the BUILD state
  bool has_state = false;
  DType dtype;                               // Dtype
  NdArray array;                             // NdArray
};

// Owns the input bytes (a copy, or a read-only mapping of the file) and every
// Node; movable, not copyable. Values (and string_views into them) are valid
// while their Document lives.
class Document {
 public:
  Document(Document&&) noexcept;
  Document& operator=(Document&&) noexcept;
  ~Document();

  const Value& root() const { return root_; }
  const std::string& source() const { return source_; }

  struct Arena;  // storage; defined in pickle_internal.h

 private:
  Document();
  static Document decode(std::unique_ptr<Arena> arena, const std::string& source);
  friend Document parse(std::string bytes, const std::string& source);
  friend Document parse_shared(std::shared_ptr<const void> owner, std::string_view bytes, const std::string& source);
// The same without a copy: `bytes` stay valid while `owner` lives, and the
// Document keeps `owner` alive.
Document parse_shared(std::shared_ptr<const void> owner, std::string_view bytes, const std::string& source);
  friend Document read_file(const std::string& path);
  std::string source_;
  std::unique_ptr<Arena> arena_;
  Value root_;
};

// Decodes one complete pickle (exactly one STOP, no trailing bytes). `source`
// starts every error message.
Document parse(std::string bytes, const std::string& source);
// The same without a copy: `bytes` stay valid while `owner` lives, and the
// Document keeps `owner` alive.
Document parse_shared(std::shared_ptr<const void> owner, std::string_view bytes, const std::string& source);
// Maps (or reads) the whole file, then parses it; errors start with `path`.
// Throws sgc::FileError "<path>: cannot open (<strerror>)" if it cannot be
// opened, "<path>: cannot read (<strerror>)" if it cannot be read.
Document read_file(const std::string& path);

// Looks up a string key in a Dict (or the state Dict of an Object); the last
// matching entry wins, as in Python. Returns nullptr if absent.
const Value* find(const Value& dict, std::string_view key);

// Conversions; `source` starts error messages. All throw sgc::FormatError.

// A scipy csr_matrix object (state dict with data/indices/indptr/_shape;
// float or integer data, int32/int64 indices and indptr). Unsorted or
// duplicate column indices within a row are sorted and summed, as scipy does.
// release_copied: the arrays' bytes are read by nobody else (ByteRange::
// exclusive), so each array's pages go back to the kernel once it is copied
// and a large member is never held twice.
CsrMatrix to_csr(const Value& v, const std::string& source, bool release_copied = false);

// A numpy array as elements of type T in C (row-major) order. Integer T needs
// an integer or bool dtype with every value in T's range; float T accepts any
// numeric dtype. T is one of int32_t, int64_t, float, double.
// The same from the three CSR arrays and the shape (e.g. read from an .npz).
CsrMatrix csr_from_arrays(int64_t rows, int64_t cols, const NdArray& data, const NdArray& indices,
                          const NdArray& indptr, const std::string& source, bool release_copied = false);

template <class T>
struct DenseArray {
  std::vector<int64_t> shape;
  std::vector<T> data;
};
template <class T>
DenseArray<T> to_dense(const Value& v, const std::string& source);
// The same for an array that did not come from a pickle (npy.h).
template <class T>
DenseArray<T> to_dense(const NdArray& a, const std::string& source);

// The single element of a numpy object array of size 1 (ndarray.item()), such
// as the 0-d array np.save / np.savez write for a pickled object.
const Value& object_item(const Value& v, const std::string& source);

// A dict / defaultdict of int -> list (or tuple) of int, flattened: the
// neighbours of keys[k] are neighbors[offsets[k] .. offsets[k+1]). Keys keep
// their pickle order; duplicate keys are an error.
struct AdjacencyLists {
  std::vector<int64_t> keys;
  std::vector<int64_t> offsets{0};
  std::vector<int64_t> neighbors;
};
AdjacencyLists to_adjacency_lists(const Value& v, const std::string& source);

}  // namespace sgc::pickle
