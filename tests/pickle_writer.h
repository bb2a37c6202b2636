// Test helper: writes Python pickles byte by byte (protocol 2, the opcode
// sequences Python 2 cPickle emits for numpy arrays, scipy csr_matrix and
// defaultdict(list); see src/sgc/io/format/pickle.h), so tests can build
// small or deliberately broken inputs without Python.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

namespace sgc::testing {

class PickleWriter {
 public:
  PickleWriter& op(uint8_t c) { out_ += static_cast<char>(c); return *this; }
  PickleWriter& raw(std::string_view s) { out_ += s; return *this; }
  PickleWriter& proto(int v = 2) { return op(0x80).op(static_cast<uint8_t>(v)); }
  PickleWriter& global(std::string_view module, std::string_view name) {
    return op('c').raw(module).raw("\n").raw(name).raw("\n");
  }
  template <class T>
  PickleWriter& le(T v) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out_.append(b, sizeof(T));
    return *this;
  }
  PickleWriter& binint(int32_t v) { return op('J').le(v); }
  PickleWriter& binint1(uint8_t v) { return op('K').le(v); }
  PickleWriter& binint2(uint16_t v) { return op('M').le(v); }
  PickleWriter& long1(int64_t v) { return op(0x8a).le(uint8_t{8}).le(v); }
  // The smallest encoding, as cPickle chooses it.
  PickleWriter& integer(int64_t v) {
    if (v >= 0 && v < 256) return binint1(static_cast<uint8_t>(v));
    if (v >= 0 && v < 65536) return binint2(static_cast<uint16_t>(v));
    if (v >= INT32_MIN && v <= INT32_MAX) return binint(static_cast<int32_t>(v));
    return long1(v);
  }
  PickleWriter& binfloat(double d) {
    uint64_t u;
    std::memcpy(&u, &d, 8);
    return op('G').le(__builtin_bswap64(u));
  }
  PickleWriter& str(std::string_view s) {  // Python 2 str
    if (s.size() < 256) return op('U').le(static_cast<uint8_t>(s.size())).raw(s);
    return op('T').le(static_cast<int32_t>(s.size())).raw(s);
  }
  PickleWriter& unicode(std::string_view s) { return op('X').le(static_cast<uint32_t>(s.size())).raw(s); }
  PickleWriter& put(uint32_t i) { return i < 256 ? op('q').le(static_cast<uint8_t>(i)) : op('r').le(i); }
  PickleWriter& get(uint32_t i) { return i < 256 ? op('h').le(static_cast<uint8_t>(i)) : op('j').le(i); }
  PickleWriter& mark() { return op('('); }
  PickleWriter& tuple() { return op('t'); }
  PickleWriter& tuple1() { return op(0x85); }
  PickleWriter& tuple2() { return op(0x86); }
  PickleWriter& tuple3() { return op(0x87); }
  PickleWriter& empty_tuple() { return op(')'); }
  PickleWriter& empty_list() { return op(']'); }
  PickleWriter& append() { return op('a'); }
  PickleWriter& appends() { return op('e'); }
  PickleWriter& empty_dict() { return op('}'); }
  PickleWriter& setitem() { return op('s'); }
  PickleWriter& setitems() { return op('u'); }
  PickleWriter& reduce() { return op('R'); }
  PickleWriter& newobj() { return op(0x81); }
  PickleWriter& build() { return op('b'); }
  PickleWriter& none() { return op('N'); }
  PickleWriter& boolean(bool b) { return op(b ? 0x88 : 0x89); }
  PickleWriter& stop() { return op('.'); }

  // numpy.dtype(name) with byte order `order` ('<', '>' or '|').
  PickleWriter& dtype(std::string_view name, char order) {
    global("numpy", "dtype").str(name).binint1(0).binint1(1).tuple3().reduce();
    mark().binint1(3).str(std::string(1, order)).none().none().none().binint(-1).binint(-1).binint1(0);
    return tuple().build();
  }
  // An ndarray exactly as numpy's __reduce__ pickles it.
  PickleWriter& ndarray(std::string_view dtype_name, char order, const std::vector<int64_t>& shape,
                        std::string_view data, bool fortran = false) {
    global("numpy.core.multiarray", "_reconstruct").global("numpy", "ndarray");
    binint1(0).tuple1().str("b").tuple3().reduce();
    mark().binint1(1).mark();
    for (int64_t d : shape) integer(d);
    tuple().dtype(dtype_name, order).boolean(fortran).str(data).tuple();
    return build();
  }
  // A scipy csr_matrix with the state dict keys in cPickle's order.
  PickleWriter& csr(int64_t rows, int64_t cols, std::string_view data_dtype, std::string_view data,
                    std::string_view index_dtype, std::string_view indices, std::string_view indptr) {
    const int64_t nnz = static_cast<int64_t>(indices.size() / (index_dtype.back() - '0'));
    const int64_t nptr = static_cast<int64_t>(indptr.size() / (index_dtype.back() - '0'));
    global("scipy.sparse.csr", "csr_matrix").empty_tuple().newobj().empty_dict().mark();
    str("format").str("csr");
    str("_shape").integer(rows).integer(cols).tuple2();
    str("indptr").ndarray(index_dtype, '<', {nptr}, indptr);
    str("_cs_matrix__has_sorted_indices").boolean(true);
    str("indices").ndarray(index_dtype, '<', {nnz}, indices);
    str("maxprint").binint1(50);
    str("data").ndarray(data_dtype, data_dtype.back() == '1' ? '|' : '<',
                        {static_cast<int64_t>(data.size() / (data_dtype.back() - '0'))}, data);
    return setitems().build();
  }
  // collections.defaultdict(list) of int -> list of int.
  PickleWriter& graph(const std::vector<std::vector<int64_t>>& adj) {
    global("collections", "defaultdict").global("__builtin__", "list").tuple1().reduce().mark();
    for (size_t k = 0; k < adj.size(); ++k) {
      integer(static_cast<int64_t>(k)).empty_list().mark();
      for (int64_t v : adj[k]) integer(v);
      appends();
    }
    return setitems();
  }

  const std::string& bytes() const { return out_; }

 private:
  std::string out_;
};

template <class T>
std::string raw_bytes(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

// A complete pickle of a float32 csr_matrix with int32 indices.
inline std::string csr_pickle(int64_t rows, int64_t cols, const std::vector<float>& data,
                              const std::vector<int32_t>& indices, const std::vector<int32_t>& indptr) {
  PickleWriter w;
  w.proto().csr(rows, cols, "f4", raw_bytes(data), "i4", raw_bytes(indices), raw_bytes(indptr)).stop();
  return w.bytes();
}

// A complete pickle of an int32 one-hot label matrix (label -1 -> zero row).
inline std::string onehot_pickle(int64_t classes, const std::vector<int32_t>& labels) {
  std::vector<int32_t> m(labels.size() * classes, 0);
  for (size_t r = 0; r < labels.size(); ++r) {
    if (labels[r] >= 0) m[r * classes + labels[r]] = 1;
  }
  PickleWriter w;
  w.proto().ndarray("i4", '<', {static_cast<int64_t>(labels.size()), classes}, raw_bytes(m)).stop();
  return w.bytes();
}

inline std::string graph_pickle(const std::vector<std::vector<int64_t>>& adj) {
  PickleWriter w;
  w.proto().graph(adj).stop();
  return w.bytes();
}

inline void write_file(const std::string& path, std::string_view bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace sgc::testing
