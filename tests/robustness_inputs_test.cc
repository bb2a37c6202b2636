// The robustness suite, part 2/3: generated malformed edge lists (text and gzip), OGB folders and FastGCN Reddit folders.
// What every case checks, and the faults: robustness_test.cc; the runner and
// corruption helpers: robustness_cases.h, robustness_util.h.
#include <gtest/gtest.h>

#include "robustness_cases.h"

namespace sgc::robustness {

namespace {


// ============================================================= edge lists

std::string edge_text() {
  std::string t = "# a small graph\n# FromNodeId\tToNodeId\n";
  for (int i = 0; i < 300; ++i) t += std::to_string(i) + "\t" + std::to_string((i * 7 + 3) % 300) + "\n";
  return t;
}

std::vector<Case> edge_list_cases_impl() {
  std::vector<Case> c;
  const std::string txt = "edges.txt", gz = "edges.txt.gz";
  const auto on_txt = train_on("{W}/" + txt), on_gz = train_on("{W}/" + gz);
  c.push_back({"pristine edges.txt", nullptr, on_txt, valid()});
  c.push_back({"pristine edges.txt.gz", nullptr, on_gz, valid()});
  // Text truncations may leave a valid shorter list (or cut an id to another valid id).
  add_truncations(c, txt, on_txt, may_pass_naming({txt}), {{0, 0}, {0, 1}, {0.5, 0}, {1, -1}, {1, -2}});
  add_truncations(c, gz, on_gz, fails_naming({gz}));
  // Flips in the gzip body or trailer: the CRC or the deflate stream must catch them.
  add_flips(c, gz, on_gz, fails_naming({gz}), {{0, 12}, {0.3, 0}, {0.5, 0}, {0.7, 0}, {1, -10}, {1, -6}, {1, -3}, {1, -1}});
  add_missing_and_folder(c, txt, on_txt, fails_naming({txt}));
  add_missing_and_folder(c, gz, on_gz, fails_naming({gz}));
  const std::string base = edge_text();
  for (const auto& [name, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"one field", "0\n1\n"},
           {"float ids", "0.5 1\n1 2\n"},
           {"negative id", "0 -1\n"},
           {"id 2^31-1", "0 2147483647\n"},
           {"id beyond int64", "0 99999999999999999999\n"},
           {"11 bytes, id 16777215 (16.7M nodes)", "0 16777215\n"},
           {"id 2147483646", "0 2147483646\n"},
           {"two edges, ids 2^24 apart", "0 16777216\n1 2\n"},
           {"only comments", "# nothing\n% here\n"},
           {"only blank lines", "\n\n  \n"},
           {"control bytes in an id", "0 1\n2 " + kTitle + "\n"},
           {"escape sequence as a field", kClear + " 1\n"},
           {"escape sequence in a comment, then a bad line", "# " + kTitle + "\nfoo bar\n"},
           {"NUL byte", std::string("0 1\n\0 2\n", 8)},
           {"binary garbage", std::string("\x7f" "ELF\x02\x01\x01\x00\x00\x00\xff\xfe", 12)},
           {"invalid UTF-8 field", "0 1\n\xff\xfe 2\n"},
           {"C1 control in a field", "0 1\n\xc2\x9b" "31m 2\n"},
           {"an .npy in a .txt", std::string("\x93NUMPY\x01\x00v\x00{'descr': '<f4'}", 28)},
           {"xz data in a .txt", std::string("\xFD" "7zXZ\x00\x00\x04", 9)},
           {"20 MiB line without newline", "0 " + std::string(20 << 20, '1')},
           {"20 MiB comment line", "# " + std::string(20 << 20, 'x') + "\n0 1\n"},
       }) {
    add_replace(c, "edge list: " + name, txt, bytes, on_txt, fails_naming({txt}));
  }
  for (const auto& [name, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"CRLF line ends", [&] {
              std::string t;
              for (char ch : base) t += ch == '\n' ? std::string("\r\n") : std::string(1, ch);
              return t;
            }()},
           {"commas", "0,1\n1,2\n2,3\n3,0\n"},
           {"extra columns", "0 1 0.5 1700000000\n1 2 1 1\n2 0 3 3\n"},
           {"duplicates and self-loops", "0 1\n0 1\n1 1\n1 2\n2 0\n"},
           {"no final newline", "0 1\n1 2\n2 0"},
           {"UTF-8 BOM", "\xef\xbb\xbf" "0 1\n1 2\n2 0\n"},
           {"an npz under a .txt name (read as the npz it is)", archive(gnn_members())},
       }) {
    add_replace(c, "edge list (valid or a clear error): " + name, txt, bytes, on_txt, may_pass_naming({txt}));
  }
  add_replace(c, "edge list: a valid 40-node graph (small bare graphs must train)", txt, [] {
    std::string t;
    for (int i = 0; i < 40; ++i) t += std::to_string(i) + " " + std::to_string((i * 7 + 3) % 40) + "\n";
    return t;
  }(), on_txt, valid());
  add_replace(c, "gzip: two members (valid)", gz, testing::gzip("0 1\n1 2\n") + testing::gzip("2 3\n3 0\n"), on_gz, valid());
  add_replace(c, "gzip: trailing garbage", gz, testing::gzip(base) + "garbage\x1b]0;x\x07", on_gz, fails_naming({gz}));
  add_replace(c, "gzip: header only", gz, std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10), on_gz, fails_naming({gz}));
  add_replace(c, "gzip: plain text in a .gz name (valid)", gz, base, on_gz, may_pass_naming({gz}));
  add_replace(c, "gzip: control bytes inside", gz, testing::gzip("0 1\n" + kTitle + " 2\n"), on_gz, fails_naming({gz}));
  add_replace(c, "gzip: ISIZE lies", gz, [&] {
    std::string b = testing::gzip(base);
    b[b.size() - 1] = '\x7f';
    return b;
  }(), on_gz, fails_naming({gz}));
  // Decompression bombs: ~1 MB of gzip holding one 1 GiB line; 256 MiB of short lines.
  add_replace(c, "gzip bomb: one 1 GiB line", gz, gzip_bomb("0 ", '1', uint64_t{1} << 30), on_gz, fails_naming({gz}));
  add_replace(c, "gzip bomb: 1 GiB of spaces after an edge", gz, gzip_bomb("0 1\n", ' ', uint64_t{1} << 30), on_gz, fails_naming({gz}));
  add_replace(c, "gzip bomb: 1 GiB of newlines (valid: one edge)", gz, gzip_bomb("0 1\n", '\n', uint64_t{1} << 30), on_gz,
              may_pass_naming({gz}), 60);
  // Not an edge list file at all.
  c.push_back({"dataset is an empty folder", [](const std::string& w) { fs::create_directories(w + "/empty"); },
               train_on("{W}/empty"), fails_naming({"empty"})});
  c.push_back({"dataset path does not exist", nullptr, train_on("{W}/no-such-file.txt"), fails_naming({"no-such-file.txt"})});
  c.push_back({"dataset is /dev/null", nullptr, train_on("/dev/null"), fails_naming({"/dev/null"})});
  c.push_back({"dataset name with control bytes", nullptr, train_on("{W}/" + kTitle + "x.txt"), fails_naming({"x.txt"})});
  c.push_back({"unreadable file", [](const std::string& w) { fs::permissions(w + "/edges.txt", fs::perms::none); },
               on_txt, geteuid() == 0 ? may_pass_naming({txt}) : fails_naming({txt})});
  return c;
}

