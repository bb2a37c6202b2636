// The Python side of the pickle reader: the class whitelist and what REDUCE,
// NEWOBJ and BUILD make of each class, plus value helpers. Sources: numpy
// ndarray.__reduce__ / __setstate__ (numpy/core/src/multiarray/methods.c:
// _reconstruct(ndarray, (0,), b'b') then state (version=1, shape, dtype,
// is_fortran, rawdata)), dtype.__reduce__ / __setstate__ (descriptor.c:
// dtype(name, align, copy) then state (version 3|4, byteorder, subarray,
// names, fields, elsize, alignment, flags[, metadata])), scipy.sparse via
// copyreg.__newobj__ + __dict__, collections.defaultdict.__reduce__,
// Python 3's protocol-2 bytes encoding _codecs.encode(str, 'latin1'), and
// numpy's protocol-5 ndarray.__reduce_ex__ (_frombuffer(PickleBuffer, dtype,
// shape, order), the buffer written in-band as bytes or a bytearray).
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "sgc/io/format/pickle_internal.h"

namespace sgc::pickle {

const char* kind_name(Kind k) {
  static const char* const names[] = {"None", "bool", "int", "float", "bytes", "str", "tuple",
                                      "list", "dict", "class", "object", "ndarray", "dtype"};
  return names[static_cast<int>(k)];
}

const char* class_name(PyClass c) {
  static const char* const names[] = {"numpy.core.multiarray._reconstruct", "numpy.ndarray",
                                      "numpy.dtype", "scipy.sparse.csr_matrix",
                                      "collections.defaultdict", "list", "_codecs.encode",
                                      "numpy.core.multiarray.scalar", "numpy.core.numeric._frombuffer"};
  return names[static_cast<int>(c)];
}

std::string DType::str() const { return std::string(1, byteorder) + kind + std::to_string(itemsize); }

std::string_view Value::text() const { return is_string() ? node->text : std::string_view(); }

const Value* find(const Value& dict, std::string_view key) {
  const Node* n = nullptr;
  if (dict.is(Kind::Dict)) {
    n = dict.node;
  } else if (dict.is(Kind::Object) && dict.node->has_state) {
    n = dict.node->state.node;
  }
  if (!n) return nullptr;
  for (auto it = n->entries.rbegin(); it != n->entries.rend(); ++it) {
    if (it->first.is_string() && it->first.text() == key) return &it->second;
  }
  return nullptr;
}

namespace internal {

void build_error(std::string message) { throw BuildError{std::move(message)}; }

Value value_of(Node* n) {
  Value v;
  v.kind = n->kind;
  v.node = n;
  return v;
}

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 80)) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f && c != '\'') {
      out += c;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    }
  }
  if (s.size() > 80) out += "...";
  return out;
}

PyClass lookup_class(std::string_view module, std::string_view name) {
  struct Entry {
    const char* module;
    const char* name;
    PyClass cls;
  };
  static constexpr Entry kClasses[] = {
      {"numpy.core.multiarray", "_reconstruct", PyClass::NumpyReconstruct},
      {"numpy._core.multiarray", "_reconstruct", PyClass::NumpyReconstruct},
      {"numpy", "ndarray", PyClass::NumpyNdarray},
      {"numpy", "dtype", PyClass::NumpyDtype},
      {"scipy.sparse.csr", "csr_matrix", PyClass::ScipyCsrMatrix},
      {"scipy.sparse._csr", "csr_matrix", PyClass::ScipyCsrMatrix},
      {"scipy.sparse._csr", "csr_array", PyClass::ScipyCsrMatrix},
      {"scipy.sparse._arrays", "csr_array", PyClass::ScipyCsrMatrix},
      {"numpy.core.multiarray", "scalar", PyClass::NumpyScalar},
      {"numpy._core.multiarray", "scalar", PyClass::NumpyScalar},
      {"numpy.core.numeric", "_frombuffer", PyClass::NumpyFromBuffer},
      {"numpy._core.numeric", "_frombuffer", PyClass::NumpyFromBuffer},
      {"collections", "defaultdict", PyClass::Defaultdict},
      {"__builtin__", "list", PyClass::List},
      {"builtins", "list", PyClass::List},
      {"_codecs", "encode", PyClass::CodecsEncode},
  };
  for (const Entry& e : kClasses) {
    if (module == e.module && name == e.name) return e.cls;
  }
  if (module.rfind("scipy.sparse", 0) == 0)  // a COO / CSC / LIL ... matrix: the usual mistake, with its fix
    build_error("scipy.sparse class '" + printable(name) + "': only csr_matrix / csr_array are read (save the "
                "matrix with .tocsr())");
  build_error("unknown class '" + printable(module) + " " + printable(name) + "'");
}

