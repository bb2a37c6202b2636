// The .npy reader and writer (npy.h). Header grammar accepted (a subset of
// Python literal syntax, what numpy's format.py writes):
//   dict  := '{' [ key ':' value { ',' key ':' value } [','] ] '}'
//   key   := a quoted string;  value := string | True | False | tuple
//   tuple := '(' [ int { ',' int } [','] ] ')'   (ints may end in 'L', Python 2)
#include "sgc/io/format/npy.h"

#include <charconv>
#include <cstring>

#include "sgc/error.h"
#include "sgc/util/printable.h"

namespace sgc {
namespace {

constexpr std::string_view kMagic("\x93NUMPY", 6);

struct Header {
  std::string descr;
  bool fortran = false;
  std::vector<int64_t> shape;
};

class HeaderParser {
 public:
  HeaderParser(std::string_view text, size_t base, const std::string& source)
      : s_(text), base_(base), source_(source) {}

  Header parse() {
    Header h;
    bool have_descr = false, have_order = false, have_shape = false;
    expect('{');
    for (;;) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = quoted();
      expect(':');
      skip_space();
      if (key == "descr") {
        if (peek() == '[') fail("structured dtypes (a descr list) are not supported");
        h.descr = quoted();
        have_descr = true;
      } else if (key == "fortran_order") {
        h.fortran = boolean();
        have_order = true;
      } else if (key == "shape") {
        h.shape = tuple();
        have_shape = true;
      } else {
        fail("unexpected key '" + printable(key) + "'");
      }
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != '}') fail("expected ',' or '}'");
    }
    ++pos_;
    skip_space();
    if (pos_ != s_.size()) fail("unexpected text after the header dict");
    if (!have_descr || !have_order || !have_shape) fail("the header must have 'descr', 'fortran_order' and 'shape'");
    return h;
  }

  [[noreturn]] void fail(const std::string& msg) const {
    throw FormatError(source_ + ": npy header at offset " + std::to_string(base_ + pos_) + ": " + msg);
  }

 private:
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t' || s_[pos_] == '\r')) ++pos_;
  }
  void expect(char c) {
    skip_space();
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string quoted() {
    skip_space();
    const char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted string");
    const size_t end = s_.find(q, pos_ + 1);
    if (end == std::string_view::npos || end - pos_ > 64) fail("unterminated or overlong string");
    std::string out(s_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return out;
  }
  bool boolean() {
    if (s_.substr(pos_, 4) == "True") return pos_ += 4, true;
    if (s_.substr(pos_, 5) == "False") return pos_ += 5, false;
    fail("fortran_order must be True or False");
  }
  std::vector<int64_t> tuple() {
    std::vector<int64_t> dims;
    expect('(');
    for (;;) {
      skip_space();
      if (peek() == ')') break;
      int64_t v = -1;
      const auto [p, ec] = std::from_chars(s_.data() + pos_, s_.data() + s_.size(), v);
      if (ec != std::errc() || v < 0) fail("shape must hold non-negative integers");
      pos_ = static_cast<size_t>(p - s_.data());
      if (peek() == 'L') ++pos_;
      dims.push_back(v);
      if (dims.size() > 32) fail("more than 32 dimensions");
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != ')') fail("expected ',' or ')' in the shape");
    }
    ++pos_;
    return dims;
  }

  std::string_view s_;
  size_t base_;
  size_t pos_ = 0;
  const std::string& source_;
};