TEST(Robustness, EdgeLists) {
  Scratch s;
  const std::string dir = s.path("edges");
  write_file(dir + "/edges.txt", edge_text());
  write_file(dir + "/edges.txt.gz", testing::gzip(edge_text()));
  const size_t n = run_cases(dir, edge_list_cases(), s);
  std::printf("[robustness] edge lists: %zu cases\n", n);
}

// ==================================================================== OGB

constexpr int kOgbNodes = 40;

std::map<std::string, std::string> ogb_texts() {
  std::map<std::string, std::string> t;
  std::string edges, feat, labels, train, valid_ids, test;
  for (int i = 0; i < kOgbNodes; ++i) {
    edges += std::to_string(i) + "," + std::to_string((i * 7 + 3) % kOgbNodes) + "\n";
    feat += std::to_string((i % 3) * 0.5) + "," + std::to_string(i % 5) + ",-1.25," + std::to_string(i % 2) + "\n";
    labels += std::to_string(i % 3) + "\n";
    (i < 24 ? train : i < 32 ? valid_ids : test) += std::to_string(i) + "\n";
  }
  t["raw/edge.csv.gz"] = edges;
  t["raw/num-node-list.csv.gz"] = std::to_string(kOgbNodes) + "\n";
  t["raw/num-edge-list.csv.gz"] = std::to_string(kOgbNodes) + "\n";
  t["raw/node-feat.csv.gz"] = feat;
  t["raw/node-label.csv.gz"] = labels;
  t["split/random/train.csv.gz"] = train;
  t["split/random/valid.csv.gz"] = valid_ids;
  t["split/random/test.csv.gz"] = test;
  return t;
}