namespace {

Node* expect(const Value& v, Kind k, const char* what) {
  if (v.kind != k) build_error(std::string(what) + " must be a " + kind_name(k) + ", got " + kind_name(v.kind));
  return v.node;
}

bool is_class(const Value& v, PyClass c) { return v.is(Kind::Class) && v.node->cls == c; }

// dtype(name, align, copy): name like 'f4' or '<f4'; BUILD sets the byte order.
Value make_dtype(Document::Arena& arena, const std::vector<Value>& args) {
  if (args.empty() || args.size() > 3 || !args[0].is_string()) build_error("dtype expects (name, align, copy)");
  std::string_view name = args[0].text();
  Node* n = arena.make(Kind::Dtype);
  DType& d = n->dtype;
  d.byteorder = '<';  // native (sgc requires a little-endian host)
  if (!name.empty() && (name[0] == '<' || name[0] == '>' || name[0] == '|' || name[0] == '=')) {
    if (name[0] == '>') d.byteorder = '>';
    name.remove_prefix(1);
  }
  static constexpr std::string_view kTypes[] = {"b1", "i1", "i2", "i4", "i8", "u1", "u2",
                                                 "u4", "u8", "f4", "f8", "O4", "O8"};
  bool ok = false;
  for (auto t : kTypes) ok = ok || name == t;
  if (!ok) build_error("unsupported numpy dtype '" + printable(args[0].text()) + "'");
  d.kind = name[0];
  d.itemsize = name[1] - '0';
  if (d.itemsize == 1 || d.kind == 'O') d.byteorder = '|';
  return value_of(n);
}

// _codecs.encode(u'...', 'latin1'): each UTF-8 code point < 256 becomes one byte.
Value latin1_bytes(Document::Arena& arena, const std::vector<Value>& args) {
  if (args.size() != 2 || !args[0].is(Kind::Str) || !args[1].is_string() ||
      (args[1].text() != "latin1" && args[1].text() != "latin-1")) {
    build_error("_codecs.encode expects (str, 'latin1')");
  }
  std::string_view s = args[0].text();
  if (s.size() > arena.owned_budget) build_error("decoded strings exceed the input size");
  arena.owned_budget -= s.size();
  std::string& out = arena.strings.emplace_back();
  out.reserve(s.size());
  for (size_t k = 0; k < s.size(); ++k) {
    auto c = static_cast<unsigned char>(s[k]);
    if (c < 0x80) {
      out += static_cast<char>(c);
    } else if ((c == 0xc2 || c == 0xc3) && k + 1 < s.size() &&
               (static_cast<unsigned char>(s[k + 1]) & 0xc0) == 0x80) {
      out += static_cast<char>(((c & 0x03) << 6) | (static_cast<unsigned char>(s[++k]) & 0x3f));
    } else {
      build_error("_codecs.encode: string is not latin-1");
    }
  }
  Node* n = arena.make(Kind::Bytes);
  n->text = out;
  return value_of(n);
}

// scalar(dtype, raw bytes): a numpy scalar such as np.int64(5) -> an Int,
// Float or Bool value.
Value numpy_scalar(const std::vector<Value>& args) {
  if (args.size() != 2 || !args[0].is(Kind::Dtype) || !args[1].is_string()) {
    build_error("scalar expects (numpy.dtype, bytes)");
  }
  const DType& d = args[0].node->dtype;
  std::string_view raw = args[1].text();
  if (d.kind == 'O' || raw.size() != static_cast<size_t>(d.itemsize)) {
    build_error("scalar of dtype " + d.str() + " has " + std::to_string(raw.size()) + " bytes");
  }
  uint64_t u = 0;  // the raw bytes as a little-endian integer
  for (int k = 0; k < d.itemsize; ++k) {
    const int byte = d.byteorder == '>' ? d.itemsize - 1 - k : k;
    u |= static_cast<uint64_t>(static_cast<unsigned char>(raw[byte])) << (8 * k);
  }
  Value v;
  if (d.kind == 'f') {
    v.kind = Kind::Float;
    if (d.itemsize == 4) {
      const auto bits = static_cast<uint32_t>(u);
      float f;
      std::memcpy(&f, &bits, 4);
      v.f = f;
    } else {
      std::memcpy(&v.f, &u, 8);
    }
    return v;
  }
  v.kind = d.kind == 'b' ? Kind::Bool : Kind::Int;
  if (d.kind == 'b') {
    v.i = u != 0;
  } else if (d.kind == 'i' && d.itemsize < 8 && (u >> (8 * d.itemsize - 1)) & 1) {
    v.i = static_cast<int64_t>(u | (~uint64_t{0} << (8 * d.itemsize)));  // sign-extend
  } else {
    if (d.kind == 'u' && u > static_cast<uint64_t>(INT64_MAX)) build_error("uint64 scalar does not fit in int64");
    v.i = static_cast<int64_t>(u);
  }
  return v;
}

void build_dtype(DType& d, const Value& state) {
  const auto& s = expect(state, Kind::Tuple, "dtype state")->items;
  if (s.size() != 8 && s.size() != 9) build_error("dtype state must have 8 or 9 fields");
  if (!s[0].is(Kind::Int) || (s[0].i != 3 && s[0].i != 4)) build_error("unsupported dtype state version");
  if (!s[1].is_string() || s[1].text().size() != 1) build_error("dtype byte order must be one character");
  if (!s[2].is(Kind::None) || !s[3].is(Kind::None) || !s[4].is(Kind::None)) {
    build_error("structured or sub-array dtypes are not supported");
  }
  char bo = s[1].text()[0];
  if (bo == '=') bo = '<';
  if (d.itemsize == 1 || d.kind == 'O') {
    if (bo != '|' && bo != '<' && bo != '>') build_error("bad dtype byte order");
    bo = '|';
  } else if (bo != '<' && bo != '>') {
    build_error("bad byte order '" + printable(s[1].text()) + "' for dtype " + d.str());
  }
  d.byteorder = bo;
}

void build_ndarray(Node& n, const Value& state) {
  NdArray& a = n.array;
  if (a.built) build_error("ndarray state set twice");
  const auto& s = expect(state, Kind::Tuple, "ndarray state")->items;
  size_t o = 0;  // (version, shape, dtype, fortran, data) or (shape, dtype, fortran, data)
  if (s.size() == 5) {
    if (!s[0].is(Kind::Int) || s[0].i != 1) build_error("unsupported ndarray state version");
    o = 1;
  } else if (s.size() != 4) {
    build_error("ndarray state must have 4 or 5 fields");
  }
  Node* shape = expect(s[o], Kind::Tuple, "ndarray shape");
  Node* dtype = expect(s[o + 1], Kind::Dtype, "ndarray dtype");
  if (!s[o + 2].is(Kind::Bool) && !s[o + 2].is(Kind::Int)) build_error("ndarray fortran flag must be a bool");
  const bool objects = dtype->dtype.kind == 'O';
  if (objects ? !s[o + 3].is(Kind::List) : !s[o + 3].is(Kind::Bytes)) {
    build_error(std::string("ndarray data of dtype ") + dtype->dtype.str() + " must be " +
                (objects ? "a list" : "bytes") + ", got " + kind_name(s[o + 3].kind));
  }
  if (shape->items.size() > 32) build_error("ndarray has more than 32 dimensions");
  a.dtype = dtype->dtype;
  a.shape.clear();
  uint64_t count = 1, nonzero = 1;  // the product of the non-zero dims stays <= 2^62
  for (const Value& dim : shape->items) {
    if (!dim.is(Kind::Int) || dim.i < 0) build_error("ndarray shape must hold non-negative ints");
    a.shape.push_back(dim.i);
    if (dim.i == 0) {
      count = 0;
      continue;
    }
    if (nonzero > (uint64_t{1} << 62) / static_cast<uint64_t>(dim.i)) build_error("ndarray shape too large");
    nonzero *= static_cast<uint64_t>(dim.i);
    count *= static_cast<uint64_t>(dim.i);
  }
  if (objects) {  // the elements are the list's items, in C or Fortran order
    const std::vector<Value>& items = s[o + 3].node->items;
    if (count != items.size()) {
      build_error("object ndarray holds " + std::to_string(items.size()) + " items, its shape needs " +
                  std::to_string(count));
    }
    n.items = items;
    a.fortran = s[o + 2].i != 0;
    a.data = {};
    a.built = true;
    return;
  }
  std::string_view data = s[o + 3].text();
  if (count > (uint64_t{1} << 60) || count * a.dtype.itemsize != data.size()) {
    build_error("ndarray data has " + std::to_string(data.size()) + " bytes, shape and dtype " + a.dtype.str() +
                " need " + std::to_string(count) + " x " + std::to_string(a.dtype.itemsize));
  }
  a.fortran = s[o + 2].i != 0;
  a.data = data;
  a.built = true;
}

}  // namespace

