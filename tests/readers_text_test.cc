// Edge lists (text and gzip): comments, CRLF, tabs and spaces, self-loops,
// duplicates, non-contiguous ids; the real SNAP Slashdot file; one-line
// errors naming the file and line for malformed input.
#include <gtest/gtest.h>

#include "readers_util.h"
#include "sgc/io/edge_list.h"
#include "sgc/io/load.h"
#include "sgc/util/budget.h"
#include "test_util.h"

namespace sgc {
namespace {

using testing::expect_error;

EdgeList parse(const std::string& text, const std::string& name = "e.txt") {
  TextLines in(text, name);
  return read_edge_list(in);
}

const char* kAwkward =
    "# a SNAP-style header\r\n"
    "% a KONECT-style comment\r\n"
    "\r\n"
    "0\t1\r\n"
    "  1 2   \r\n"
    "2,0\r\n"
    "7\t7\r\n"       // self-loop; ids 3..6 never occur
    "1\t0\r\n"       // reverse duplicate
    "0 1\r\n"         // duplicate
    "2\t0";          // no final newline

TEST(EdgeList, ParsesCommentsCrlfSeparatorsLoopsAndDuplicates) {
  const EdgeList e = parse(kAwkward);
  EXPECT_EQ(e.num_nodes, 8);  // ids kept as given: N = max id + 1
  EXPECT_EQ(e.src, (std::vector<int32_t>{0, 1, 2, 7, 1, 0, 2}));
  EXPECT_EQ(e.dst, (std::vector<int32_t>{1, 2, 0, 7, 0, 1, 0}));
  const CsrMatrix a = undirected_adjacency(e.num_nodes, e.src, e.dst);
  EXPECT_EQ(a.nnz(), 7);  // triangle 0-1-2 both ways, one self-loop
  EXPECT_EQ(a.indptr[4] - a.indptr[3], 0);  // isolated id 3
  for (float v : a.values) EXPECT_EQ(v, 1.0f);
}

// Columns after the second (weights, timestamps) are ignored when every line
// has them; lines of different widths are an adjacency list, refused (it was
// read as one edge a line). A SNAP header's "Nodes: N" keeps trailing
// isolated nodes.
TEST(EdgeList, ColumnsAndTheNodeCountOfASnapHeader) {
  const EdgeList weighted = parse("0 1 0.5 1234\n1 2 2.0 1300\n");
  EXPECT_EQ(weighted.src, (std::vector<int32_t>{0, 1}));
  EXPECT_EQ(weighted.dst, (std::vector<int32_t>{1, 2}));
  expect_error<FormatError>([] { parse("0 1 2 3\n1 2\n"); },
                            {"e.txt:2:", "2 fields where the first edge line has 4", "adjacency list"});
  EXPECT_EQ(parse("# Directed graph\n# Nodes: 10 Edges: 2\n0 1\n1 7\n").num_nodes, 10);
  EXPECT_EQ(parse("# Nodes: 3 Edges: 2\n0 1\n1 7\n").num_nodes, 8);  // ids beyond the count are kept
  EXPECT_EQ(parse("# Nodes: many\n0 1\n").num_nodes, 2);
  expect_error<FormatError>([] { parse("# Nodes: 10000000\n0 1\n"); }, {"e.txt", "its header says Nodes: 10000000"});
}

// Matrix Market coordinate files: 1-based, with a size line that gives the
// node count (isolated nodes kept); refused where a graph cannot come from it.
// (They were read as edge lists: the size line as an edge, ids unshifted.)
TEST(MatrixMarket, ReadsTheCoordinateLayoutAsAGraph) {
  const EdgeList e = parse("%%MatrixMarket matrix coordinate pattern general\n% comment\n5 5 3\n1 2\n2 3\n3 4\n",
                           "g.mtx");
  EXPECT_EQ(e.num_nodes, 5);  // node 4 (id 5) is isolated
  EXPECT_EQ(e.src, (std::vector<int32_t>{0, 1, 2}));
  EXPECT_EQ(e.dst, (std::vector<int32_t>{1, 2, 3}));
  const EdgeList sym = parse("%%matrixmarket MATRIX Coordinate real symmetric\n3 3 2\n2 1 0.5\n3 3 -2\n", "s.mtx");
  EXPECT_EQ(sym.num_nodes, 3);
  EXPECT_EQ(sym.src, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(undirected_adjacency(sym.num_nodes, sym.src, sym.dst).nnz(), 3);  // 0-1 both ways, loop at 2
  const char* mm = "%%MatrixMarket matrix coordinate pattern general\n";
  expect_error<FormatError>([&] { parse(std::string(mm) + "3 3 2\n1 2\n", "t.mtx"); },
                            {"t.mtx", "1 entries, the size line declares 2"});
  expect_error<FormatError>([&] { parse(std::string(mm) + "3 3 1\n1 2\n2 3\n", "t.mtx"); },
                            {"t.mtx:4:", "more entries than the 1"});
  expect_error<FormatError>([&] { parse(std::string(mm) + "3 3 1\n0 2\n", "t.mtx"); },
                            {"t.mtx:3:", "index 0 outside 1..3 (Matrix Market is 1-based)"});
  expect_error<FormatError>([&] { parse(std::string(mm) + "3 4 1\n1 2\n", "t.mtx"); }, {"3 x 4 matrix", "square"});
  expect_error<FormatError>([&] { parse(std::string(mm) + "3 3 1\n1 2 7\n", "t.mtx"); }, {"expected 2 fields"});
  expect_error<FormatError>([] { parse("%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n4\n", "a.mtx"); },
                            {"a.mtx:1:", "only the coordinate (sparse) layout"});
  expect_error<FormatError>([&] { parse(std::string(mm) + "% only comments\n", "t.mtx"); }, {"no size line"});
  expect_error<FormatError>([&] { parse(std::string(mm) + "2000000 2000000 1099511627777\n", "t.mtx"); },
                            {"t.mtx:2:", "1099511627777 entries: beyond any graph this reads"});
}

// A size line with more entries than the matrix has cells is damaged, and
// said so; the memory check names the declared node count (it said "0 nodes").
TEST(MatrixMarket, AnImpossibleEntryCountIsNamed) {
  const std::string mm = "%%MatrixMarket matrix coordinate pattern general\n";
  expect_error<FormatError>([&] { parse(mm + "4 4 99999999999\n1 2\n", "t.mtx"); },
                            {"t.mtx:2: 99999999999 entries for a 4 x 4 matrix, which has 16 cells"});
  expect_error<FormatError>([&] { parse(mm + "0 0 1\n", "t.mtx"); }, {"1 entries for a 0 x 0 matrix"});
  EXPECT_EQ(parse(mm + "2 2 4\n1 1\n1 2\n2 1\n2 2\n", "t.mtx").src.size(), 4u);  // every cell once
  const int64_t budget = memory_budget();
  set_memory_budget(int64_t(1) << 20);
  expect_error<ResourceError>([&] { parse(mm + "100000 100000 1000000\n", "t.mtx"); },
                              {"t.mtx: a graph of 100000 nodes and 1000000 edges"});
  set_memory_budget(budget);
}

// A UTF-8 byte order mark before the first id is skipped (it was read as
// part of the id and shown invisibly in "node id '0' is not an integer").
TEST(EdgeList, AByteOrderMarkIsSkipped) {
  const EdgeList e = parse("\xEF\xBB\xBF" "0 1\n1 2\n");
  EXPECT_EQ(e.src, (std::vector<int32_t>{0, 1}));
  EXPECT_THROW(parse("0 1\n\xEF\xBB\xBF" "1 2\n"), FormatError);  // only at the start of the file
}

TEST(EdgeList, GzipAndPlainGiveTheSameGraph) {
  testing::TempDir tmp;
  testing::write_bytes(tmp.file("e.txt"), kAwkward);
  testing::write_bytes(tmp.file("e.txt.gz"), testing::gzip(kAwkward));
  // Two concatenated gzip members read as one text, as gzip -d does.
  const std::string text = kAwkward;
  testing::write_bytes(tmp.file("two.gz"), testing::gzip(text.substr(0, 40)) + testing::gzip(text.substr(40)));
  const EdgeList plain = read_edge_list(tmp.file("e.txt"));
  for (const char* f : {"e.txt.gz", "two.gz"}) {
    const EdgeList z = read_edge_list(tmp.file(f));
    EXPECT_EQ(z.src, plain.src) << f;
    EXPECT_EQ(z.dst, plain.dst) << f;
  }
}

TEST(EdgeList, WriterRoundTrips) {
  testing::TempDir tmp;
  const CsrMatrix a = testing::awkward_graph(50, 120, 5, 3);
  for (const char* name : {"w.txt", "w.txt.gz"}) {
    write_edge_list(tmp.file(name), a, {"written by a test", "Nodes: 50"});
    const EdgeList e = read_edge_list(tmp.file(name));
    const CsrMatrix b = undirected_adjacency(50, e.src, e.dst);
    EXPECT_EQ(b.indptr, a.indptr) << name;
    EXPECT_EQ(b.indices, a.indices) << name;
  }
}

TEST(EdgeList, MalformedLinesNameFileAndLine) {
  expect_error<FormatError>([] { parse("0 1\n5\n", "e.txt"); }, {"e.txt:2:", "expected two node ids, found 1 field"});
  expect_error<FormatError>([] { parse("0 1\n1,\n"); }, {"e.txt:2:", "expected two node ids"});
  expect_error<FormatError>([] { parse("# h\n0 x1\n"); }, {"e.txt:2:", "node id 'x1' is not an integer"});
  expect_error<FormatError>([] { parse("0 1\n2 3\n-4 1\n"); }, {"e.txt:3:", "node id -4 out of range"});
  expect_error<FormatError>([] { parse("0 3000000000\n"); }, {"e.txt:1:", "out of range"});
  expect_error<FormatError>([] { parse("0 1.5\n"); }, {"e.txt:1:", "'1.5' is not an integer"});
  expect_error<FormatError>([] { parse(std::string("0 1\n2\0 3\n", 9)); }, {"e.txt:2:", "NUL byte"});
  testing::TempDir tmp;
  const std::string big = [] {
    std::string s;
    for (int i = 0; i < 20000; ++i) s += std::to_string(i) + "\t" + std::to_string(i * 7 % 20000) + "\n";
    return s;
  }();
  const std::string z = testing::gzip(big);
  testing::write_bytes(tmp.file("cut.gz"), z.substr(0, z.size() / 2));
  expect_error<FormatError>([&] { read_edge_list(tmp.file("cut.gz")); }, {tmp.file("cut.gz"), "truncated gzip", "byte offset"});
  std::string bad_crc = z;
  bad_crc[bad_crc.size() - 6] ^= 0x55;  // the CRC-32 in the trailer
  testing::write_bytes(tmp.file("crc.gz"), bad_crc);
  expect_error<FormatError>([&] { read_edge_list(tmp.file("crc.gz")); }, {tmp.file("crc.gz"), "corrupt gzip data", "check"});
  testing::write_bytes(tmp.file("tail.gz"), z + "garbage");
  expect_error<FormatError>([&] { read_edge_list(tmp.file("tail.gz")); }, {"garbage after the gzip stream"});
  expect_error<FileError>([&] { read_edge_list(tmp.file("missing.txt")); }, {tmp.file("missing.txt"), "cannot open"});
}

TEST(EdgeList, SnapSlashdotCounts) {
  // shared/data README section 8: 82,168 nodes, 948,464 lines, 78,303
  // self-loops, 504,230 unique undirected non-loop edges; CRLF, 4 '#' lines.
  const EdgeList e = read_edge_list(testing::data_dir() + "/snap/soc-Slashdot0902.txt.gz");
  EXPECT_EQ(e.num_nodes, 82168);
  EXPECT_EQ(e.src.size(), 948464u);
  const CsrMatrix a = undirected_adjacency(e.num_nodes, e.src, e.dst);
  int64_t loops = 0;
  for (int64_t i = 0; i < a.rows; ++i)
    for (int64_t k = a.indptr[i]; k < a.indptr[i + 1]; ++k) loops += a.indices[k] == i;
  EXPECT_EQ(loops, 78303);
  EXPECT_EQ((a.nnz() - loops) / 2, 504230);
}

TEST(EdgeList, LoadsAsADataSetWithSyntheticAttributes) {
  testing::TempDir tmp;
  testing::write_bytes(tmp.file("g.edges"), kAwkward);
  LoadOptions o;
  o.synthetic.features = 5;
  o.synthetic.classes = 2;
  const Dataset d = load_dataset(tmp.file("g.edges"), o);
  EXPECT_EQ(d.name, "g [synthetic features and labels]");  // says what is not real
  EXPECT_EQ(d.num_nodes(), 8);
  EXPECT_EQ(d.num_features(), 5);
  EXPECT_EQ(d.num_classes, 2);
  EXPECT_EQ(d.train.size() + d.val.size() + d.test.size(), 8u);
  testing::write_bytes(tmp.file("empty.txt"), "# nothing\n");
  expect_error<FormatError>([&] { load_dataset(tmp.file("empty.txt"), o); }, {"empty.txt", "no edges"});
}

}  // namespace
}  // namespace sgc
