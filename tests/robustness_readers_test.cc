// The robustness suite, part 1/3: generated malformed Planetoid ind.* pickles (copies of the real Cora files) and .npz files (heterophilous, graphdata, gnn-benchmark).
// What every case checks, and the faults: robustness_test.cc; the runner and
// corruption helpers: robustness_cases.h, robustness_util.h.
#include <gtest/gtest.h>

#include "robustness_cases.h"

namespace sgc::robustness {

namespace {

// ================================================================ Planetoid

const std::vector<std::string> kPlanetoidParts = {"x", "y", "tx", "ty", "allx", "ally", "graph", "test.index"};

// A pickle of `depth` nested empty lists: [[[...]]].
std::string nested_list_pickle(size_t depth) {
  return std::string("\x80\x02", 2) + std::string(depth, ']') + std::string(depth - 1, 'a') + ".";
}
// A pickle of a list holding `n` empty lists.
std::string wide_list_pickle(size_t n) { return std::string("\x80\x02(", 3) + std::string(n, ']') + "l."; }

std::vector<Case> planetoid_cases_impl() {
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

std::vector<Case> npz_cases_impl() {
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
    // Inflating up to 2 GiB takes seconds alone and can pass 20 s on two
    // cores shared with other tests; a hang is still caught.
    k.timeout_s = 3 * kTimeoutS;
    c.push_back(k);
  };
  // 1 GiB (honest sizes) against a 256 MiB budget: refused before inflating.
  bomb_case("attr_data 1 GiB of zeros, budget 256M", bomb_member("attr_data.npy", "<f4", "(268435424,)", uint64_t{1} << 30), "256M");
  // Declared 240 floats; inflates to 1 GiB: must stop at the declared size.
  bomb_case("attr_data declares 1 KiB, inflates to 1 GiB", bomb_member("attr_data.npy", "<f4", "(240,)", uint64_t{1} << 30, 1024), "2G");
  // Declared 4 GiB - 1 with a 1 MiB stream: must not trust the declared size.
  bomb_case("attr_data declares 4 GiB, inflates to 1 MiB", bomb_member("attr_data.npy", "<f4", "(262128,)", uint64_t{1} << 20, 0xffffffffLL), "2G");
  // A member as large as the 2 GiB budget itself: refused, naming the file.
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

}  // namespace

std::vector<Case> planetoid_cases() { return planetoid_cases_impl(); }
std::vector<Case> npz_cases() { return npz_cases_impl(); }


}  // namespace sgc::robustness
