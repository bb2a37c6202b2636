// The .npy / zip / .npz readers: every supported dtype and order, headers as
// numpy writes them, round trips through the zip writer, the real npz files
// in shared/data, archives that appear only when whole, and one-line errors naming the file and offset or entry
// for malformed input.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "pickle_writer.h"
#include "readers_util.h"
#include "sgc/io/format/npz.h"
#include "sgc/io/format/zip_writer.h"
#include "sgc/io/load.h"
#include "test_util.h"

namespace sgc {
namespace {

using testing::expect_error;

template <class T>
std::string raw(std::initializer_list<T> v) {
  return std::string(reinterpret_cast<const char*>(std::data(v)), v.size() * sizeof(T));
}

ByteRange range(std::string s) {
  ByteRange r;
  r.owner = FileBytes::from_string(std::move(s));
  r.bytes = r.owner->bytes();
  return r;
}

NpyArray npy(std::string bytes) { return parse_npy(range(std::move(bytes)), "t.npy"); }

// A .npy with a hand-written header (version 1 unless `major` says otherwise).
std::string with_header(const std::string& dict, std::string_view data, int major = 1) {
  std::string h = dict + "\n";
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  if (major == 1) {
    out += static_cast<char>(h.size() & 0xff);
    out += static_cast<char>(h.size() >> 8);
  } else {
    const uint32_t n = static_cast<uint32_t>(h.size());
    out.append(reinterpret_cast<const char*>(&n), 4);
  }
  return out + h + std::string(data);
}

TEST(Npy, ReadsEveryIntegerFloatAndBoolType) {
  struct Case {
    const char* descr;
    std::string data;
  };
  const Case cases[] = {
      {"|b1", raw<uint8_t>({1, 0, 1})},       {"|i1", raw<int8_t>({-1, 0, 7})},
      {"<i2", raw<int16_t>({-1, 0, 7})},      {"<i4", raw<int32_t>({-1, 0, 7})},
      {"<i8", raw<int64_t>({-1, 0, 7})},      {"|u1", raw<uint8_t>({255, 0, 7})},
      {"<u2", raw<uint16_t>({65535, 0, 7})},  {"<u4", raw<uint32_t>({4000000000u, 0, 7})},
      {"<u8", raw<uint64_t>({1ull << 40, 0, 7})}, {"<f4", raw<float>({-1.5f, 0, 7})},
      {"<f8", raw<double>({-1.5, 0, 7})},
  };
  const double first[] = {1, -1, -1, -1, -1, 255, 65535, 4e9, double(1ull << 40), -1.5, -1.5};
  for (size_t c = 0; c < std::size(cases); ++c) {
    const NpyArray a = npy(npy_bytes(cases[c].descr, {3}, cases[c].data));
    EXPECT_EQ(a.descr, cases[c].descr);
    const auto v = npy_values<double>(a, "t");
    ASSERT_EQ(v.data.size(), 3u) << cases[c].descr;
    EXPECT_EQ(v.data[0], first[c]) << cases[c].descr;
    EXPECT_EQ(v.data[1], 0.0) << cases[c].descr;
    EXPECT_EQ(v.data[2], c == 0 ? 1.0 : 7.0) << cases[c].descr;
  }
}

TEST(Npy, BigEndianFortranAndHeaderVariants) {
  // >i4 big-endian, Fortran order 2 x 3: column-major data 1 4 2 5 3 6.
  std::string be;
  for (int32_t v : {1, 4, 2, 5, 3, 6}) {
    const uint32_t s = __builtin_bswap32(static_cast<uint32_t>(v));
    be.append(reinterpret_cast<const char*>(&s), 4);
  }
  const NpyArray a = npy(with_header("{'descr': '>i4', 'fortran_order': True, 'shape': (2, 3), }", be));
  const auto v = npy_values<int64_t>(a, "t");
  EXPECT_EQ(v.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(v.data, (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
  // Python 2 long suffixes, double quotes, other key order, no trailing comma, version 2 and 3.
  const std::string d = raw<float>({1, 2});
  for (int major : {1, 2, 3}) {
    const NpyArray b = npy(with_header("{\"shape\": (2L,), \"fortran_order\": False, \"descr\": \"<f4\"}", d, major));
    EXPECT_EQ(npy_values<float>(b, "t").data, (std::vector<float>{1, 2})) << major;
  }
  // 0-d and empty arrays.
  EXPECT_EQ(npy(npy_bytes("<i8", {}, raw<int64_t>({42}))).size(), 1);
  EXPECT_EQ(npy(npy_bytes("<f4", {0, 5}, "")).size(), 0);
}

TEST(Npy, StringsAndPickledObjects) {
  EXPECT_EQ(npy_text(npy(npy_bytes("|S3", {}, "csr")), "t"), "csr");
  EXPECT_EQ(npy_text(npy(npy_bytes("|S5", {}, std::string("coo\0\0", 5))), "t"), "coo");
  EXPECT_EQ(npy_text(npy(npy_bytes("<U3", {}, raw<uint32_t>({'c', 's', 'c'}))), "t"), "csc");
  // np.save of a scipy matrix: a 0-d object array whose one element is the matrix (protocol 3).
  testing::PickleWriter w;
  w.proto(3).global("numpy.core.multiarray", "_reconstruct").global("numpy", "ndarray");
  w.binint1(0).tuple1().op('C').le(uint8_t{1}).raw("b").tuple3().reduce();
  w.mark().binint1(1).empty_tuple();
  w.global("numpy", "dtype").unicode("O8").binint1(0).binint1(1).tuple3().reduce();
  w.mark().binint1(3).unicode("|").none().none().none().binint(-1).binint(-1).binint1(63).tuple().build();
  w.boolean(false).empty_list();
  w.csr(2, 2, "f4", raw<float>({1, 1}), "i4", raw<int32_t>({1, 0}), raw<int32_t>({0, 1, 2}));
  w.append().tuple().build().stop();
  const NpyArray a = npy(npy_bytes("|O", {}, w.bytes()));
  ASSERT_TRUE(a.is_object());
  const pickle::Document doc = npy_object(a, "t");
  const CsrMatrix m = pickle::to_csr(pickle::object_item(doc.root(), "t"), "t");
  EXPECT_EQ(m.rows, 2);
  EXPECT_EQ(m.indices, (std::vector<int32_t>{1, 0}));
  expect_error<FormatError>([&] { (void)npy_values<float>(a, "t.npy"); }, {"t.npy", "numeric", "|O"});
}

TEST(Npy, MalformedInputIsAOneLineErrorWithOffset) {
  const std::string ok_dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }";
  const std::string d3 = raw<float>({1, 2, 3});
  expect_error<FormatError>([] { npy("PK\x03\x04 not npy at all"); }, {"t.npy", "offset 0", "bad magic"});
  expect_error<FormatError>([&] { npy(with_header(ok_dict, d3, 4)); }, {"t.npy", "version 4"});
  expect_error<FormatError>([&] { npy(with_header(ok_dict, d3).substr(0, 30)); }, {"t.npy", "truncated"});
  expect_error<FormatError>([&] { npy(with_header("['descr']", d3)); }, {"t.npy", "npy header at offset 10", "expected '{'"});
  expect_error<FormatError>([&] { npy(with_header("{'descr': '<c8', 'fortran_order': False, 'shape': (3,), }", d3)); },
                            {"unsupported dtype '<c8'"});
  expect_error<FormatError>([&] { npy(with_header("{'descr': '<f2', 'fortran_order': False, 'shape': (3,), }", d3)); },
                            {"unsupported dtype '<f2'"});
  expect_error<FormatError>([&] { npy(with_header("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,), }", d3)); },
                            {"structured"});
  expect_error<FormatError>([&] { npy(with_header("{'descr': '<f4', 'shape': (3,), }", d3)); }, {"'fortran_order'"});
  expect_error<FormatError>([&] { npy(with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (-3,), }", d3)); },
                            {"non-negative"});
  expect_error<FormatError>([&] { npy(with_header(ok_dict, d3.substr(0, 10))); },
                            {"t.npy", "shape (3,) of <f4 needs 12 data bytes, found 10"});
  expect_error<FormatError>([&] { npy(with_header(ok_dict, d3 + "xx")); }, {"needs 12 data bytes, found 14"});
  expect_error<FormatError>([&] { npy(with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'x': 1}", d3)); },
                            {"unexpected key 'x'"});
  // Integer targets reject floats and values out of range.
  expect_error<FormatError>([&] { npy_values<int32_t>(npy(npy_bytes("<f4", {3}, d3)), "t.npy"); }, {"t.npy", "integer dtype"});
  expect_error<FormatError>([&] { npy_values<int32_t>(npy(npy_bytes("<i8", {1}, raw<int64_t>({1ll << 40}))), "t.npy"); },
                            {"does not fit"});
  // A finite float64 beyond float32 is named with its value and place (it was reported as "inf").
  const std::string f8 = raw<double>({1, 2, 3, 4, 5, -1e300});
  expect_error<FormatError>([&] { npy_matrix(npy(npy_bytes("<f8", {2, 3}, f8)), "t.npy"); },
                            {"t.npy: array value -1e+300 at row 1, column 2 is outside the float32 range"});
  expect_error<FormatError>(
      [&] { npy_matrix(npy(with_header("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", f8)), "t.npy"); },
      {"value -1e+300 at row 1, column 2"});
  expect_error<FormatError>([&] { npy_values<float>(npy(npy_bytes("<f8", {6}, f8)), "t.npy"); },
                            {"value -1e+300 at element 5 is outside"});
  EXPECT_EQ(npy_values<float>(npy(npy_bytes("<f8", {1}, raw<double>({3.4e38}))), "t").data[0], 3.4e38f);
}

// An .npz with two arrays, stored or deflated.
void write_two_arrays(const std::string& path, bool deflate) {
  const std::vector<int64_t> ids = {5, 6, 7, 8};
  const std::vector<float> x = {0.5f, 1.5f};
  write_npz(path,
            {{"ids", npy_header("<i8", {4}), {reinterpret_cast<const char*>(ids.data()), 32}},
             {"x", npy_header("<f4", {1, 2}), {reinterpret_cast<const char*>(x.data()), 8}}},
            deflate);
}

TEST(Zip, WriterAndReaderRoundTripStoredAndDeflated) {
  testing::TempDir tmp;
  for (bool deflate : {false, true}) {
    const std::string path = tmp.file(deflate ? "d.npz" : "s.npz");
    write_two_arrays(path, deflate);
    const NpzFile f = NpzFile::open(path);
    EXPECT_EQ(f.keys(), (std::vector<std::string>{"ids", "x"}));
    EXPECT_EQ(f.values<int64_t>("ids").data, (std::vector<int64_t>{5, 6, 7, 8}));
    EXPECT_EQ(f.values<float>("x").shape, (std::vector<int64_t>{1, 2}));
    EXPECT_EQ(ZipArchive::open(path).entries()[0].method, deflate ? 8 : 0);
    expect_error<FormatError>([&] { (void)f.array("nope"); }, {path, "no array 'nope'", "has: ids, x"});
  }
}

TEST(Zip, AnArchiveAppearsOnlyWhenFinished) {
  testing::TempDir tmp;
  const std::string path = tmp.file("a.npz");
  write_two_arrays(path, false);
  const std::string before = NpzFile::open(path).keys()[0];
  {
    // Entries added, then an error before finish(): the earlier archive stays and no temporary is left.
    ZipWriter z(path);
    const std::string bytes = npy_header("<f4", {1}) + std::string(4, '\0');
    z.add("other.npy", {bytes}, true);
  }
  EXPECT_EQ(NpzFile::open(path).keys()[0], before);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(tmp.path()), std::filesystem::directory_iterator()), 1);
  {
    ZipWriter z(tmp.file("new.npz"));
  }
  EXPECT_FALSE(std::filesystem::exists(tmp.file("new.npz")));
}

// Offsets inside a file written by write_two_arrays (one entry "ids.npy" first).
uint32_t get32(const std::string& b, size_t at) {
  uint32_t v;
  std::memcpy(&v, b.data() + at, 4);
  return v;
}
void set32(std::string& b, size_t at, uint32_t v) { std::memcpy(b.data() + at, &v, 4); }

TEST(Zip, MalformedArchivesNameTheFileAndTheProblem) {
  testing::TempDir tmp;
  const std::string good_path = tmp.file("good.npz");
  write_two_arrays(good_path, true);
  const std::string good = testing::read_bytes(good_path);
  const std::string p = tmp.file("bad.npz");
  auto fails_with = [&](const std::string& bytes, std::initializer_list<std::string_view> frags) {
    testing::write_bytes(p, bytes);
    expect_error<FormatError>([&] {
      const NpzFile f = NpzFile::open(p);
      for (const std::string& k : f.keys()) (void)f.array(k);
    }, frags);
  };
  fails_with("this is not a zip archive, just text", {p, "not a zip file"});
  fails_with(good.substr(0, good.size() / 2), {p, "not a zip file"});  // the end record is gone
  // A gzip'd .npz under the .npz name (it said only "no end-of-central-directory record").
  fails_with(testing::gzip(good), {p, "gzip-compressed data, not a zip file", "gunzip"});
  {  // and under a .gz name it is read as a gzip'd edge list: it said "NUL byte in the text"
    const std::string gz = tmp.file("good.npz.gz");
    testing::write_bytes(gz, testing::gzip(good));
    expect_error<FormatError>([&] { (void)load_dataset(gz, LoadOptions{}); },
                              {gz, "a gzip-compressed zip archive (an .npz?), not text"});
  }
  const size_t cd = get32(good, good.size() - 22 + 16);
  {  // the central directory points past the end of the file
    std::string b = good;
    set32(b, b.size() - 22 + 16, static_cast<uint32_t>(b.size() + 100));
    fails_with(b, {p, "truncated zip", "central directory"});
  }
  {  // bad local header signature
    std::string b = good;
    b[0] = 'X';
    fails_with(b, {p, "zip entry 'ids.npy'", "bad local header signature at offset 0"});
  }
  {  // CRC-32 mismatch (central and local headers both changed)
    std::string b = good;
    set32(b, 14, get32(b, 14) ^ 1);
    set32(b, cd + 16, get32(b, cd + 16) ^ 1);
    fails_with(b, {p, "zip entry 'ids.npy'", "CRC-32 mismatch"});
  }
  {  // headers disagree
    std::string b = good;
    set32(b, 14, get32(b, 14) ^ 1);
    fails_with(b, {p, "disagrees with the central directory"});
  }
  {  // truncated deflate stream: compressed size cut in both headers
    std::string b = good;
    const uint32_t cs = get32(b, 18);
    set32(b, 18, cs - 5);
    set32(b, cd + 20, cs - 5);
    fails_with(b, {p, "zip entry 'ids.npy'", "truncated deflate stream"});
  }
  {  // corrupt deflate data
    std::string b = good;
    const size_t data = 30 + 7;  // local header + "ids.npy"
    for (size_t k = data; k < data + 8; ++k) b[k] = static_cast<char>(0xff);
    fails_with(b, {p, "zip entry 'ids.npy'"});
  }
  {  // an impossible uncompressed size
    std::string b = good;
    set32(b, 22, 0xfffffff0u);
    set32(b, cd + 24, 0xfffffff0u);
    fails_with(b, {p, "more than deflate can produce"});
  }
  {  // an unsupported method
    std::string b = good;
    b[8] = 12;
    b[cd + 10] = 12;
    fails_with(b, {p, "compression method 12"});
  }
}

TEST(Npz, ReadsTheRealFilesNumpyWrote) {
  const std::string dir = testing::data_dir();
  // Deflated, with zip64 extra fields in the local headers (numpy's force_zip64).
  const NpzFile texas = NpzFile::open(dir + "/heterophilous/texas.npz");
  EXPECT_EQ(texas.values<float>("node_features").shape, (std::vector<int64_t>{183, 1703}));
  EXPECT_EQ(texas.values<int32_t>("train_masks").shape, (std::vector<int64_t>{10, 183}));
  // geom-gcn split: bool masks, sizes from the README.
  const auto train = NpzFile::open(dir + "/geom-gcn/splits/texas_split_0.6_0.2_0.npz").values<int32_t>("train_mask");
  int64_t count = 0;
  for (int32_t b : train.data) count += b;
  EXPECT_EQ(count, 87);
  // Stored entries with unicode arrays next to the numeric ones (gnn-benchmark).
  const NpzFile cora = NpzFile::open(dir + "/npz/cora.npz");
  EXPECT_EQ(cora.array("node_names").descr.substr(0, 2), "<U");
  EXPECT_EQ(csr_from_npz(cora, "attr_").nnz(), 49216);
}

}  // namespace
}  // namespace sgc
