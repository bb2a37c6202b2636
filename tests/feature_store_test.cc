// The binary feature store (io/feature_store.h): round trips, column blocks,
// and every way a damaged file is refused with a message naming it.
#include <gtest/gtest.h>

#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>

#include "sgc/error.h"
#include "sgc/io/feature_store.h"
#include "sgc/io/format/npy.h"
#include "sgc/io/load.h"
#include "test_util.h"

#include <nlohmann/json.hpp>

namespace sgc {
namespace {

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "/sgc_store_" + name; }

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// The message of the FormatError opening `path` throws ("" if it opens).
std::string open_error(const std::string& path) {
  try {
    MappedFeatures::open(path);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

TEST(FeatureStore, RoundTripsBitwise) {
  const DenseMatrix x = testing::random_dense(1000, 37, 5);
  const std::string path = temp_path("roundtrip.sgcf");
  write_feature_store(path, x);
  EXPECT_EQ(int64_t(std::filesystem::file_size(path)), kFeatureStoreHeaderBytes + 1000 * 37 * 4);
  const MappedFeatures m = MappedFeatures::open(path);
  ASSERT_EQ(m.rows(), 1000);
  ASSERT_EQ(m.cols(), 37);
  EXPECT_EQ(m.read_all(), x);
  EXPECT_EQ(DenseMatrix(m.view()), x);
  DenseMatrix block;
  m.read_columns(16, 16, block);
  EXPECT_EQ(block, x.middleCols(16, 16));
  m.read_columns(32, 5, block);
  EXPECT_EQ(block, x.rightCols(5));
  EXPECT_THROW(m.read_columns(30, 8, block), ArgumentError);
}

TEST(FeatureStore, NonFiniteFeaturesAreNotWritten) {
  DenseMatrix x = testing::random_dense(10, 3, 1);
  x(7, 2) = std::numeric_limits<float>::quiet_NaN();
  const std::string path = temp_path("nan.sgcf");
  std::filesystem::remove(path);
  try {
    write_feature_store(path, x);
    FAIL() << "a NaN was written";
  } catch (const ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("row 7, column 2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

// Scratch space has a cap: more than the disk can give while keeping room
// for other files is refused up front, naming the space and the way out.
TEST(FeatureStore, ScratchBeyondTheDisksRoomIsRefused) {
  const std::filesystem::space_info disk = std::filesystem::space(std::filesystem::temp_directory_path());
  const int64_t cols = 1024, rows = int64_t(disk.available / 4 / uint64_t(cols));  // all of the free space
  try {
    sgc::MappedFeatures::scratch(rows, cols, "the test's matrix");
    ADD_FAILURE() << "scratch space for all of the free disk was reserved";
  } catch (const sgc::ResourceError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("the test's matrix need"), std::string::npos) << what;
    EXPECT_NE(what.find("free"), std::string::npos) << what;
    EXPECT_NE(what.find("$TMPDIR"), std::string::npos) << what;
  }
  const sgc::MappedFeatures small = sgc::MappedFeatures::scratch(100, 10, "a small matrix");
  EXPECT_EQ(small.rows(), 100);
}

TEST(FeatureStore, EmptyAndMovedStores) {
  const std::string path = temp_path("empty.sgcf");
  write_feature_store(path, DenseMatrix(0, 4));
  MappedFeatures m = MappedFeatures::open(path);
  EXPECT_EQ(m.rows(), 0);
  EXPECT_EQ(m.cols(), 4);
  const MappedFeatures moved = std::move(m);
  EXPECT_EQ(moved.cols(), 4);
}

TEST(FeatureStore, RejectsTruncatedAndOversizedFiles) {
  const std::string good = temp_path("good.sgcf"), bad = temp_path("bad.sgcf");
  write_feature_store(good, testing::random_dense(300, 10, 9));
  const std::string bytes = read_bytes(good);
  for (size_t cut : {size_t(0), size_t(10), size_t(63), size_t(64), size_t(1000), bytes.size() - 1}) {
    write_bytes(bad, bytes.substr(0, cut));
    const std::string msg = open_error(bad);
    EXPECT_NE(msg.find(bad), std::string::npos) << cut << ": " << msg;
    EXPECT_NE(msg.find("truncated"), std::string::npos) << cut << ": " << msg;
  }
  write_bytes(bad, bytes + "x");
  EXPECT_NE(open_error(bad).find("oversized"), std::string::npos);
}

TEST(FeatureStore, RejectsCorruptFiles) {
  const std::string good = temp_path("good2.sgcf"), bad = temp_path("bad2.sgcf");
  write_feature_store(good, testing::random_dense(300, 10, 11));
  const std::string bytes = read_bytes(good);
  auto flipped = [&](size_t at) {
    std::string b = bytes;
    b[at] = char(b[at] ^ 0x10);
    write_bytes(bad, b);
    return open_error(bad);
  };
  EXPECT_NE(flipped(0).find("not an sgc feature store"), std::string::npos);
  for (size_t at : {8, 12, 16, 24, 32, 36})  // version, dtype, rows, cols, checksums: the header CRC catches them
    EXPECT_NE(flipped(at).find("corrupt feature store header"), std::string::npos) << at;
  for (size_t at : {size_t(64), size_t(2000), bytes.size() - 1})
    EXPECT_NE(flipped(at).find("corrupt feature store payload"), std::string::npos) << at;
  // Without the payload check it opens (a caller that trusts the file).
  EXPECT_NO_THROW(MappedFeatures::open(bad, /*verify_checksum=*/false));
  EXPECT_THROW(MappedFeatures::open(temp_path("missing.sgcf")), FileError);
  EXPECT_THROW(MappedFeatures::open(::testing::TempDir()), FileError);
}

TEST(FeatureStore, ConvertCommandWritesNpyAsAStore) {
  const DenseMatrix x = testing::random_dense(50, 6, 3);
  const std::string npy = temp_path("x.npy"), out = temp_path("x.sgcf");
  std::string data(reinterpret_cast<const char*>(x.data()), size_t(x.size()) * 4);
  {
    std::ofstream f(npy, std::ios::binary | std::ios::trunc);
    f << npy_header("<f4", {x.rows(), x.cols()}) << data;
  }
  const testing::CliRun r = testing::run_cli("convert --in " + npy + " --out " + out);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(MappedFeatures::open(out).read_all(), x);
  const testing::CliRun bad = testing::run_cli("convert --in " + out + " --out " + temp_path("y.sgcf"));
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find(out), std::string::npos) << bad.output;
  // A NaN or a value beyond float32 is named at the input, not the output;
  // features without columns are refused.
  const double huge[2] = {1.0, 1e300};
  {
    std::ofstream f(npy, std::ios::binary | std::ios::trunc);
    f << npy_header("<f8", {1, 2}) << std::string(reinterpret_cast<const char*>(huge), 16);
  }
  const testing::CliRun inf = testing::run_cli("convert --in " + npy + " --out " + temp_path("z.sgcf"));
  EXPECT_EQ(inf.exit_code, 1) << inf.output;
  EXPECT_NE(inf.output.find(npy + ": array value 1e+300 at row 0, column 1 is outside the float32 range"), std::string::npos) << inf.output;
  {
    std::ofstream f(npy, std::ios::binary | std::ios::trunc);
    f << npy_header("<f4", {7, 0});
  }
  const testing::CliRun none = testing::run_cli("convert --in " + npy + " --out " + temp_path("z.sgcf"));
  EXPECT_EQ(none.exit_code, 1) << none.output;
  EXPECT_NE(none.output.find(npy + ": 7 x 0 features"), std::string::npos) << none.output;
  EXPECT_FALSE(std::filesystem::exists(temp_path("z.sgcf")));
}

// A store made from a data set's features reads back as those features:
// the same accuracies with --feature-store as without, the loss within float
// rounding (the store is dense; Cora's own features are sparse, whose
// products sum in another order).
TEST(FeatureStore, ReplacesADataSetsFeatures) {
  const std::string store = temp_path("cora.sgcf"), cora = " --dataset cora --data-dir " + testing::data_dir();
  const testing::CliRun made = testing::run_cli("convert" + cora + " --out " + store);
  ASSERT_EQ(made.exit_code, 0) << made.output;
  const testing::CliRun plain = testing::run_cli("train --json --threads 1" + cora);
  const testing::CliRun mapped = testing::run_cli("train --json --threads 1" + cora + " --feature-store " + store);
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  ASSERT_EQ(mapped.exit_code, 0) << mapped.output;
  const auto a = nlohmann::json::parse(plain.output), b = nlohmann::json::parse(mapped.output);
  EXPECT_EQ(a["accuracy"], b["accuracy"]);
  EXPECT_NEAR(a["final_train_loss"].get<double>(), b["final_train_loss"].get<double>(), 1e-6);

  Dataset d;
  d.name = "graph";
  d.adjacency.rows = d.adjacency.cols = 299;
  try {
    use_feature_store(d, store);
    ADD_FAILURE() << "2708 rows taken for 299 nodes";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("2708 rows of features, but graph has 299 nodes"), std::string::npos)
        << e.what();
  }
  // A non-finite value behind valid checksums (a hand-made file).
  std::string bytes = read_bytes(store);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(bytes.data() + kFeatureStoreHeaderBytes + 4 * 5, &nan, 4);
  const auto put_crc = [&bytes](size_t at, size_t from, size_t to) {
    const uint32_t crc = uint32_t(crc32(0L, reinterpret_cast<const Bytef*>(bytes.data() + from), uInt(to - from)));
    for (int i = 0; i < 4; ++i) bytes[at + size_t(i)] = char((crc >> (8 * i)) & 0xFF);
  };
  put_crc(32, kFeatureStoreHeaderBytes, bytes.size());
  put_crc(36, 0, 36);
  write_bytes(store, bytes);
  d.adjacency.rows = d.adjacency.cols = 2708;
  try {
    use_feature_store(d, store);
    ADD_FAILURE() << "a NaN was taken";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(store + ": holds a value that is not finite"), std::string::npos) << e.what();
  }
  std::remove(store.c_str());
}

}  // namespace
}  // namespace sgc