Value reduce(Document::Arena& arena, const Value& callable, const Value& args) {
  const PyClass cls = expect(callable, Kind::Class, "REDUCE callable")->cls;
  const auto& items = expect(args, Kind::Tuple, "REDUCE arguments")->items;
  switch (cls) {
    case PyClass::NumpyReconstruct:  // an empty ndarray; BUILD fills it in
      if (items.size() != 3 || !is_class(items[0], PyClass::NumpyNdarray)) {
        build_error("_reconstruct expects (numpy.ndarray, shape, typecode)");
      }
      return value_of(arena.make(Kind::NdArray));
    case PyClass::NumpyDtype:
      return make_dtype(arena, items);
    case PyClass::Defaultdict: {  // defaultdict(list) / defaultdict(None); SETITEMS fills it
      if (items.size() > 1 ||
          (items.size() == 1 && !items[0].is(Kind::None) && !is_class(items[0], PyClass::List))) {
        build_error("defaultdict factory must be list or None");
      }
      Node* n = arena.make(Kind::Dict);
      n->default_factory = items.size() == 1 && items[0].is(Kind::Class);
      return value_of(n);
    }
    case PyClass::List:
      if (!items.empty()) build_error("list() with arguments is not supported");
      return value_of(arena.make(Kind::List));
    case PyClass::CodecsEncode:
      return latin1_bytes(arena, items);
    case PyClass::NumpyScalar:
      return numpy_scalar(items);
    case PyClass::NumpyFromBuffer: {  // _frombuffer(buffer, dtype, shape, 'C' | 'F'): the array, built at once
      if (items.size() != 4 || !items[0].is(Kind::Bytes) || !items[1].is(Kind::Dtype) || !items[2].is(Kind::Tuple) ||
          !items[3].is_string() || (items[3].text() != "C" && items[3].text() != "F"))
        build_error("_frombuffer expects (buffer, numpy.dtype, shape, 'C' | 'F')");
      if (items[1].node->dtype.kind == 'O') build_error("_frombuffer of an object dtype");
      Node* state = arena.make(Kind::Tuple);
      Value fortran;
      fortran.kind = Kind::Bool;
      fortran.i = items[3].text() == "F";
      state->items = {items[2], items[1], fortran, items[0]};
      Node* array = arena.make(Kind::NdArray);
      build_ndarray(*array, value_of(state));
      return value_of(array);
    }
    default:
      build_error(std::string("cannot call ") + class_name(cls) + " with REDUCE");
  }
}

Value new_object(Document::Arena& arena, const Value& cls, const Value& args) {
  const PyClass c = expect(cls, Kind::Class, "NEWOBJ class")->cls;
  const auto& items = expect(args, Kind::Tuple, "NEWOBJ arguments")->items;
  if (c != PyClass::ScipyCsrMatrix) build_error(std::string("cannot instantiate ") + class_name(c) + " with NEWOBJ");
  if (!items.empty()) build_error("csr_matrix.__new__ takes no arguments");
  Node* n = arena.make(Kind::Object);
  n->cls = c;
  return value_of(n);
}

void build(const Value& target, const Value& state) {
  switch (target.kind) {
    case Kind::NdArray: build_ndarray(*target.node, state); return;
    case Kind::Dtype: build_dtype(target.node->dtype, state); return;
    case Kind::Object:  // csr_matrix: the state is its __dict__
      if (target.node->has_state) build_error("object state set twice");
      expect(state, Kind::Dict, "csr_matrix state");
      target.node->state = state;
      target.node->has_state = true;
      return;
    default:
      build_error(std::string("cannot BUILD a ") + kind_name(target.kind));
  }
}

}  // namespace internal
}  // namespace sgc::pickle
