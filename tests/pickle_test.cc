// Tests for the strict pickle reader (src/sgc/io/format/pickle.h): values,
// numpy arrays, csr matrices and graph dicts from hand-built pickles, every error
// class, and all 21 real Planetoid pickles.
#include "sgc/io/format/pickle.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "pickle_writer.h"
#include "sgc/error.h"
#include "sgc/io/format/file_bytes.h"
#include "test_util.h"

namespace sgc {
namespace {

using pickle::Kind;
using testing::PickleWriter;
using testing::raw_bytes;

pickle::Document parse(const PickleWriter& w) { return pickle::parse(w.bytes(), "mem.pkl"); }

// Expects FormatError whose message starts with "mem.pkl: " and contains `part`.
void expect_error(const std::string& bytes, const std::string& part) {
  try {
    pickle::parse(bytes, "mem.pkl");
    ADD_FAILURE() << "no error, expected '" << part << "'";
  } catch (const FormatError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("mem.pkl: ", 0), 0u) << msg;
    EXPECT_NE(msg.find(part), std::string::npos) << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(Pickle, Scalars) {
  PickleWriter w;
  w.proto().mark().none().boolean(true).boolean(false).binint(-7).binint1(200).binint2(60000);
  w.long1(-5000000000LL).binfloat(2.5).str("abc").unicode("h\xc3\xa9").tuple().stop();
  auto doc = parse(w);
  const auto& t = doc.root();
  ASSERT_TRUE(t.is(Kind::Tuple));
  const auto& v = t.node->items;
  ASSERT_EQ(v.size(), 10u);
  EXPECT_TRUE(v[0].is(Kind::None));
  EXPECT_TRUE(v[1].is(Kind::Bool) && v[1].i == 1);
  EXPECT_TRUE(v[2].is(Kind::Bool) && v[2].i == 0);
  EXPECT_EQ(v[3].i, -7);
  EXPECT_EQ(v[4].i, 200);
  EXPECT_EQ(v[5].i, 60000);
  EXPECT_EQ(v[6].i, -5000000000LL);
  EXPECT_EQ(v[7].f, 2.5);
  EXPECT_TRUE(v[8].is(Kind::Bytes) && v[8].text() == "abc");
  EXPECT_TRUE(v[9].is(Kind::Str) && v[9].text() == "h\xc3\xa9");
}

TEST(Pickle, Long1ShortEncodings) {
  // LONG1 with 1..3 bytes, sign-extended; 0 bytes is 0.
  PickleWriter w;
  w.proto().mark();
  w.op(0x8a).le(uint8_t{0});
  w.op(0x8a).le(uint8_t{1}).le(uint8_t{0xff});
  w.op(0x8a).le(uint8_t{2}).le(uint16_t{0x7fff});
  w.tuple().stop();
  auto doc = parse(w);
  const auto& v = doc.root().node->items;
  EXPECT_EQ(v[0].i, 0);
  EXPECT_EQ(v[1].i, -1);
  EXPECT_EQ(v[2].i, 32767);
  PickleWriter big;
  big.proto().op(0x8a).le(uint8_t{9}).raw(std::string(9, '\1')).stop();
  expect_error(big.bytes(), "does not fit in 64 bits");
}

TEST(Pickle, ContainersAndMemoShareObjects) {
  PickleWriter w;
  // d = {'a': [1, 2], 'b': <same list>}; then append 3 through the memo.
  w.proto().empty_dict().put(0).mark().str("a").empty_list().put(1).mark().binint1(1).binint1(2).appends();
  w.str("b").get(1).setitems().get(1).binint1(3).append().op('0').stop();  // '0' = POP
  auto doc = parse(w);
  const pickle::Value* a = pickle::find(doc.root(), "a");
  const pickle::Value* b = pickle::find(doc.root(), "b");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->node, b->node);
  ASSERT_EQ(a->node->items.size(), 3u);
  EXPECT_EQ(a->node->items[2].i, 3);
  EXPECT_EQ(pickle::find(doc.root(), "c"), nullptr);
}

TEST(Pickle, SelfReferenceIsHarmless) {
  PickleWriter w;  // l = []; l.append(l)
  w.proto().empty_list().put(0).get(0).append().stop();
  auto doc = parse(w);
  EXPECT_EQ(doc.root().node->items[0].node, doc.root().node);
  EXPECT_THROW(pickle::to_adjacency_lists(doc.root(), "x"), FormatError);
  EXPECT_THROW(pickle::to_csr(doc.root(), "x"), FormatError);
  EXPECT_THROW(pickle::to_dense<float>(doc.root(), "x"), FormatError);
}

TEST(Pickle, Protocol4Opcodes) {
  // FRAME, SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL, SHORT_BINBYTES, BINBYTES.
  PickleWriter body;
  body.op(0x8c).le(uint8_t{11}).raw("collections").op(0x94);
  body.op(0x8c).le(uint8_t{11}).raw("defaultdict").op(0x94).op(0x93).op(0x94);
  body.none().tuple1().reduce().op(0x94);
  body.op(0x8c).le(uint8_t{1}).raw("k").op('C').le(uint8_t{2}).raw("xy").setitem();
  body.op(0x8c).le(uint8_t{1}).raw("m").op('B').le(uint32_t{3}).raw("pqr").setitem().stop();
  PickleWriter w;
  w.proto(4).op(0x95).le(uint64_t{body.bytes().size()}).raw(body.bytes());
  auto doc = parse(w);
  ASSERT_TRUE(doc.root().is(Kind::Dict));
  EXPECT_FALSE(doc.root().node->default_factory);
  EXPECT_EQ(pickle::find(doc.root(), "k")->text(), "xy");
  EXPECT_EQ(pickle::find(doc.root(), "m")->text(), "pqr");
}

TEST(Pickle, NdarrayTypes) {
  {
    PickleWriter w;
    std::vector<float> f = {1.5f, -2.0f, 0.0f, 4.0f, 5.0f, 6.0f};
    w.proto().ndarray("f4", '<', {2, 3}, raw_bytes(f)).stop();
    auto doc = parse(w);
    EXPECT_EQ(doc.root().node->array.dtype.str(), "<f4");
    auto d = pickle::to_dense<double>(doc.root(), "a");
    EXPECT_EQ(d.shape, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(d.data[1], -2.0);
    EXPECT_THROW(pickle::to_dense<int32_t>(doc.root(), "a"), FormatError);  // float -> int refused
  }
  {  // big-endian int32
    PickleWriter w;
    std::vector<uint32_t> be = {__builtin_bswap32(7u), __builtin_bswap32(static_cast<uint32_t>(-3))};
    w.proto().ndarray("i4", '>', {2}, raw_bytes(be)).stop();
    auto d = pickle::to_dense<int64_t>(parse(w).root(), "a");
    EXPECT_EQ(d.data, (std::vector<int64_t>{7, -3}));
  }
  {  // bool and int8 (byte order '|')
    PickleWriter w;
    w.proto().mark().ndarray("b1", '|', {3}, std::string("\1\0\2", 3)).ndarray("i1", '|', {2}, "\xff\x05");
    w.tuple().stop();
    auto doc = parse(w);
    EXPECT_EQ(doc.root().node->items[0].node->array.dtype.str(), "|b1");
    EXPECT_EQ(pickle::to_dense<int32_t>(doc.root().node->items[0], "a").data, (std::vector<int32_t>{1, 0, 1}));
    EXPECT_EQ(pickle::to_dense<int32_t>(doc.root().node->items[1], "a").data, (std::vector<int32_t>{-1, 5}));
  }
  {  // Fortran order 2x3 -> C order
    PickleWriter w;
    std::vector<int64_t> col_major = {1, 4, 2, 5, 3, 6};
    w.proto().ndarray("i8", '<', {2, 3}, raw_bytes(col_major), true).stop();
    auto d = pickle::to_dense<int64_t>(parse(w).root(), "a");
    EXPECT_EQ(d.data, (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
  }
  {  // int64 value outside int32
    PickleWriter w;
    std::vector<int64_t> v = {1LL << 40};
    w.proto().ndarray("i8", '<', {1}, raw_bytes(v)).stop();
    auto doc = parse(w);
    EXPECT_THROW(pickle::to_dense<int32_t>(doc.root(), "a"), FormatError);
    EXPECT_EQ(pickle::to_dense<int64_t>(doc.root(), "a").data[0], 1LL << 40);
  }
}

TEST(Pickle, NdarrayErrors) {
  PickleWriter size;
  size.proto().ndarray("f4", '<', {3}, std::string(8, '\0')).stop();
  expect_error(size.bytes(), "ndarray data has 8 bytes");
  PickleWriter dtype;
  dtype.proto().ndarray("c8", '<', {1}, std::string(8, '\0')).stop();
  expect_error(dtype.bytes(), "unsupported numpy dtype 'c8'");
  PickleWriter object_bytes;  // object arrays hold a list of values, not raw bytes
  object_bytes.proto().ndarray("O8", '|', {1}, std::string(8, '\0')).stop();
  expect_error(object_bytes.bytes(), "ndarray data of dtype |O8 must be a list, got bytes");
  PickleWriter order;
  order.proto().ndarray("f4", '|', {1}, std::string(4, '\0')).stop();
  expect_error(order.bytes(), "bad byte order");
  PickleWriter objects;  // object array: data is a list
  objects.proto().global("numpy.core.multiarray", "_reconstruct").global("numpy", "ndarray");
  objects.binint1(0).tuple1().str("b").tuple3().reduce().mark().binint1(1).binint1(1).tuple1();
  objects.dtype("f4", '<').boolean(false).empty_list().tuple().build().stop();
  expect_error(objects.bytes(), "ndarray data of dtype <f4 must be bytes, got list");
  PickleWriter count;  // an object array whose list does not match its shape
  count.proto().global("numpy.core.multiarray", "_reconstruct").global("numpy", "ndarray");
  count.binint1(0).tuple1().str("b").tuple3().reduce().mark().binint1(1).binint1(2).tuple1();
  count.dtype("O8", '|').boolean(false).empty_list().none().append().tuple().build().stop();
  expect_error(count.bytes(), "object ndarray holds 1 items, its shape needs 2");
}

TEST(Pickle, ObjectArraysAndNumpyScalars) {
  // np.save of an object: a 0-d object array holding it (here the int 7).
  PickleWriter w;
  w.proto().global("numpy.core.multiarray", "_reconstruct").global("numpy", "ndarray");
  w.binint1(0).tuple1().str("b").tuple3().reduce().mark().binint1(1).empty_tuple();
  w.dtype("O8", '|').boolean(false).empty_list().binint1(7).append().tuple().build().stop();
  auto doc = parse(w);
  EXPECT_EQ(pickle::object_item(doc.root(), "t").i, 7);
  // numpy scalars: scalar(dtype('<i8'), raw bytes), scalar(dtype('<f4'), ...), a bool.
  const int64_t big = -5000000000;
  const float f = 1.5f;
  PickleWriter s;
  s.proto().mark();
  s.global("numpy.core.multiarray", "scalar").dtype("i8", '<').str(std::string(reinterpret_cast<const char*>(&big), 8)).tuple2().reduce();
  s.global("numpy.core.multiarray", "scalar").dtype("f4", '<').str(std::string(reinterpret_cast<const char*>(&f), 4)).tuple2().reduce();
  s.global("numpy.core.multiarray", "scalar").dtype("b1", '|').str("\x01").tuple2().reduce();
  s.global("numpy.core.multiarray", "scalar").dtype("i2", '<').str("\xfe\xff").tuple2().reduce();
  s.tuple().stop();
  auto sd = parse(s);
  const auto& items = sd.root().node->items;
  ASSERT_EQ(items.size(), 4u);
  EXPECT_EQ(items[0].i, big);
  EXPECT_EQ(items[1].f, 1.5);
  EXPECT_TRUE(items[2].is(Kind::Bool));
  EXPECT_EQ(items[3].i, -2);
  PickleWriter bad;
  bad.proto().global("numpy.core.multiarray", "scalar").dtype("i8", '<').str("abc").tuple2().reduce().stop();
  expect_error(bad.bytes(), "scalar of dtype <i8 has 3 bytes");
}

TEST(Pickle, CodecsEncodeBytes) {
  // How Python 3 writes bytes at protocol 2: _codecs.encode(u'\x00\xff', 'latin1').
  PickleWriter w;
  w.proto().global("_codecs", "encode").unicode("\x01\xc3\xbf").str("latin1").tuple2().reduce().stop();
  auto doc = parse(w);
  EXPECT_TRUE(doc.root().is(Kind::Bytes));
  EXPECT_EQ(doc.root().text(), "\x01\xff");
}

TEST(Pickle, CsrMatrix) {
  // [[0, 2, 0], [1, 0, 3]] with float64 data and int64 indices, row 1 unsorted with a duplicate.
  std::vector<double> data = {2.0, 3.0, 0.5, 0.5};
  std::vector<int64_t> indices = {1, 2, 0, 0};
  std::vector<int64_t> indptr = {0, 1, 4};
  PickleWriter w;
  w.proto().csr(2, 3, "f8", raw_bytes(data), "i8", raw_bytes(indices), raw_bytes(indptr)).stop();
  CsrMatrix m = pickle::to_csr(parse(w).root(), "m");
  EXPECT_EQ(m.rows, 2);
  EXPECT_EQ(m.cols, 3);
  EXPECT_EQ(m.indptr, (std::vector<int64_t>{0, 1, 3}));
  EXPECT_EQ(m.indices, (std::vector<int32_t>{1, 0, 2}));
  EXPECT_EQ(m.values, (std::vector<float>{2.0f, 1.0f, 3.0f}));
}

TEST(Pickle, CsrMatrixErrors) {
  auto csr_error = [](const std::string& bytes, const std::string& part) {
    auto doc = pickle::parse(bytes, "m.pkl");
    try {
      pickle::to_csr(doc.root(), "m.pkl");
      ADD_FAILURE() << "no error, expected " << part;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).rfind("m.pkl", 0), 0u) << e.what();
    }
  };
  csr_error(testing::csr_pickle(2, 3, {1, 1}, {0, 3}, {0, 1, 2}), "out of range");
  csr_error(testing::csr_pickle(2, 3, {1, 1}, {0, 1}, {0, 1}), "indptr has 2 entries");
  csr_error(testing::csr_pickle(2, 3, {1, 1}, {0, 1}, {0, 2, 1}), "indptr");
  csr_error(testing::csr_pickle(2, 3, {1, 1, 1}, {0, 1}, {0, 1, 2}), "indices has 2 entries but data has 3");
  csr_error(testing::csr_pickle(1, 3, {std::nanf("")}, {0}, {0, 1}), "non-finite");
  csr_error(testing::csr_pickle(1, 3, {INFINITY}, {0}, {0, 1}), "non-finite");
  PickleWriter shape;  // csr_matrix without _shape
  shape.proto().global("scipy.sparse.csr", "csr_matrix").empty_tuple().newobj().empty_dict().build().stop();
  csr_error(shape.bytes(), "_shape");
}

TEST(Pickle, GraphDict) {
  auto doc = pickle::parse(testing::graph_pickle({{1, 2}, {0}, {0, 2, 2}, {}}), "g");
  EXPECT_TRUE(doc.root().node->default_factory);
  auto g = pickle::to_adjacency_lists(doc.root(), "g");
  EXPECT_EQ(g.keys, (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(g.offsets, (std::vector<int64_t>{0, 2, 3, 6, 6}));
  EXPECT_EQ(g.neighbors, (std::vector<int64_t>{1, 2, 0, 0, 2, 2}));
  PickleWriter dup;  // key 0 twice
  dup.proto().empty_dict().mark().binint1(0).empty_list().binint1(0).empty_list().setitems().stop();
  auto d2 = pickle::parse(dup.bytes(), "g");
  EXPECT_THROW(pickle::to_adjacency_lists(d2.root(), "g"), FormatError);
}

TEST(PickleErrors, UnknownOpcodeNamesByteAndOffset) {
  PickleWriter w;
  w.proto().op(0xff);
  expect_error(w.bytes(), "unknown opcode 0xff at offset 2");
  PickleWriter text;  // protocol 0 INT is known but not accepted
  text.proto().raw("I5\n.");
  expect_error(text.bytes(), "unsupported opcode INT (0x49) at offset 2");
}

TEST(PickleErrors, UnknownClass) {
  PickleWriter w;
  w.proto().global("os", "system").str("echo hi").tuple1().reduce().stop();
  expect_error(w.bytes(), "unknown class 'os system' at offset 2 (GLOBAL)");
  PickleWriter sg;
  sg.proto(4).op(0x8c).le(uint8_t{8}).raw("builtins").op(0x8c).le(uint8_t{4}).raw("eval").op(0x93).stop();
  expect_error(sg.bytes(), "unknown class 'builtins eval'");
  PickleWriter coo;  // another scipy.sparse format: named, with the fix
  coo.proto().global("scipy.sparse._coo", "coo_matrix").stop();
  expect_error(coo.bytes(), "scipy.sparse class 'coo_matrix': only csr_matrix / csr_array are read (save the matrix "
                            "with .tocsr())");
  PickleWriter call;  // a whitelisted class used the wrong way
  call.proto().global("numpy", "ndarray").empty_tuple().reduce().stop();
  expect_error(call.bytes(), "cannot call numpy.ndarray with REDUCE");
}

TEST(PickleErrors, StackMemoMarkAndFraming) {
  expect_error(PickleWriter().proto().binint1(1).tuple2().stop().bytes(), "stack underflow");
  expect_error(PickleWriter().proto().mark().tuple2().stop().bytes(), "stack underflow");  // below MARK
  expect_error(PickleWriter().proto().get(3).stop().bytes(), "bad memo index 3");
  expect_error(PickleWriter().proto().none().op('r').le(uint32_t{0xffffffff}).stop().bytes(), "memo index");
  expect_error(PickleWriter().proto().binint1(1).tuple().stop().bytes(), "MARK missing");
  expect_error(PickleWriter().proto().binint1(1).binint1(2).stop().bytes(), "2 stack item(s)");
  expect_error(PickleWriter().proto().mark().binint1(1).stop().bytes(), "open MARK");
  expect_error(PickleWriter().proto().none().stop().raw("x").bytes(), "trailing byte");
  expect_error(PickleWriter().proto().none().bytes(), "no STOP opcode");
  expect_error(PickleWriter().proto(9).none().stop().bytes(), "unsupported pickle protocol 9");
  expect_error(PickleWriter().proto().binint1(1).binint1(2).append().stop().bytes(), "APPEND target must be a list");
  expect_error(PickleWriter().proto().binint1(1).none().build().stop().bytes(), "cannot BUILD a int");
  expect_error(std::string(), "no STOP");
}

TEST(PickleErrors, HugeLengthsDoNotAllocate) {
  // Lengths far beyond the input: must fail as truncated, not try to allocate.
  expect_error(PickleWriter().proto().op('T').le(int32_t{0x7fffffff}).bytes(),
               "truncated pickle at offset 7 (BINSTRING needs 2147483647 bytes, 0 left)");
  expect_error(PickleWriter().proto().op(0x8e).le(uint64_t{1} << 62).bytes(), "BINBYTES8 needs");
  expect_error(PickleWriter().proto().op('T').le(int32_t{-1}).bytes(), "negative BINSTRING length");
  PickleWriter shape;  // shape product overflows
  shape.proto().ndarray("f8", '<', {1LL << 40, 1LL << 40}, "").stop();
  expect_error(shape.bytes(), "too large");
}

TEST(PickleErrors, TruncatedAtEveryOffset) {
  PickleWriter w;
  w.proto().csr(2, 3, "f4", raw_bytes(std::vector<float>{1, 2}), "i4", raw_bytes(std::vector<int32_t>{0, 2}),
                raw_bytes(std::vector<int32_t>{0, 1, 2}));
  w.stop();
  const std::string& full = w.bytes();
  ASSERT_NO_THROW(pickle::to_csr(pickle::parse(full, "m").root(), "m"));
  for (size_t n = 0; n < full.size(); ++n) expect_error(full.substr(0, n), "truncated pickle at offset");
}

TEST(PickleRealFiles, AllPlanetoidPicklesParse) {
  const std::string dir = testing::planetoid_dir();
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "no data in " << dir;
  for (std::string name : {"cora", "citeseer", "pubmed"}) {
    for (std::string part : {"x", "tx", "allx"}) {
      const std::string path = dir + "/ind." + name + "." + part;
      auto doc = pickle::read_file(path);
      CsrMatrix m = pickle::to_csr(doc.root(), path);
      EXPECT_GT(m.nnz(), 0) << path;
    }
    for (std::string part : {"y", "ty", "ally"}) {
      const std::string path = dir + "/ind." + name + "." + part;
      auto doc = pickle::read_file(path);
      EXPECT_EQ(doc.root().node->array.dtype.str(), "<i4") << path;
      EXPECT_EQ(pickle::to_dense<int32_t>(doc.root(), path).shape.size(), 2u) << path;
    }
    const std::string g = dir + "/ind." + name + ".graph";
    auto doc = pickle::read_file(g);
    EXPECT_TRUE(doc.root().node->default_factory);
    EXPECT_GT(pickle::to_adjacency_lists(doc.root(), g).keys.size(), 2000u);
  }
  auto x = pickle::to_csr(pickle::read_file(dir + "/ind.cora.x").root(), "x");
  EXPECT_EQ(x.rows, 140);
  EXPECT_EQ(x.cols, 1433);
  EXPECT_EQ(x.nnz(), 2647);
}

TEST(PickleRealFiles, TruncatedRealFileNeverCrashes) {
  const std::string path = testing::planetoid_dir() + "/ind.cora.x";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no " << path;
  const std::string full = read_file_bytes(path);
  for (size_t n : {size_t{0}, size_t{1}, size_t{2}, size_t{30}, size_t{150}, size_t{205}, size_t{700},
                   full.size() / 2, full.size() - 2, full.size() - 1}) {
    try {
      pickle::parse(full.substr(0, n), "ind.cora.x");
      ADD_FAILURE() << "no error at " << n;
    } catch (const FormatError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("ind.cora.x: truncated pickle at offset", 0), 0u) << e.what();
    }
  }
}

TEST(PickleFiles, MissingFileIsFileError) {
  try {
    pickle::read_file("/nonexistent/dir/ind.cora.x");
    FAIL();
  } catch (const FileError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/dir/ind.cora.x: cannot open (No such file or directory)");
  }
}

}  // namespace
}  // namespace sgc