std::vector<Case> ogb_cases_impl() {
  std::vector<Case> c;
  const auto args = train_on("{W}/ogbn_tiny");
  c.push_back({"pristine OGB folder", nullptr, args, valid()});
  const auto texts = ogb_texts();
  for (const auto& [rel, text] : texts) {
    const std::string file = "ogbn_tiny/" + rel;
    const std::string base = fs::path(rel).filename().string();
    // Every gz: truncated, flipped (body and trailer), missing, a folder, empty, control bytes.
    // An empty split file may be reported as an empty split of the data set (naming the folder).
    const bool split_file = rel.rfind("split/", 0) == 0;
    const Expect empty_e = split_file ? fails_naming({base, "ogbn_tiny"}) : fails_naming({base});
    add_truncations(c, file, args, empty_e, {{0, 0}});
    add_truncations(c, file, args, fails_naming({base}), {{0, 5}, {0.5, 0}, {1, -4}, {1, -1}});
    add_flips(c, file, args, fails_naming({base}), {{0, 12}, {1, -8}, {1, -2}});
    const bool optional = rel == "raw/num-edge-list.csv.gz";
    Expect e = optional ? may_pass_naming({base}) : fails_naming({base});
    c.push_back({"missing " + file, [file](const std::string& w) { fs::remove(w + "/" + file); }, args, e});
    c.push_back({"folder instead of " + file, [file](const std::string& w) { file_to_folder(w + "/" + file); }, args,
                 fails_naming({base})});
    c.push_back({"empty " + file, [file](const std::string& w) { write_file(w + "/" + file, ""); }, args, empty_e});
    add_replace(c, file + ": control bytes", file, testing::gzip(kTitle + "\n" + text), args, fails_naming({base}));
    add_replace(c, file + ": plain text, not gzip (valid)", file, text, args, may_pass_naming({base}));
    add_replace(c, file + ": gzip bomb, one 1 GiB line", file, gzip_bomb("1", '0', uint64_t{1} << 30), args,
                fails_naming({base}));
  }
  const auto gz_case = [&](const std::string& name, const std::string& rel, const std::string& text, Expect e = Expect{}) {
    if (e.names.empty() && !e.must_succeed) e.names = {fs::path(rel).filename().string()};
    add_replace(c, "ogb: " + name, "ogbn_tiny/" + rel, testing::gzip(text), args, e);
  };
  gz_case("num-node-list says 2147483646", "raw/num-node-list.csv.gz", "2147483646\n");
  gz_case("num-node-list says 2^40", "raw/num-node-list.csv.gz", "1099511627776\n");
  gz_case("num-node-list says 0", "raw/num-node-list.csv.gz", "0\n");
  gz_case("num-node-list says -1", "raw/num-node-list.csv.gz", "-1\n");
  gz_case("num-node-list says 41", "raw/num-node-list.csv.gz", "41\n");
  gz_case("num-node-list says 39", "raw/num-node-list.csv.gz", "39\n");
  gz_case("num-node-list two graphs", "raw/num-node-list.csv.gz", "20\n20\n");
  gz_case("num-node-list not a number", "raw/num-node-list.csv.gz", "forty\n");
  gz_case("num-edge-list lies", "raw/num-edge-list.csv.gz", "1000000\n");
  gz_case("edge id out of range", "raw/edge.csv.gz", "0,1\n1,40\n");
  gz_case("edge id negative", "raw/edge.csv.gz", "0,1\n-1,2\n");
  gz_case("edge with three columns", "raw/edge.csv.gz", "0,1,2\n");
  gz_case("feature row too short", "raw/node-feat.csv.gz", [&] {
    std::string t = texts.at("raw/node-feat.csv.gz");
    return t.substr(0, t.rfind(',')) + "\n";
  }());
  gz_case("feature NaN", "raw/node-feat.csv.gz", "nan,0,0,0\n" + texts.at("raw/node-feat.csv.gz").substr(texts.at("raw/node-feat.csv.gz").find('\n') + 1));
  gz_case("feature 1e999", "raw/node-feat.csv.gz", "1e999,0,0,0\n" + texts.at("raw/node-feat.csv.gz").substr(texts.at("raw/node-feat.csv.gz").find('\n') + 1));
  gz_case("feature rows 1M wide", "raw/node-feat.csv.gz", [] {
    std::string row;
    for (int i = 0; i < (1 << 20); ++i) row += "0,";
    row += "0\n";
    return row;
  }());
  gz_case("too few feature rows", "raw/node-feat.csv.gz", "0,0,0,0\n");
  gz_case("label out of range 2^40", "raw/node-label.csv.gz", "1099511627776\n" + texts.at("raw/node-label.csv.gz").substr(2));
  gz_case("label -3", "raw/node-label.csv.gz", "-3\n" + texts.at("raw/node-label.csv.gz").substr(2));
  gz_case("label 1.5", "raw/node-label.csv.gz", "1.5\n" + texts.at("raw/node-label.csv.gz").substr(2));
  gz_case("labels with two columns", "raw/node-label.csv.gz", "0,1\n" + texts.at("raw/node-label.csv.gz").substr(2));
  gz_case("all labels one class", "raw/node-label.csv.gz", [] {
    std::string t;
    for (int i = 0; i < kOgbNodes; ++i) t += "0\n";
    return t;
  }(), fails_naming({"node-label.csv.gz", "ogbn_tiny"}));
  gz_case("train id out of range", "split/random/train.csv.gz", "0\n40\n");
  gz_case("train id 2^31", "split/random/train.csv.gz", "2147483648\n");
  gz_case("train split empty", "split/random/train.csv.gz", "\n", fails_naming({"train.csv.gz", "ogbn_tiny"}));
  c.push_back({"ogb: two split folders", [](const std::string& w) {
                 fs::copy(w + "/ogbn_tiny/split/random", w + "/ogbn_tiny/split/other", fs::copy_options::recursive);
               }, args, fails_naming({"split"})});
  c.push_back({"ogb: raw is a file", [](const std::string& w) {
                 fs::remove_all(w + "/ogbn_tiny/raw");
                 write_file(w + "/ogbn_tiny/raw", "x");
               }, args, fails_naming({"ogbn_tiny"})});
  c.push_back({"ogb: split folder missing", [](const std::string& w) { fs::remove_all(w + "/ogbn_tiny/split"); }, args,
               fails_naming({"split"})});
  return c;
}