// descr -> dtype; false if the type is not supported.
bool parse_descr(const std::string& descr, pickle::DType& d) {
  std::string_view s = descr;
  char order = '=';
  if (!s.empty() && (s[0] == '<' || s[0] == '>' || s[0] == '|' || s[0] == '=')) {
    order = s[0];
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
  const char kind = s[0];
  s.remove_prefix(1);
  int64_t n = 0;
  if (!s.empty()) {
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || p != s.data() + s.size() || n <= 0 || n > (1 << 20)) return false;
  }
  d.kind = kind;
  d.byteorder = order == '>' ? '>' : '<';
  switch (kind) {
    case 'b': if (n != 1) return false; break;
    case 'i': case 'u': if (n != 1 && n != 2 && n != 4 && n != 8) return false; break;
    case 'f': if (n != 4 && n != 8) return false; break;
    case 'S': if (n == 0) return false; break;
    case 'U': if (n == 0) return false; n *= 4; break;
    case 'O': if (n != 0 && n != 8) return false; n = 8; break;
    default: return false;
  }
  d.itemsize = static_cast<int>(n);
  if (n == 1 || kind == 'S' || kind == 'O') d.byteorder = '|';
  return true;
}

}  // namespace

std::string NpyArray::shape_str() const {
  std::string s = "(";
  for (size_t k = 0; k < array.shape.size(); ++k) {
    if (k) s += ", ";
    s += std::to_string(array.shape[k]);
  }
  return s + (array.shape.size() == 1 ? ",)" : ")");
}

NpyArray parse_npy(ByteRange bytes, const std::string& source) {
  const std::string_view b = bytes.bytes;
  auto fail = [&source](size_t offset, const std::string& msg) {
    throw FormatError(source + ": npy at offset " + std::to_string(offset) + ": " + msg);
  };
  if (b.size() < 10 || b.substr(0, 6) != kMagic) fail(0, "not a .npy array (bad magic)");
  const int major = static_cast<unsigned char>(b[6]);
  if (major < 1 || major > 3) fail(6, "unsupported .npy version " + std::to_string(major));
  size_t header_len, start;
  if (major == 1) {
    header_len = static_cast<unsigned char>(b[8]) | (static_cast<size_t>(static_cast<unsigned char>(b[9])) << 8);
    start = 10;
  } else {
    if (b.size() < 12) fail(8, "truncated header length");
    uint32_t n;
    std::memcpy(&n, b.data() + 8, 4);
    header_len = n;
    start = 12;
  }
  if (header_len > b.size() - start) {
    fail(start, "truncated: header of " + std::to_string(header_len) + " bytes, " + std::to_string(b.size() - start) + " left");
  }
  HeaderParser parser(b.substr(start, header_len), start, source);
  const Header h = parser.parse();
  NpyArray a;
  a.descr = h.descr;
  a.storage = bytes;
  if (!parse_descr(h.descr, a.array.dtype)) fail(start, "unsupported dtype '" + printable(h.descr) + "'");
  a.array.shape = h.shape;
  a.array.fortran = h.fortran;
  a.array.built = true;
  uint64_t count = 1;
  for (int64_t d : h.shape) {
    if (d != 0 && count > (uint64_t{1} << 62) / static_cast<uint64_t>(d)) fail(start, "shape too large");
    count *= static_cast<uint64_t>(d);
  }
  const size_t data_at = start + header_len;
  const std::string_view data = b.substr(data_at);
  if (a.is_object()) {
    if (data.empty()) fail(data_at, "object array without a pickle");
    a.object_pickle = data;
    return a;
  }
  const uint64_t itemsize = static_cast<uint64_t>(a.array.dtype.itemsize);
  if (count > (uint64_t{1} << 62) / itemsize || count * itemsize != data.size()) {
    fail(data_at, "shape " + a.shape_str() + " of " + printable(h.descr) + " needs " +
                      (count > (uint64_t{1} << 62) / itemsize ? std::string("too many") : std::to_string(count * itemsize)) +
                      " data bytes, found " + std::to_string(data.size()));
  }
  a.array.data = data;
  return a;
}

NpyArray read_npy(const std::string& path) {
  ByteRange r;
  r.owner = FileBytes::open(path);
  r.bytes = r.owner->bytes();
  return parse_npy(r, path);
}

