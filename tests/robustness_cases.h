// Shared pieces of the robustness suite (robustness_*_test.cc): the case
// type, the runner, the corruption adders and the family generators' declarations.
#pragma once

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


constexpr double kTimeoutS = 20;

inline std::string cli() { return SGC_CLI_PATH; }

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

inline std::vector<std::string> substitute(std::vector<std::string> args, const std::string& work) {
  for (std::string& a : args)
    for (size_t p; (p = a.find("{W}")) != std::string::npos;) a.replace(p, 3, work);
  return args;
}

inline void set_memory_limit(std::vector<std::string>& args, const std::string& limit) {
  for (size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == "--memory-limit") args[i + 1] = limit;
}

// The peak memory a run may reach: its --memory-limit plus a margin for the
// program itself (code, runtime, buffers outside the budget).
inline int64_t rss_cap_kb(const std::vector<std::string>& args) {
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
inline size_t run_cases(const std::string& pristine, const std::vector<Case>& cases, const Scratch& s) {
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
inline std::vector<std::string> train_on(const std::string& dataset, std::vector<std::string> extra = {}) {
  std::vector<std::string> a{"train", "--dataset", dataset, "--epochs", "2", "--threads", "2", "--memory-limit", "2G"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

inline Expect fails_naming(std::vector<std::string> names) { return Expect{false, false, std::move(names)}; }
inline Expect may_pass_naming(std::vector<std::string> names) { return Expect{true, false, std::move(names)}; }
inline Expect valid() { return Expect{false, true, {}}; }

// Offsets for truncations and bit flips.
inline const std::vector<At> kTruncations = {{0, 0},   {0, 1},   {0, 2},    {0, 7},   {0, 16},   {0.1, 0},
                                      {0.33, 0}, {0.5, 0}, {0.77, 0}, {1, -9},  {1, -2},   {1, -1}};
inline const std::vector<At> kFlips = {{0, 0}, {0, 1}, {0.05, 0}, {0.25, 3}, {0.5, 0}, {0.75, 1}, {1, -5}, {1, -1}};

inline void add_truncations(std::vector<Case>& cases, const std::string& file, const std::vector<std::string>& args,
                     const Expect& e, const std::vector<At>& offsets = kTruncations) {
  for (const At& at : offsets)
    cases.push_back({"truncate " + file + " at " + at.str(), [file, at](const std::string& w) {
                       truncate_file(w + "/" + file, at);
                     }, args, e});
}

inline void add_flips(std::vector<Case>& cases, const std::string& file, const std::vector<std::string>& args, const Expect& e,
               const std::vector<At>& offsets = kFlips) {
  int bit = 0;
  for (const At& at : offsets) {
    const int b = bit++ % 8;
    cases.push_back({"flip bit " + std::to_string(b) + " of " + file + " at " + at.str(),
                     [file, at, b](const std::string& w) { flip_bit(w + "/" + file, at, b); }, args, e});
  }
}

inline void add_replace(std::vector<Case>& cases, const std::string& name, const std::string& file, std::string bytes,
                 const std::vector<std::string>& args, const Expect& e, double timeout_s = kTimeoutS) {
  cases.push_back({name, [file, bytes](const std::string& w) { write_file(w + "/" + file, bytes); }, args, e, timeout_s});
}

inline void add_patch(std::vector<Case>& cases, const std::string& name, const std::string& file, std::string from,
               std::string to, const std::vector<std::string>& args, const Expect& e) {
  cases.push_back({name, [file, from, to](const std::string& w) { patch_file(w + "/" + file, from, to); }, args, e});
}

inline void add_missing_and_folder(std::vector<Case>& cases, const std::string& file, const std::vector<std::string>& args,
                            const Expect& e) {
  cases.push_back({"missing " + file, [file](const std::string& w) { fs::remove(w + "/" + file); }, args, e});
  cases.push_back({"folder instead of " + file, [file](const std::string& w) { file_to_folder(w + "/" + file); }, args, e});
  cases.push_back({"empty " + file, [file](const std::string& w) { write_file(w + "/" + file, ""); }, args, e});
}

// The escape sequences a hostile file would like to reach a terminal with.
inline const std::string kTitle = "\x1b]0;pwned\x07";
inline const std::string kClear = "\x1b[2J\x1b[31m";


// ---- npz members (the npz family, and FastGCN/OGB cases that need archives)

// A small valid gnn-benchmark .npz (CSR adjacency and attributes, labels) as
// members; `edit` may change or drop them before the archive is built.
using Members = std::vector<std::pair<std::string, std::string>>;

inline Members gnn_members() {
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

inline Members hetero_members() {
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

inline std::string archive(const Members& m) {
  std::vector<ZipMember> z;
  for (const auto& [name, bytes] : m) z.push_back(stored_member(name, bytes));
  return zip_archive(z);
}

inline Members with(Members m, const std::string& name, const std::string& bytes) {
  for (auto& [k, v] : m)
    if (k == name) {
      v = bytes;
      return m;
    }
  m.push_back({name, bytes});
  return m;
}
inline Members without(Members m, const std::string& name) {
  std::erase_if(m, [&](const auto& kv) { return kv.first == name; });
  return m;
}

// A deflated npy member that inflates to `total` bytes: a header claiming
// `shape` / `descr`, then zeros. declared_size: what the zip records say
// (default: the truth).
inline ZipMember bomb_member(const std::string& name, const std::string& descr, const std::string& shape, uint64_t total,
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


// The synthetic graph the model files are trained and used on.
inline const std::vector<std::string> kSynthetic = {"--nodes", "2000", "--features", "16", "--classes", "3", "--threads", "2",
                                             "--memory-limit", "2G"};

// The generators of each family (defined in their test files; counted by
// Robustness.AtLeast300Cases).
std::vector<Case> planetoid_cases();
std::vector<Case> npz_cases();
std::vector<Case> edge_list_cases();
std::vector<Case> ogb_cases();
std::vector<Case> fastgcn_cases();
std::vector<Case> model_cases();

}  // namespace sgc::robustness