TEST(Robustness, OgbFolders) {
  Scratch s;
  const std::string dir = s.path("ogb");
  for (const auto& [rel, text] : ogb_texts()) write_file(dir + "/ogbn_tiny/" + rel, testing::gzip(text));
  const size_t n = run_cases(dir, ogb_cases(), s);
  std::printf("[robustness] OGB: %zu cases\n", n);
}

// =========================================================== FastGCN Reddit

std::vector<Case> fastgcn_cases_impl() {
  std::vector<Case> c;
  const auto args = train_on("{W}/reddit");
  c.push_back({"pristine FastGCN folder", nullptr, args, valid()});
  c.push_back({"pristine FastGCN folder by reddit_adj.npz", nullptr, train_on("{W}/reddit/reddit_adj.npz"), valid()});
  for (const std::string& f : {"reddit_adj.npz", "reddit.npz"}) {
    const std::string file = "reddit/" + std::string(f);
    add_truncations(c, file, args, fails_naming({f}));
    add_flips(c, file, args, may_pass_naming({f}));
    // Missing reddit_adj.npz: the folder is in no known layout (naming the folder is fine).
    add_missing_and_folder(c, file, args, fails_naming({f, "reddit"}));
  }
  c.push_back({"reddit.npz holds the adjacency", [](const std::string& w) {
                 fs::copy_file(w + "/reddit/reddit_adj.npz", w + "/reddit/reddit.npz", fs::copy_options::overwrite_existing);
               }, args, fails_naming({"reddit.npz"})});
  c.push_back({"reddit_adj.npz holds the features", [](const std::string& w) {
                 fs::copy_file(w + "/reddit/reddit.npz", w + "/reddit/reddit_adj.npz", fs::copy_options::overwrite_existing);
               }, args, fails_naming({"reddit_adj.npz"})});
  const auto adj = [&](const std::string& name, const std::string& shape_npy, const std::string& indptr_npy = "") {
    Members m = {{"format.npy", npy("|S3", "()", "csr")},
                 {"shape.npy", shape_npy},
                 {"data.npy", npy("<f4", "(2,)", raw_bytes(std::vector<float>{1, 1}))},
                 {"indices.npy", npy("<i4", "(2,)", raw_bytes(std::vector<int32_t>{1, 0}))},
                 {"indptr.npy", indptr_npy.empty() ? npy("<i4", "(3,)", raw_bytes(std::vector<int32_t>{0, 1, 2})) : indptr_npy}};
    add_replace(c, "reddit_adj.npz: " + name, "reddit/reddit_adj.npz", archive(m), args, fails_naming({"reddit_adj.npz", "reddit.npz"}));
  };
  adj("shape (2^31-1, 2^31-1)", npy("<i8", "(2,)", raw_bytes(std::vector<int64_t>{INT32_MAX, INT32_MAX})));
  adj("shape (2, 2^40)", npy("<i8", "(2,)", raw_bytes(std::vector<int64_t>{2, int64_t{1} << 40})));
  adj("shape (2, 2) for a 200-node feature file", npy("<i8", "(2,)", raw_bytes(std::vector<int64_t>{2, 2})));
  adj("shape of three dimensions", npy("<i8", "(3,)", raw_bytes(std::vector<int64_t>{2, 2, 2})));
  adj("indptr past the data", npy("<i8", "(2,)", raw_bytes(std::vector<int64_t>{2, 2})),
      npy("<i4", "(3,)", raw_bytes(std::vector<int32_t>{0, 1, 1 << 30})));
  {
    Members m = {{"format.npy", npy("|S3", "()", "\x1b]0")}, {"shape.npy", npy("<i8", "(2,)", raw_bytes(std::vector<int64_t>{2, 2}))},
                 {"data.npy", npy("<f4", "(0,)", "")}, {"indices.npy", npy("<i4", "(0,)", "")}, {"indptr.npy", npy("<i4", "(3,)", std::string(12, '\0'))}};
    add_replace(c, "reddit_adj.npz: format with control bytes", "reddit/reddit_adj.npz", archive(m), args, fails_naming({"reddit_adj.npz"}));
  }
  c.push_back({"reddit.npz: feats bomb", [](const std::string& w) {
                 write_file(w + "/reddit/reddit.npz", zip_archive({bomb_member("feats.npy", "<f4", "(200, 1342177)", uint64_t{1} << 30),
                                                                   stored_member("train_index.npy", npy("<i8", "(1,)", std::string(8, '\0')))}));
               }, train_on("{W}/reddit", {}), fails_naming({"reddit.npz"})});
  set_memory_limit(c.back().args, "256M");
  return c;
}

TEST(Robustness, FastGcnFolders) {
  Scratch s;
  const std::string dir = s.path("fastgcn");
  fs::create_directories(dir);
  const Outcome o = run({cli(), "generate", "--out", dir + "/reddit", "--format", "fastgcn", "--nodes", "200", "--features",
                         "8", "--classes", "3", "--threads", "2"},
                        s.path("gen.log"), 60);
  ASSERT_EQ(o.exit_code, 0) << o.output;
  const size_t n = run_cases(dir, fastgcn_cases(), s);
  std::printf("[robustness] FastGCN: %zu cases\n", n);
}

// ============================================================= model files


}  // namespace

std::vector<Case> edge_list_cases() { return edge_list_cases_impl(); }
std::vector<Case> ogb_cases() { return ogb_cases_impl(); }
std::vector<Case> fastgcn_cases() { return fastgcn_cases_impl(); }


}  // namespace sgc::robustness
