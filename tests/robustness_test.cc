// The robustness suite (issue 16): generated malformed inputs for every
// reader the command line accepts, and faults (a full disk, a kill during a
// write, Ctrl-C during a long run), each run through the built `sgc` command
// under a time limit. For every case (robustness_util.h check_outcome):
//  * no crash, no hang (exit status < 128, not 124), peak memory within the
//    budget given with --memory-limit plus a margin;
//  * a non-zero exit with one `sgc: error:` line naming the file, or success
//    where the corrupted input is still valid;
//  * no control bytes or invalid UTF-8 echoed from the input.
// Families: Planetoid ind.* pickles (copies of the real Cora files), .npz
// files (heterophilous, graphdata, gnn-benchmark; real small files and
// generated ones), edge lists (text and gzip), OGB folders, FastGCN Reddit
// folders (written by `sgc generate`) and model files (`sgc train --save`).
// Corruptions: truncations at many offsets, bit flips, wrong dtypes and
// types, lying sizes (shapes and counts beyond the data), decompression
// bombs, control bytes, empty files, folders where files are expected.
// Runs with --epochs 2 --threads 2 --memory-limit 2G on small inputs.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <limits>
#include <set>

#include "readers_util.h"
#include "robustness_util.h"
#include "test_util.h"

namespace sgc::robustness {
namespace {

constexpr double kTimeoutS = 20;

std::string cli() { return SGC_CLI_PATH; }

// A temporary folder for the whole test, removed at the end.
class Scratch {
 public:
  Scratch() {
    std::string tmpl = (fs::temp_directory_path() / "sgc_robust_XXXXXX").string();
    root_ = mkdtemp(tmpl.data());
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  std::string path(const std::string& name) const { return (fs::path(root_) / name).string(); }

 private:
  std::string root_;
};

// One generated case: a corruption of a copy of the family's pristine folder,
// the command to run on it ({W} stands for the copy) and what to expect.
struct Case {
  std::string name;
  std::function<void(const std::string& work)> mutate;
  std::vector<std::string> args;
  Expect expect;
  double timeout_s = kTimeoutS;
};

std::vector<std::string> substitute(std::vector<std::string> args, const std::string& work) {
  for (std::string& a : args)
    for (size_t p; (p = a.find("{W}")) != std::string::npos;) a.replace(p, 3, work);
  return args;
}

void set_memory_limit(std::vector<std::string>& args, const std::string& limit) {
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "--memory-limit") args[i + 1] = limit;
}

// The peak memory a run may reach: its --memory-limit plus a margin for the
// program itself (code, runtime, buffers outside the budget).
int64_t rss_cap_kb(const std::vector<std::string>& args) {
  int64_t limit = int64_t{2} << 20;  // KiB; 2G when not given
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "--memory-limit") {
      const std::string& v = args[i + 1];
      const int64_t num = std::atoll(v.c_str());
      limit = v.back() == 'G' ? num << 20 : v.back() == 'M' ? num << 10 : num >> 10;
    }
  return limit + (int64_t{512} << 10);
}

// Runs every case: copy the pristine folder, corrupt, run, check. Returns
// the number of cases run.
size_t run_cases(const std::string& pristine, const std::vector<Case>& cases, const Scratch& s) {
  const std::string work = s.path("work"), log = s.path("out.log");
  for (const Case& c : cases) {
    copy_tree(pristine, work);
    if (c.mutate) c.mutate(work);
    if (::testing::Test::HasFatalFailure()) return 0;
    std::vector<std::string> argv{cli()};
    for (const std::string& a : substitute(c.args, work)) argv.push_back(a);
    const Outcome o = run(argv, log, c.timeout_s);
    check_outcome(c.name, o, c.expect);
    EXPECT_LE(o.max_rss_kb, rss_cap_kb(c.args))
        << "case " << c.name << ": MEMORY: peak RSS " << (o.max_rss_kb >> 10) << " MiB above the --memory-limit budget + 512 MiB";
  }
  return cases.size();
}

// Train flags that keep every case cheap and every blow-up a refusal.
std::vector<std::string> train_on(const std::string& dataset, std::vector<std::string> extra = {}) {
  std::vector<std::string> a{"train", "--dataset", dataset, "--epochs", "2", "--threads", "2", "--memory-limit", "2G"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

Expect fails_naming(std::vector<std::string> names) { return Expect{false, false, std::move(names)}; }
Expect may_pass_naming(std::vector<std::string> names) { return Expect{true, false, std::move(names)}; }
Expect valid() { return Expect{false, true, {}}; }

// Offsets for truncations and bit flips.
const std::vector<At> kTruncations = {{0, 0},   {0, 1},   {0, 2},    {0, 7},   {0, 16},   {0.1, 0},
                                      {0.33, 0}, {0.5, 0}, {0.77, 0}, {1, -9},  {1, -2},   {1, -1}};
const std::vector<At> kFlips = {{0, 0}, {0, 1}, {0.05, 0}, {0.25, 3}, {0.5, 0}, {0.75, 1}, {1, -5}, {1, -1}};

void add_truncations(std::vector<Case>& cases, const std::string& file, const std::vector<std::string>& args,
                     const Expect& e, const std::vector<At>& offsets = kTruncations) {
  for (const At& at : offsets)
    cases.push_back({"truncate " + file + " at " + at.str(), [file, at](const std::string& w) {
                       truncate_file(w + "/" + file, at);
                     }, args, e});
}

void add_flips(std::vector<Case>& cases, const std::string& file, const std::vector<std::string>& args, const Expect& e,
               const std::vector<At>& offsets = kFlips) {
  int bit = 0;
  for (const At& at : offsets) {
    const int b = bit++ % 8;
    cases.push_back({"flip bit " + std::to_string(b) + " of " + file + " at " + at.str(),
                     [file, at, b](const std::string& w) { flip_bit(w + "/" + file, at, b); }, args, e});
  }
}

void add_replace(std::vector<Case>& cases, const std::string& name, const std::string& file, std::string bytes,
                 const std::vector<std::string>& args, const Expect& e, double timeout_s = kTimeoutS) {
  cases.push_back({name, [file, bytes](const std::string& w) { write_file(w + "/" + file, bytes); }, args, e, timeout_s});
}

void add_patch(std::vector<Case>& cases, const std::string& name, const std::string& file, std::string from,
               std::string to, const std::vector<std::string>& args, const Expect& e) {
  cases.push_back({name, [file, from, to](const std::string& w) { patch_file(w + "/" + file, from, to); }, args, e});
}

void add_missing_and_folder(std::vector<Case>& cases, const std::string& file, const std::vector<std::string>& args,
                            const Expect& e) {
  cases.push_back({"missing " + file, [file](const std::string& w) { fs::remove(w + "/" + file); }, args, e});
  cases.push_back({"folder instead of " + file, [file](const std::string& w) { file_to_folder(w + "/" + file); }, args, e});
  cases.push_back({"empty " + file, [file](const std::string& w) { write_file(w + "/" + file, ""); }, args, e});
}

// The escape sequences a hostile file would like to reach a terminal with.
const std::string kTitle = "\x1b]0;pwned\x07";
const std::string kClear = "\x1b[2J\x1b[31m";

// ================================================================ Planetoid

const std::vector<std::string> kPlanetoidParts = {"x", "y", "tx", "ty", "allx", "ally", "graph", "test.index"};

// A pickle of `depth` nested empty lists: [[[...]]].
std::string nested_list_pickle(size_t depth) {
  return std::string("\x80\x02", 2) + std::string(depth, ']') + std::string(depth - 1, 'a') + ".";
}
// A pickle of a list holding `n` empty lists.
std::string wide_list_pickle(size_t n) { return std::string("\x80\x02(", 3) + std::string(n, ']') + "l."; }

std::vector<Case> planetoid_cases() {
  std::vector<Case> c;
  const auto args = train_on("cora", {"--data-dir", "{W}"});
  c.push_back({"pristine Cora copy", nullptr, args, valid()});
  for (const std::string& part : kPlanetoidParts) {
    const std::string file = "ind.cora." + part;
    const bool text = part == "test.index";
    // A truncated pickle loses its STOP opcode; a truncated index may still be a valid (shorter) list.
    add_truncations(c, file, args, text ? may_pass_naming({file}) : fails_naming({file}));
    // A flipped data byte may leave a valid pickle (another feature value); the protocol byte may not.
    add_flips(c, file, args, may_pass_naming({file}));
    add_missing_and_folder(c, file, args, fails_naming({file}));
  }
  // Text index: bad ids, control bytes, binary.
  const std::string ti = "ind.cora.test.index";
  for (const auto& [name, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"negative id", "-5\n2000\n"},
           {"id beyond int64", "99999999999999999999\n"},
           {"id 2^31-1", "2147483647\n"},
           {"float id", "1708.5\n"},
           {"control bytes in id", "1708\n" + kTitle + "\n"},
           {"escape sequence id", kClear + "1709\n"},
           {"NUL byte", std::string("1708\n\0\n1709\n", 12)},
           {"binary garbage", std::string("\x89PNG\r\n\x1a\n\xff\xfe\x00\x01", 12)},
           {"pickle instead of text", std::string("\x80\x02]q\x00.", 6)},
           {"only blank lines", "\n\n\n"},
       }) {
    add_replace(c, "test.index: " + name, ti, bytes, args, fails_naming({ti}));
  }
  // Lying sizes in the pickles (shapes and lengths beyond the data).
  const std::string x = "ind.cora.x", y = "ind.cora.y", g = "ind.cora.graph";
  const auto lie = fails_naming({"ind.cora."});
  add_patch(c, "x: _shape rows 2^31-1", x, std::string("K\x8cM\x99\x05\x86", 6), std::string("J\xff\xff\xff\x7fM\x99\x05\x86", 9), args, lie);
  add_patch(c, "x: _shape cols 2^30", x, std::string("K\x8cM\x99\x05\x86", 6), std::string("K\x8cJ\x00\x00\x00\x40\x86", 8), args, lie);
  add_patch(c, "x: _shape cols -1", x, std::string("K\x8cM\x99\x05\x86", 6), std::string("K\x8cJ\xff\xff\xff\xff\x86", 8), args, lie);
  add_patch(c, "x: indptr ndarray shape 2^31-1", x, std::string("K\x01K\x8d\x85", 5), std::string("K\x01J\xff\xff\xff\x7f\x85", 8), args, lie);
  add_patch(c, "x: indptr BINSTRING length 2^31-16", x, std::string("T4\x02\x00\x00", 5), std::string("T\xf0\xff\xff\x7f", 5), args, lie);
  add_patch(c, "y: shape (140, 2^28)", y, std::string("K\x01K\x8cK\x07\x86", 7), std::string("K\x01K\x8cJ\x00\x00\x00\x10\x86", 10), args, lie);
  add_patch(c, "y: shape (2^31-1, 7)", y, std::string("K\x01K\x8cK\x07\x86", 7), std::string("K\x01J\xff\xff\xff\x7fK\x07\x86", 10), args, lie);
  add_patch(c, "y: shape (0, 7)", y, std::string("K\x01K\x8cK\x07\x86", 7), std::string("K\x01K\x00K\x07\x86", 7), args, lie);
  add_patch(c, "graph: node id 2147483646 as a key", g, std::string("K\x00]q\x04", 5), std::string("J\xfe\xff\xff\x7f]q\x04", 8), args, lie);
  add_patch(c, "graph: node id -1 as a key", g, std::string("K\x00]q\x04", 5), std::string("J\xff\xff\xff\xff]q\x04", 8), args, lie);
  add_patch(c, "graph: neighbour id 2147483646", g, std::string("My\x02MF\x07", 6), std::string("J\xfe\xff\xff\x7fMF\x07", 8), args, lie);
  add_patch(c, "graph: GLOBAL with control bytes", g, "defaultdict", "default\x1b]0;x\x07" "dict", args, lie);
  add_patch(c, "x: GLOBAL not whitelisted (os.system)", x, "scipy.sparse.csr\ncsr_matrix", "os\nsystem", args, lie);
  // Wrong types: one file's content in another's place.
  for (const auto& [dst, src] : std::vector<std::pair<std::string, std::string>>{
           {"x", "y"}, {"y", "x"}, {"graph", "allx"}, {"allx", "graph"}, {"ty", "tx"}, {"test.index", "y"}}) {
    const std::string d = "ind.cora." + dst, s = "ind.cora." + src;
    c.push_back({"wrong type: " + d + " holds " + s, [d, s](const std::string& w) { fs::copy_file(w + "/" + s, w + "/" + d, fs::copy_options::overwrite_existing); },
                 args, fails_naming({"ind.cora."})});
  }
  // Another data set's part (dimensions that do not match).
  for (const std::string& part : {"x", "allx", "graph"}) {
    const std::string d = "ind.cora." + std::string(part);
    const std::string src = testing::planetoid_dir() + "/ind.citeseer." + part;
    c.push_back({"citeseer's " + std::string(part) + " in cora's place", [d, src](const std::string& w) {
                   fs::copy_file(src, w + "/" + d, fs::copy_options::overwrite_existing);
                 }, args, fails_naming({"ind.cora."})});
  }
  // Pickle bombs and lies in the opcode stream.
  add_replace(c, "graph: 1M nested empty lists", g, nested_list_pickle(1 << 20), args, fails_naming({g}));
  add_replace(c, "graph: list of 4M empty lists", g, wide_list_pickle(4 << 20), args, fails_naming({g}));
  add_replace(c, "graph: FRAME longer than the file", g, std::string("\x80\x04\x95\xff\xff\xff\x00\x00\x00\x00\x00}.", 13), args, fails_naming({g}));
  add_replace(c, "graph: BINUNICODE length 2^32-1", g, std::string("\x80\x02X\xff\xff\xff\xff" "abc.", 11), args, fails_naming({g}));
  add_replace(c, "graph: LONG_BINGET of a huge memo index", g, std::string("\x80\x02j\xff\xff\xff\x7f.", 8), args, fails_naming({g}));
  add_replace(c, "graph: unclosed MARK", g, std::string("\x80\x02(((((", 7), args, fails_naming({g}));
  add_replace(c, "graph: LONG4 of 2^31 bytes", g, std::string("\x80\x02\x8b\x00\x00\x00\x80.", 8), args, fails_naming({g}));
  return c;
}

TEST(Robustness, PlanetoidPickles) {
  Scratch s;
  const std::string dir = s.path("planetoid");
  fs::create_directories(dir);
  for (const std::string& p : kPlanetoidParts)
    fs::copy_file(testing::planetoid_dir() + "/ind.cora." + p, dir + "/ind.cora." + p);
  const size_t n = run_cases(dir, planetoid_cases(), s);
  std::printf("[robustness] Planetoid: %zu cases\n", n);
}

// ===================================================================== npz

// A small valid gnn-benchmark .npz (CSR adjacency and attributes, labels) as
// members; `edit` may change or drop them before the archive is built.
using Members = std::vector<std::pair<std::string, std::string>>;

Members gnn_members() {
  const int n = 60, f = 10;
  std::vector<int32_t> indptr{0}, indices, aindptr{0}, aindices;
  std::vector<float> data, adata;
  for (int i = 0; i < n; ++i) {
    std::set<int> nb{(i + 1) % n, (i + n - 1) % n, (i + 7) % n, (i + n - 7) % n};
    for (int j : nb) indices.push_back(j), data.push_back(1.0f);
    indptr.push_back(static_cast<int32_t>(indices.size()));
    for (int k = 0; k < 3; ++k) aindices.push_back((i % 3) * 3 + k), adata.push_back(1.0f);
    aindices.push_back(9), adata.push_back(static_cast<float>(i % 5));
    aindptr.push_back(static_cast<int32_t>(aindices.size()));
  }
  std::vector<int64_t> labels;
  for (int i = 0; i < n; ++i) labels.push_back(i % 3);
  const std::string shape_n = raw_bytes(std::vector<int64_t>{n, n}), shape_f = raw_bytes(std::vector<int64_t>{n, f});
  return {{"adj_data.npy", npy("<f4", "(" + std::to_string(data.size()) + ",)", raw_bytes(data))},
          {"adj_indices.npy", npy("<i4", "(" + std::to_string(indices.size()) + ",)", raw_bytes(indices))},
          {"adj_indptr.npy", npy("<i4", "(61,)", raw_bytes(indptr))},
          {"adj_shape.npy", npy("<i8", "(2,)", shape_n)},
          {"attr_data.npy", npy("<f4", "(" + std::to_string(adata.size()) + ",)", raw_bytes(adata))},
          {"attr_indices.npy", npy("<i4", "(" + std::to_string(aindices.size()) + ",)", raw_bytes(aindices))},
          {"attr_indptr.npy", npy("<i4", "(61,)", raw_bytes(aindptr))},
          {"attr_shape.npy", npy("<i8", "(2,)", shape_f)},
          {"labels.npy", npy("<i8", "(60,)", raw_bytes(labels))}};
}

Members hetero_members() {
  const int n = 60, f = 8, e = 120;
  std::vector<float> feat(n * f);
  for (int i = 0; i < n * f; ++i) feat[i] = static_cast<float>((i * 37) % 11) / 11.0f;
  std::vector<int64_t> labels, edges;
  for (int i = 0; i < n; ++i) labels.push_back(i % 4);
  for (int k = 0; k < e; ++k) edges.push_back(k % n), edges.push_back((k * 13 + 5) % n);
  std::vector<uint8_t> train(2 * n), val(2 * n), test(2 * n);
  for (int sidx = 0; sidx < 2; ++sidx)
    for (int i = 0; i < n; ++i) {
      const int r = (i + sidx) % 5;
      train[sidx * n + i] = r < 2, val[sidx * n + i] = r == 2, test[sidx * n + i] = r > 2;
    }
  return {{"node_features.npy", npy("<f4", "(60, 8)", raw_bytes(feat))},
          {"node_labels.npy", npy("<i8", "(60,)", raw_bytes(labels))},
          {"edges.npy", npy("<i8", "(120, 2)", raw_bytes(edges))},
          {"train_masks.npy", npy("|b1", "(2, 60)", raw_bytes(train))},
          {"val_masks.npy", npy("|b1", "(2, 60)", raw_bytes(val))},
          {"test_masks.npy", npy("|b1", "(2, 60)", raw_bytes(test))}};
}

std::string archive(const Members& m) {
  std::vector<ZipMember> z;
  for (const auto& [name, bytes] : m) z.push_back(stored_member(name, bytes));
  return zip_archive(z);
}

Members with(Members m, const std::string& name, const std::string& bytes) {
  for (auto& [k, v] : m)
    if (k == name) {
      v = bytes;
      return m;
    }
  m.push_back({name, bytes});
  return m;
}
Members without(Members m, const std::string& name) {
  std::erase_if(m, [&](const auto& kv) { return kv.first == name; });
  return m;
}

// A deflated npy member that inflates to `total` bytes: a header claiming
// `shape` / `descr`, then zeros. declared_size: what the zip records say
// (default: the truth).
ZipMember bomb_member(const std::string& name, const std::string& descr, const std::string& shape, uint64_t total,
                      int64_t declared_size = -1) {
  const std::string header = npy(descr, shape, "");
  // A stored (non-final) block with the header, then the zeros.
  std::string body;
  body += '\0';
  put_le(body, header.size(), 2);
  put_le(body, ~header.size() & 0xffff, 2);
  body += header;
  uint32_t zcrc = 0;
  body += deflate_repeated('\0', total - header.size(), &zcrc);
  const uLong hcrc = crc32(0, reinterpret_cast<const Bytef*>(header.data()), static_cast<uInt>(header.size()));
  ZipMember m;
  m.name = name;
  m.stored = body;
  m.method = 8;
  m.crc = static_cast<uint32_t>(crc32_combine(hcrc, zcrc, static_cast<z_off_t>(total - header.size())));
  m.size = declared_size >= 0 ? static_cast<uint64_t>(declared_size) : total;
  return m;
}

std::vector<Case> npz_cases() {
  std::vector<Case> c;
  const std::string texas = "texas.npz", polblogs = "polblogs.npz", gnn = "gnn.npz", het = "het.npz";
  const auto on = [](const std::string& f) { return train_on("{W}/" + f); };
  c.push_back({"pristine texas.npz", nullptr, on(texas), valid()});
  c.push_back({"pristine polblogs.npz", nullptr, on(polblogs), valid()});
  c.push_back({"pristine generated gnn-benchmark npz", nullptr, on(gnn), valid()});
  c.push_back({"pristine generated heterophilous npz", nullptr, on(het), valid()});
  for (const std::string& f : {texas, polblogs, gnn, het}) {
    add_truncations(c, f, on(f), fails_naming({f}));
    // Deflated and stored members carry a CRC; a flip in the zip records may still be harmless.
    add_flips(c, f, on(f), may_pass_naming({f}));
    add_missing_and_folder(c, f, on(f), fails_naming({f}));
  }
  // Generated variants: wrong dtypes, lying shapes, missing members.
  const Members g = gnn_members(), h = hetero_members();
  const auto gnn_case = [&](const std::string& name, const Members& m, Expect e = Expect{}) {
    if (e.names.empty() && !e.must_succeed) e.names = {gnn};
    add_replace(c, "gnn-benchmark: " + name, gnn, archive(m), on(gnn), e);
  };
  const auto het_case = [&](const std::string& name, const Members& m, Expect e = Expect{}) {
    if (e.names.empty() && !e.must_succeed) e.names = {het};
    add_replace(c, "heterophilous: " + name, het, archive(m), on(het), e);
  };
  const std::string i64_60_60 = raw_bytes(std::vector<int64_t>{60, 60});
  gnn_case("adj_shape (2^31-1, 2^31-1)", with(g, "adj_shape.npy", npy("<i8", "(2,)", raw_bytes(std::vector<int64_t>{INT32_MAX, INT32_MAX}))));
  gnn_case("adj_shape (2^40, 2^40)", with(g, "adj_shape.npy", npy("<i8", "(2,)", raw_bytes(std::vector<int64_t>{int64_t{1} << 40, int64_t{1} << 40}))));
  gnn_case("adj_shape (-60, 60)", with(g, "adj_shape.npy", npy("<i8", "(2,)", raw_bytes(std::vector<int64_t>{-60, 60}))));
  gnn_case("adj_shape (61, 60)", with(g, "adj_shape.npy", npy("<i8", "(2,)", raw_bytes(std::vector<int64_t>{61, 60}))));
  gnn_case("attr_shape (60, 2^18)", with(g, "attr_shape.npy", npy("<i8", "(2,)", raw_bytes(std::vector<int64_t>{60, 1 << 18}))),
           may_pass_naming({gnn}));
  gnn_case("attr_shape (60, 2^26)", with(g, "attr_shape.npy", npy("<i8", "(2,)", raw_bytes(std::vector<int64_t>{60, 1 << 26}))));
  gnn_case("attr_shape (60, 2^40)", with(g, "attr_shape.npy", npy("<i8", "(2,)", raw_bytes(std::vector<int64_t>{60, int64_t{1} << 40}))));
  gnn_case("attr_shape (60, 0)", with(g, "attr_shape.npy", npy("<i8", "(2,)", raw_bytes(std::vector<int64_t>{60, 0}))));
  gnn_case("npy header shape larger than the data", with(g, "adj_indices.npy", npy("<i4", "(1000000000,)", std::string(960, '\0'))));
  gnn_case("npy header shape with a negative dimension", with(g, "adj_indices.npy", npy("<i4", "(-240,)", std::string(960, '\0'))));
  gnn_case("npy header shape overflowing int64", with(g, "adj_indices.npy", npy("<i4", "(4294967296, 4294967296)", std::string(960, '\0'))));
  gnn_case("npy header shape not a tuple", with(g, "labels.npy", npy("<i8", "'sixty'", std::string(480, '\0'))));
  gnn_case("npy header garbage dict", with(g, "labels.npy", std::string("\x93NUMPY\x01\x00\x10\x00{'descr': \x1b]0;x\x07\n", 26)));
  gnn_case("npy header length beyond the member", with(g, "labels.npy", std::string("\x93NUMPY\x01\x00\xff\xff{'descr'", 18)));
  gnn_case("npy version 9.9", with(g, "labels.npy", std::string("\x93NUMPY\x09\x09", 8) + npy("<i8", "(60,)", std::string(480, '\0')).substr(8)));
  gnn_case("adj_indices as float64", with(g, "adj_indices.npy", npy("<f8", "(240,)", std::string(1920, '\x01'))));
  gnn_case("adj_indices as object array", with(g, "adj_indices.npy", npy("|O", "(240,)", std::string("\x80\x02]q\x00.", 6))));
  gnn_case("adj_indices as text", with(g, "adj_indices.npy", npy("<U5", "(240,)", std::string(240 * 20, 'a'))));
  gnn_case("adj_indices as complex", with(g, "adj_indices.npy", npy("<c8", "(240,)", std::string(1920, '\0'))));
  gnn_case("adj_indices big-endian (valid)", with(g, "adj_indices.npy", [&] {
             std::string orig = g[1].second;  // adj_indices.npy, '<i4'
             const size_t hdr = 10 + (static_cast<unsigned char>(orig[8]) | (static_cast<unsigned char>(orig[9]) << 8));
             std::string data = orig.substr(hdr);
             for (size_t i = 0; i + 4 <= data.size(); i += 4) std::swap(data[i], data[i + 3]), std::swap(data[i + 1], data[i + 2]);
             return npy(">i4", "(" + std::to_string(data.size() / 4) + ",)", data);
           }()), valid());
  gnn_case("adj_indices out of range", with(g, "adj_indices.npy", npy("<i4", "(240,)", raw_bytes(std::vector<int32_t>(240, 60)))));
  gnn_case("adj_indices negative", with(g, "adj_indices.npy", npy("<i4", "(240,)", raw_bytes(std::vector<int32_t>(240, -1)))));
  gnn_case("adj_indptr decreasing", with(g, "adj_indptr.npy", npy("<i4", "(61,)", raw_bytes(std::vector<int32_t>(61, 240)).replace(0, 4, std::string("\xf0\x00\x00\x00", 4)))));
  gnn_case("adj_indptr last beyond nnz", with(g, "adj_indptr.npy", [] {
             std::vector<int32_t> p(61);
             for (int i = 0; i < 61; ++i) p[i] = i * 4;
             p[60] = 1 << 30;
             return npy("<i4", "(61,)", raw_bytes(p));
           }()));
  gnn_case("adj_indptr too short", with(g, "adj_indptr.npy", npy("<i4", "(3,)", raw_bytes(std::vector<int32_t>{0, 4, 240}))));
  gnn_case("labels too short", with(g, "labels.npy", npy("<i8", "(10,)", raw_bytes(std::vector<int64_t>(10, 1)))));
  gnn_case("labels 2^40", with(g, "labels.npy", npy("<i8", "(60,)", raw_bytes(std::vector<int64_t>(60, int64_t{1} << 40)))));
  gnn_case("labels float with fractions", with(g, "labels.npy", npy("<f8", "(60,)", raw_bytes(std::vector<double>(60, 0.5)))));
  gnn_case("labels all one class", with(g, "labels.npy", npy("<i8", "(60,)", raw_bytes(std::vector<int64_t>(60, 0)))));
  gnn_case("attr_data NaN", with(g, "attr_data.npy", npy("<f4", "(240,)", raw_bytes(std::vector<float>(240, std::numeric_limits<float>::quiet_NaN())))));
  gnn_case("attr_data inf", with(g, "attr_data.npy", npy("<f4", "(240,)", raw_bytes(std::vector<float>(240, std::numeric_limits<float>::infinity())))));
  gnn_case("missing labels", without(g, "labels.npy"));
  gnn_case("missing attr_data (not identity features)", without(g, "attr_data.npy"));
  gnn_case("missing adj_indptr", without(g, "adj_indptr.npy"));
  gnn_case("member names with control bytes", {{"adj\x1b]0;x\x07.npy", npy("<i8", "(1,)", std::string(8, '\0'))}, {"\x1b[2J.npy", npy("<i8", "(1,)", std::string(8, '\0'))}});
  gnn_case("no members", {});
  gnn_case("duplicate member", [&] { Members m = g; m.push_back(g[0]); return m; }());
  {
    // CRC that does not match a stored member.
    std::vector<ZipMember> z;
    for (const auto& [name, bytes] : g) z.push_back(stored_member(name, bytes));
    z[4].crc ^= 0x1234;
    add_replace(c, "gnn-benchmark: stored member with a wrong CRC", gnn, zip_archive(z), on(gnn), fails_naming({gnn}));
    // Declared sizes that lie about the stored bytes.
    std::vector<ZipMember> z2 = z;
    z2[4].crc ^= 0x1234;
    z2[4].size = 0xfffffff0u;
    add_replace(c, "gnn-benchmark: stored member declaring 4 GiB", gnn, zip_archive(z2), on(gnn), fails_naming({gnn}));
  }
  // Decompression bombs: the attributes' member inflates to far more than it occupies.
  const auto bomb_case = [&](const std::string& name, const ZipMember& bomb, const std::string& mem) {
    std::vector<ZipMember> z;
    for (const auto& [n, bytes] : g)
      z.push_back(n == bomb.name ? bomb : stored_member(n, bytes));
    Case k{"gnn-benchmark bomb: " + name, [gnn, z](const std::string& w) { write_file(w + "/" + gnn, zip_archive(z)); },
           train_on("{W}/" + gnn, {}), fails_naming({gnn})};
    set_memory_limit(k.args, mem);
    c.push_back(k);
  };
  // 1 GiB (honest sizes) against a 256 MiB budget: refused before inflating.
  bomb_case("attr_data 1 GiB of zeros, budget 256M", bomb_member("attr_data.npy", "<f4", "(268435424,)", uint64_t{1} << 30), "256M");
  // Declared 240 floats; inflates to 1 GiB: must stop at the declared size.
  bomb_case("attr_data declares 1 KiB, inflates to 1 GiB", bomb_member("attr_data.npy", "<f4", "(240,)", uint64_t{1} << 30, 1024), "2G");
  // Declared 4 GiB - 1 with a 1 MiB stream: must not trust the declared size.
  bomb_case("attr_data declares 4 GiB, inflates to 1 MiB", bomb_member("attr_data.npy", "<f4", "(262128,)", uint64_t{1} << 20, 0xffffffffLL), "2G");
  // A 2 GiB member (the reproduction) under the 2 GiB budget.
  bomb_case("attr_data 2 GiB - 1 KiB of zeros", bomb_member("attr_data.npy", "<f4", "(536870656,)", (uint64_t{2} << 30) - 1024), "2G");

  // Heterophilous lies.
  het_case("node_features shape (60, 2^26)", with(h, "node_features.npy", npy("<f4", "(60, 67108864)", std::string(60 * 8 * 4, '\0'))));
  het_case("node_features shape (2^31, 8)", with(h, "node_features.npy", npy("<f4", "(2147483648, 8)", std::string(60 * 8 * 4, '\0'))));
  het_case("node_features 1-D", with(h, "node_features.npy", npy("<f4", "(480,)", std::string(480 * 4, '\0'))));
  het_case("node_features Fortran order (valid)", with(h, "node_features.npy", npy("<f4", "(60, 8)", std::string(480 * 4, '\0'), true)),
           may_pass_naming({het}));
  het_case("edges shape (120, 3)", with(h, "edges.npy", npy("<i8", "(80, 3)", std::string(1920, '\0'))));
  het_case("edges node id 2^40", with(h, "edges.npy", npy("<i8", "(1, 2)", raw_bytes(std::vector<int64_t>{0, int64_t{1} << 40}))));
  het_case("masks for 61 nodes", with(h, "train_masks.npy", npy("|b1", "(2, 61)", std::string(122, '\1'))));
  het_case("masks of 2^31 splits", with(h, "train_masks.npy", npy("|b1", "(2147483648, 60)", std::string(120, '\1'))));
  het_case("labels shape (60, 2)", with(h, "node_labels.npy", npy("<i8", "(60, 2)", std::string(960, '\0'))));
  het_case("labels negative", with(h, "node_labels.npy", npy("<i8", "(60,)", raw_bytes(std::vector<int64_t>(60, -7)))));
  het_case("missing node_features", without(h, "node_features.npy"));
  het_case("masks with the same node in train and test", with(h, "test_masks.npy", npy("|b1", "(2, 60)", std::string(120, '\1'))));
  // A zip that is not an npz, and an npz that is not a zip.
  add_replace(c, "npz: a gzip file", gnn, testing::gzip("0 1\n"), on(gnn), fails_naming({gnn}));
  add_replace(c, "npz: a text file with control bytes", gnn, "PK" + kTitle + kClear + "\n", on(gnn), fails_naming({gnn}));
  add_replace(c, "npz: end-of-central-directory only", gnn, std::string("PK\x05\x06", 4) + std::string(18, '\0'), on(gnn), fails_naming({gnn}));
  add_replace(c, "npz: central directory offset beyond the file", gnn,
              std::string("PK\x05\x06\0\0\0\0\x01\0\x01\0\x2e\0\0\0\xff\xff\xff\x7f\0\0", 22), on(gnn), fails_naming({gnn}));
  add_replace(c, "npz: 65535 entries declared", gnn,
              std::string("PK\x05\x06\0\0\0\0\xff\xff\xff\xff\x00\x00\x00\x01\0\0\0\0\0\0", 22), on(gnn), fails_naming({gnn}));
  return c;
}

TEST(Robustness, NpzFiles) {
  Scratch s;
  const std::string dir = s.path("npz");
  fs::create_directories(dir);
  fs::copy_file(testing::data_dir() + "/heterophilous/texas.npz", dir + "/texas.npz");
  fs::copy_file(testing::data_dir() + "/graphdata/polblogs.npz", dir + "/polblogs.npz");
  write_file(dir + "/gnn.npz", archive(gnn_members()));
  write_file(dir + "/het.npz", archive(hetero_members()));
  const size_t n = run_cases(dir, npz_cases(), s);
  std::printf("[robustness] npz: %zu cases\n", n);
}

// ============================================================= edge lists

std::string edge_text() {
  std::string t = "# a small graph\n# FromNodeId\tToNodeId\n";
  for (int i = 0; i < 300; ++i) t += std::to_string(i) + "\t" + std::to_string((i * 7 + 3) % 300) + "\n";
  return t;
}

std::vector<Case> edge_list_cases() {
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
           {"an npz in a .txt", archive(gnn_members())},
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

std::vector<Case> ogb_cases() {
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

std::vector<Case> fastgcn_cases() {
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

// The synthetic graph the model files are trained and used on.
const std::vector<std::string> kSynthetic = {"--nodes", "2000", "--features", "16", "--classes", "3", "--threads", "2",
                                             "--memory-limit", "2G"};

std::vector<std::string> predict_with(const std::string& model) {
  std::vector<std::string> a{"predict", "--model", model};
  a.insert(a.end(), kSynthetic.begin(), kSynthetic.end());
  return a;
}

// The parts of a version-2 model file.
struct ModelParts {
  std::string magic_version;  // 8 + 4 bytes
  std::string header;
  std::string weights;
};

ModelParts split_model(const std::string& b) {
  ModelParts p;
  const uint32_t h = static_cast<uint8_t>(b[12]) | static_cast<uint8_t>(b[13]) << 8 | static_cast<uint8_t>(b[14]) << 16 |
                     static_cast<uint32_t>(static_cast<uint8_t>(b[15])) << 24;
  p.magic_version = b.substr(0, 12);
  p.header = b.substr(16, h);
  p.weights = b.substr(16 + h, b.size() - 16 - h - 4);
  return p;
}

std::string join_model(const ModelParts& p, bool fix_crc = true, int64_t header_len = -1) {
  std::string b = p.magic_version;
  put_le(b, header_len >= 0 ? static_cast<uint64_t>(header_len) : p.header.size(), 4);
  b += p.header + p.weights;
  const uLong crc = crc32(0, reinterpret_cast<const Bytef*>(b.data()), static_cast<uInt>(b.size()));
  put_le(b, fix_crc ? crc : crc ^ 1, 4);
  return b;
}

// Edits the header JSON (a valid checksum is written: only the reader's
// field checks stand between the lie and the computation).
void edit_model(const std::string& path, const std::function<void(nlohmann::json&)>& f) {
  ModelParts p = split_model(read_file(path));
  nlohmann::json j = nlohmann::json::parse(p.header);
  f(j);
  p.header = j.dump();
  write_file(path, join_model(p));
}

// Sets every member named `key` anywhere in the JSON.
void set_everywhere(nlohmann::json& j, const std::string& key, const nlohmann::json& v) {
  if (j.is_object()) {
    for (auto& [k, val] : j.items()) {
      if (k == key) val = v;
      else set_everywhere(val, key, v);
    }
  } else if (j.is_array()) {
    for (auto& val : j) set_everywhere(val, key, v);
  }
}

std::vector<Case> model_cases() {
  std::vector<Case> c;
  const std::string m = "model.sgcm";
  const auto args = predict_with("{W}/" + m);
  c.push_back({"pristine model", nullptr, args, valid()});
  // The checksum covers every byte: every truncation and every flip must be refused.
  std::vector<At> cuts, flips;
  for (int i = 0; i <= 40; ++i) cuts.push_back({i / 40.0, i == 40 ? -1 : 0});
  for (int i = 0; i < 48; ++i) flips.push_back({i / 48.0, i % 3});
  for (int i = 0; i < 16; ++i) flips.push_back({0, i});  // magic, version, header length
  add_truncations(c, m, args, fails_naming({m}), cuts);
  add_flips(c, m, args, fails_naming({m}), flips);
  add_missing_and_folder(c, m, args, fails_naming({m}));
  const auto edit = [&](const std::string& name, std::function<void(nlohmann::json&)> f, Expect e = Expect{}) {
    if (e.names.empty() && !e.must_succeed) e.names = {m};
    c.push_back({"model header: " + name, [m, f](const std::string& w) { edit_model(w + "/" + m, f); }, args, e});
  };
  edit("k = 1e9 (checksum fixed)", [](nlohmann::json& j) { set_everywhere(j, "k", 1000000000); });
  edit("k = -3", [](nlohmann::json& j) { set_everywhere(j, "k", -3); });
  edit("k = 2.5", [](nlohmann::json& j) { set_everywhere(j, "k", 2.5); });
  edit("k as a string with control bytes", [](nlohmann::json& j) { set_everywhere(j, "k", "\x1b]0;x\x07"); });
  edit("operator unknown, with control bytes", [](nlohmann::json& j) { set_everywhere(j, "op", "sgc\x1b[31m"); });
  edit("model unknown, with control bytes", [](nlohmann::json& j) { set_everywhere(j, "model", kTitle); });
  edit("norm unknown", [](nlohmann::json& j) { set_everywhere(j, "norm", "no_such_norm"); });
  edit("self_loop 1e308", [](nlohmann::json& j) { set_everywhere(j, "self_loop", 1e308); }, fails_naming({m, "self_loop"}));
  edit("operator as a number", [](nlohmann::json& j) { set_everywhere(j, "operator", 7); });
  edit("epochs -1 (unused by predict: may pass)", [](nlohmann::json& j) { set_everywhere(j, "epochs", -1); }, may_pass_naming({m}));
  edit("header says version 99, the file 2", [](nlohmann::json& j) { j["version"] = 99; });
  edit("format wrong", [](nlohmann::json& j) { j["format"] = "not-a-model"; });
  edit("weights count 2^40", [](nlohmann::json& j) { j["weights"] = int64_t{1} << 40; });
  edit("weights count -1", [](nlohmann::json& j) { j["weights"] = -1; });
  edit("dim 17 (data has 16 features)", [](nlohmann::json& j) { set_everywhere(j, "dim", 17); });
  edit("dim 2^31", [](nlohmann::json& j) { set_everywhere(j, "dim", int64_t{1} << 31); });
  edit("classes 2^31", [](nlohmann::json& j) { set_everywhere(j, "classes", int64_t{1} << 31); });
  edit("classes 0", [](nlohmann::json& j) { set_everywhere(j, "classes", 0); });
  edit("no config", [](nlohmann::json& j) { j.erase("config"); });
  edit("no state", [](nlohmann::json& j) { j.erase("state"); });
  edit("config is an array", [](nlohmann::json& j) { j["config"] = nlohmann::json::array({1, 2}); });
  edit("header is a number", [](nlohmann::json& j) { j = 42; });
  edit("heat with t = 1e6", [](nlohmann::json& j) {
    j["config"]["operator"]["op"] = "heat";
    j["config"]["operator"]["t"] = 1e6;
  });
  edit("ppr with alpha \"nan\"", [](nlohmann::json& j) {
    j["config"]["operator"]["op"] = "ppr";
    j["config"]["operator"]["alpha"] = "nan";
  });
  edit("dgc_naive with k = 100000", [](nlohmann::json& j) {
    j["config"]["operator"]["op"] = "dgc_naive";
    j["config"]["operator"]["k"] = 100000;
  });
  edit("sign with k = 1000", [](nlohmann::json& j) {
    j["config"]["operator"]["op"] = "sign";
    j["config"]["operator"]["k"] = 1000;
  });
  edit("training info with control bytes (harmless: never shown raw)",
       [](nlohmann::json& j) { j["training"] = {{"dataset", kTitle + kClear}}; }, may_pass_naming({m}));
  c.push_back({"model header: not JSON, with control bytes (checksum fixed)", [m](const std::string& w) {
                 ModelParts p = split_model(read_file(w + "/" + m));
                 p.header = "{\"config\": " + kTitle + "}";
                 write_file(w + "/" + m, join_model(p));
               }, args, fails_naming({m})});
  c.push_back({"model: header length 0xfffffff0", [m](const std::string& w) {
                 write_file(w + "/" + m, join_model(split_model(read_file(w + "/" + m)), true, 0xfffffff0LL));
               }, args, fails_naming({m})});
  c.push_back({"model: header length 0", [m](const std::string& w) {
                 write_file(w + "/" + m, join_model(split_model(read_file(w + "/" + m)), true, 0));
               }, args, fails_naming({m})});
  c.push_back({"model: weights appended (checksum fixed)", [m](const std::string& w) {
                 ModelParts p = split_model(read_file(w + "/" + m));
                 p.weights += std::string(64, '\0');
                 write_file(w + "/" + m, join_model(p));
               }, args, fails_naming({m})});
  c.push_back({"model: NaN weights (checksum fixed)", [m](const std::string& w) {
                 ModelParts p = split_model(read_file(w + "/" + m));
                 for (size_t i = 0; i + 4 <= p.weights.size(); i += 4) p.weights.replace(i, 4, std::string("\x00\x00\xc0\x7f", 4));
                 write_file(w + "/" + m, join_model(p));
               }, args, fails_naming({m})});
  c.push_back({"model: a text file", [m](const std::string& w) { write_file(w + "/" + m, "SGCMODEL is what I am\n" + kTitle); },
               args, fails_naming({m})});
  c.push_back({"model: an npz", [m](const std::string& w) { write_file(w + "/" + m, archive(gnn_members())); }, args,
               fails_naming({m})});
  return c;
}

TEST(Robustness, ModelFiles) {
  Scratch s;
  const std::string dir = s.path("model");
  fs::create_directories(dir);
  std::vector<std::string> train{cli(), "train", "--epochs", "2", "--save", dir + "/model.sgcm"};
  train.insert(train.end(), kSynthetic.begin(), kSynthetic.end());
  const Outcome o = run(train, s.path("train.log"), 60);
  ASSERT_EQ(o.exit_code, 0) << o.output;
  const size_t n = run_cases(dir, model_cases(), s);
  std::printf("[robustness] model files: %zu cases\n", n);
}

// The suite's size: the issue asks for at least 300 generated cases.
TEST(Robustness, AtLeast300Cases) {
  const size_t n = planetoid_cases().size() + npz_cases().size() + edge_list_cases().size() + ogb_cases().size() +
                   fastgcn_cases().size() + model_cases().size();
  std::printf("[robustness] %zu generated cases in all\n", n);
  EXPECT_GE(n, 300u);
}

// ================================================================== faults

// Runs `args` under a file-size limit of `blocks` 512-byte blocks with
// SIGXFSZ ignored, so writes beyond it fail with EFBIG (a full disk).
Outcome run_with_full_disk(const std::vector<std::string>& args, int blocks, const std::string& log) {
  std::vector<std::string> argv{"/bin/sh", "-c", "trap '' XFSZ; ulimit -f " + std::to_string(blocks) + "; exec \"$0\" \"$@\"", cli()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, log, 60);
}

std::set<std::string> listing(const std::string& dir) {
  std::set<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

struct FullDiskCase {
  std::string name;
  std::vector<std::string> args;  // {T} is the target
  std::string target;             // file name in the output folder
  int blocks;
};

class FullDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = s_.path("model.sgcm");
    std::vector<std::string> train{cli(), "train", "--epochs", "2", "--save", model_};
    train.insert(train.end(), kSynthetic.begin(), kSynthetic.end());
    const Outcome o = run(train, s_.path("train.log"), 60);
    ASSERT_EQ(o.exit_code, 0) << o.output;
  }

  // With and without an existing file at the target.
  void check(const FullDiskCase& fc) {
    for (bool existing : {false, true}) {
      SCOPED_TRACE(fc.name + (existing ? " (over an existing file)" : " (new file)"));
      const std::string out = s_.path("out");
      std::error_code ec;
      fs::remove_all(out, ec);
      fs::create_directories(out);
      const std::string target = out + "/" + fc.target;
      const std::string before = "the previous version, which must survive\n";
      if (existing) write_file(target, before);
      std::vector<std::string> args;
      for (std::string a : fc.args) {
        if (a == "{T}") a = target;
        if (a == "{M}") a = model_;
        args.push_back(a);
      }
      const Outcome o = run_with_full_disk(args, fc.blocks, s_.path("fault.log"));
      check_outcome(fc.name, o, fails_naming({fc.target}));
      EXPECT_NE(o.exit_code, 0) << "a failed write reported success: " << visible(o.output);
      if (existing) {
        EXPECT_EQ(read_file(target), before) << "the existing file was changed or destroyed";
      } else {
        EXPECT_FALSE(fs::exists(target)) << "a partial file was left at the target (" << fs::file_size(target, ec) << " bytes)";
      }
      const std::set<std::string> want = existing ? std::set<std::string>{fc.target} : std::set<std::string>{};
      EXPECT_EQ(listing(out), want) << "temporary files were left in the output folder";
    }
  }

  Scratch s_;
  std::string model_;
};

TEST_F(FullDisk, TrainSave) {
  // 2000 features x 3 classes: a ~24 KB model against a 4 KiB limit.
  check({"train --save", {"train", "--epochs", "2", "--nodes", "2000", "--features", "2000", "--classes", "3", "--threads",
                          "2", "--memory-limit", "2G", "--save", "{T}"},
         "model.sgcm", 8});
}

TEST_F(FullDisk, PredictOut) {
  // 3000 nodes: a ~25 KB CSV against a 4 KiB limit.
  check({"predict --out", {"predict", "--model", "{M}", "--nodes", "3000", "--features", "16", "--classes", "3",
                           "--threads", "2", "--memory-limit", "2G", "--out", "{T}"},
         "pred.csv", 8});
}

TEST_F(FullDisk, SweepPlot) {
  check({"sweep --plot", {"sweep", "--ops", "sgc", "--ks", "1,2", "--epochs", "2", "--nodes", "2000", "--features", "16",
                          "--classes", "3", "--threads", "2", "--memory-limit", "2G", "--plot", "{T}"},
         "plot.svg", 1});
}

TEST(Faults, SweepPngKeepsAnExistingSvg) {
  // `sweep --plot X.png` must not delete an X.png.svg it did not create, whether or not it can render PNG.
  Scratch s;
  const std::string out = s.path("o");
  fs::create_directories(out);
  write_file(out + "/X.png.svg", "mine\n");
  const Outcome o = run({cli(), "sweep", "--ops", "sgc", "--ks", "1", "--epochs", "2", "--nodes", "2000", "--features", "8",
                         "--classes", "3", "--threads", "2", "--plot", out + "/X.png"},
                        s.path("log"), 60);
  EXPECT_LT(o.exit_code, 128) << o.output;
  EXPECT_EQ(read_file(out + "/X.png.svg"), "mine\n") << "an existing file was deleted or changed";
}

// A kill at any moment of `train --save` leaves the target absent or the
// previous version intact, or a complete new model (predict accepts it).
TEST(Faults, SigkillDuringTrainSave) {
  Scratch s;
  const std::string target = s.path("model.sgcm"), log = s.path("log");
  std::vector<std::string> train{cli(), "train", "--epochs", "200", "--nodes", "3000", "--features", "300", "--classes",
                                 "5", "--threads", "2", "--memory-limit", "2G", "--save", target};
  // How long a full run takes (the kills are spread over it).
  const Outcome full = run(train, log, 120);
  ASSERT_EQ(full.exit_code, 0) << full.output;
  const std::string good = read_file(target);
  const std::string before = "the previous version\n";
  int kills = 0;
  for (int i = 1; i <= 10; ++i) {
    for (bool existing : {false, true}) {
      std::error_code ec;
      fs::remove(target, ec);
      if (existing) write_file(target, before);
      const double delay = full.seconds * i / 10.0;
      const pid_t pid = spawn(train, log);
      std::this_thread::sleep_for(std::chrono::duration<double>(delay));
      kill(-pid, SIGKILL);
      const int code = wait_for(pid, 30);
      kills += code == 128 + SIGKILL;
      SCOPED_TRACE("SIGKILL after " + std::to_string(delay) + " s" + (existing ? ", over an existing file" : ""));
      if (!fs::exists(target)) {
        EXPECT_FALSE(existing) << "the existing file was deleted";
        continue;
      }
      const std::string now = read_file(target);
      if (existing && now == before) continue;
      // Otherwise it must be a complete model.
      EXPECT_EQ(now.size(), good.size()) << "a partial model was left at the target";
      std::vector<std::string> predict{cli(), "predict", "--model", target, "--nodes", "3000", "--features", "300",
                                       "--classes", "5", "--threads", "2"};
      const Outcome p = run(predict, s.path("p.log"), 60);
      EXPECT_EQ(p.exit_code, 0) << "the model at the target does not load: " << visible(p.output);
    }
  }
  EXPECT_GT(kills, 0) << "no run was still going when killed (the runs are too short)";
}

// Ctrl-C during a long run: exit 130 promptly, the target untouched.
TEST(Faults, SigintStopsALongRun) {
  Scratch s;
  const std::string target = s.path("model.sgcm"), log = s.path("log");
  const std::string before = "the previous version\n";
  write_file(target, before);
  std::vector<std::string> train{cli(), "train", "--epochs", "100000000", "--nodes", "2000", "--features", "64",
                                 "--classes", "4", "--threads", "2", "--memory-limit", "2G", "--save", target};
  const pid_t pid = spawn(train, log);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  const auto t0 = std::chrono::steady_clock::now();
  kill(pid, SIGINT);
  bool timed_out = false;
  const int code = wait_for(pid, 20, &timed_out);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::string out = read_file(log);
  EXPECT_FALSE(timed_out) << "SIGINT did not stop the run within 20 s";
  EXPECT_EQ(code, 130) << visible(out);
  EXPECT_LT(took, 5.0) << "SIGINT took " << took << " s to stop the run";
  EXPECT_EQ(first_unsafe_byte(out), std::string::npos) << visible(out);
  EXPECT_EQ(read_file(target), before) << "the existing model was changed";
  EXPECT_EQ(listing(s.path("")).count("model.sgcm"), 1u);
  for (const std::string& name : listing(s.path("")))
    EXPECT_TRUE(name == "model.sgcm" || name == "log") << "left behind: " << name;
}

// A second Ctrl-C during a long sweep and tune stops them too.
TEST(Faults, SigintStopsTuneAndSweep) {
  Scratch s;
  const std::string log = s.path("log");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"tune", "--trials", "100000", "--epochs", "50", "--nodes", "2000", "--features", "64",
                                 "--classes", "4", "--threads", "2"},
        std::vector<std::string>{"sweep", "--ops", "sgc", "--ks", "1,2,4,8,16,32,64", "--epochs", "100000000", "--nodes",
                                 "2000", "--features", "64", "--classes", "4", "--threads", "2"}}) {
    SCOPED_TRACE(args[0]);
    std::vector<std::string> argv{cli()};
    argv.insert(argv.end(), args.begin(), args.end());
    const pid_t pid = spawn(argv, log);
    std::this_thread::sleep_for(std::chrono::milliseconds(2000));
    kill(pid, SIGINT);
    bool timed_out = false;
    const int code = wait_for(pid, 20, &timed_out);
    EXPECT_FALSE(timed_out) << "SIGINT did not stop `sgc " << args[0] << "` within 20 s";
    EXPECT_EQ(code, 130) << visible(read_file(log));
  }
}

}  // namespace
}  // namespace sgc::robustness