template <class T>
pickle::DenseArray<T> npy_values(const NpyArray& a, const std::string& source) {
  const char k = a.array.dtype.kind;
  if (k == 'O' || k == 'S' || k == 'U') {
    throw FormatError(source + ": expected a numeric array, got dtype '" + printable(a.descr) + "'");
  }
  return pickle::to_dense<T>(a.array, source);
}
template pickle::DenseArray<int32_t> npy_values<int32_t>(const NpyArray&, const std::string&);
template pickle::DenseArray<int64_t> npy_values<int64_t>(const NpyArray&, const std::string&);
template pickle::DenseArray<float> npy_values<float>(const NpyArray&, const std::string&);
template pickle::DenseArray<double> npy_values<double>(const NpyArray&, const std::string&);

DenseMatrix npy_matrix(const NpyArray& a, const std::string& source) {
  const auto& shape = a.array.shape;
  if (shape.size() != 2) {
    throw FormatError(source + ": expected a 2-D matrix, got shape " + a.shape_str());
  }
  const pickle::DType& d = a.array.dtype;
  if (d.kind == 'f' && d.itemsize == 4 && d.byteorder == '<' && (!a.array.fortran || shape[0] <= 1 || shape[1] <= 1)) {
    DenseMatrix m(shape[0], shape[1]);
    if (m.size() > 0) std::memcpy(m.data(), a.array.data.data(), static_cast<size_t>(m.size()) * 4);
    return m;
  }
  const auto v = npy_values<float>(a, source);
  return Eigen::Map<const DenseMatrix>(v.data.data(), shape[0], shape[1]);
}

std::string npy_text(const NpyArray& a, const std::string& source) {
  const char k = a.array.dtype.kind;
  if ((k != 'S' && k != 'U') || a.size() != 1) {
    throw FormatError(source + ": expected one string, got dtype '" + printable(a.descr) + "' shape " + a.shape_str());
  }
  std::string out;
  const std::string_view d = a.array.data;
  if (k == 'S') {
    out.assign(d);
  } else {  // UCS-4: keep ASCII code points
    const bool big = a.array.dtype.byteorder == '>';
    for (size_t i = 0; i + 4 <= d.size(); i += 4) {
      const auto byte = [&](int j) { return static_cast<uint32_t>(static_cast<unsigned char>(d[i + j])); };
      const uint32_t c = big ? (byte(0) << 24 | byte(1) << 16 | byte(2) << 8 | byte(3))
                             : (byte(3) << 24 | byte(2) << 16 | byte(1) << 8 | byte(0));
      if (c >= 0x80) throw FormatError(source + ": string holds a non-ASCII character");
      out += static_cast<char>(c);
    }
  }
  while (!out.empty() && out.back() == '\0') out.pop_back();
  return out;
}

pickle::Document npy_object(const NpyArray& a, const std::string& source) {
  if (!a.is_object()) throw FormatError(source + ": expected an object array (|O), got dtype '" + printable(a.descr) + "'");
  // No copy where the bytes have an owner: the pickle is usually most of a
  // large member (a sparse matrix).
  if (!a.storage.owner) return pickle::parse(std::string(a.object_pickle), source);
  return pickle::parse_shared(a.storage.owner, a.object_pickle, source);
}

std::string npy_bytes(const std::string& descr, const std::vector<int64_t>& shape, std::string_view data) {
  std::string out = npy_header(descr, shape);
  out.append(data);
  return out;
}

std::string npy_header(const std::string& descr, const std::vector<int64_t>& shape) {
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (";
  for (size_t k = 0; k < shape.size(); ++k) header += std::to_string(shape[k]) + (shape.size() == 1 || k + 1 < shape.size() ? ", " : "");
  if (shape.size() == 1) header.resize(header.size() - 1);
  header += "), }";
  const size_t total = 10 + header.size() + 1;  // magic, version, length, header, '\n'
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out(kMagic);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  return out;
}

}  // namespace sgc
