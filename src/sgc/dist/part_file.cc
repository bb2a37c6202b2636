#include "sgc/dist/part_file.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sgc/error.h"
#include "sgc/graph/normalize.h"
#include "sgc/util/atomic_file.h"
#include "sgc/dist/rank_part.h"

namespace sgc::dist {

namespace {

constexpr char kMagic[8] = {'S', 'G', 'C', 'P', 'A', 'R', 'T', '1'};
constexpr const char* kFormat = "sgc-partition";
constexpr int kVersion = 1;

std::string part_name(int r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "part-%05d.bin", r);
  return buf;
}

template <class T>
void put(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof(T));
}
template <class T>
void put_array(std::string& out, const T* v, size_t n) {
  out.append(reinterpret_cast<const char*>(v), n * sizeof(T));
}

// Bounds-checked reads of a part's bytes.
struct Reader {
  const std::string& bytes;
  size_t at = 0;
  template <class T>
  T get() {
    T v;
    need(sizeof(T));
    std::memcpy(&v, bytes.data() + at, sizeof(T));
    at += sizeof(T);
    return v;
  }
  template <class T>
  std::vector<T> array(int64_t n) {
    if (n < 0 || uint64_t(n) > (bytes.size() - at) / sizeof(T)) throw FormatError("truncated part (array of " + std::to_string(n) + ")");
    std::vector<T> v(static_cast<size_t>(n));
    std::memcpy(v.data(), bytes.data() + at, size_t(n) * sizeof(T));
    at += size_t(n) * sizeof(T);
    return v;
  }
  void need(size_t n) const {
    if (bytes.size() - at < n) throw FormatError("truncated part");
  }
};

uint32_t crc_of(const std::string& b) {
  uLong c = crc32(0L, Z_NULL, 0);
  for (size_t at = 0; at < b.size(); at += (size_t(1) << 30))
    c = crc32(c, reinterpret_cast<const Bytef*>(b.data() + at), uInt(std::min(b.size() - at, size_t(1) << 30)));
  return uint32_t(c);
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw FileError(path + ": cannot open (missing part or manifest?)");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A part's bytes (the layout in part_file.h).
std::string encode(const RankPart& q) {
  const bool dense = q.x.is_dense();
  std::string b;
  b.append(kMagic, 8);
  put<uint32_t>(b, uint32_t(q.rank));
  put<uint32_t>(b, uint32_t(q.parts));
  put<uint32_t>(b, dense ? 1u : 0u);
  put<uint32_t>(b, 0u);
  for (int64_t v : {q.nodes, q.first, q.rows, q.features, int64_t(q.classes), q.a.nnz(), int64_t(q.halo.size()),
                    dense ? int64_t(0) : q.x.sparse.nnz()})
    put<int64_t>(b, v);
  put_array(b, q.a.indptr.data(), q.a.indptr.size());
  put_array(b, q.a.indices.data(), q.a.indices.size());
  put_array(b, q.a.values.data(), q.a.values.size());
  for (size_t h = 0; h < q.halo.size(); ++h) {
    put<int64_t>(b, q.halo[h]);
    put<double>(b, q.halo_deg[h]);
    put<int64_t>(b, q.halo_train[h]);
    put<double>(b, q.halo_train_deg[h]);
  }
  put_array(b, q.labels.data(), q.labels.size());
  put_array(b, q.split.data(), q.split.size());
  if (dense) {
    for (Eigen::Index i = 0; i < q.x.dense.rows(); ++i) put_array(b, q.x.dense.row(i).data(), size_t(q.features));
  } else {
    put_array(b, q.x.sparse.indptr.data(), q.x.sparse.indptr.size());
    put_array(b, q.x.sparse.indices.data(), q.x.sparse.indices.size());
    put_array(b, q.x.sparse.values.data(), q.x.sparse.values.size());
  }
  return b;
}

}  // namespace

namespace {
// The output folder, made if missing; FileError naming --out when it cannot be
// (a file in the way, no permission).
void make_output_folder(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (!std::filesystem::is_directory(dir))
    throw FileError("--out: " + dir + ": cannot create the folder" + (ec ? " (" + ec.message() + ")" : std::string()));
}
}  // namespace

void write_partitioned(const Dataset& d, PartitionMethod method, int parts, const std::string& dir, int split) {
  validate_dataset(d, d.name);
  if (parts > d.num_nodes())
    throw ArgumentError("--parts: " + std::to_string(parts) + " parts for the " + std::to_string(d.num_nodes()) +
                        " nodes of " + d.name + "; each part needs at least one node");
  const Partition p = make_partition(method, d.adjacency, parts);
  const PartCutter cutter(d, p);
  make_output_folder(dir);
  nlohmann::json files = nlohmann::json::array();
  for (int r = 0; r < parts; ++r) {
    const std::string b = encode(cutter.part(r));
    write_file_atomically(dir + "/" + part_name(r), b);
    files.push_back({{"file", part_name(r)}, {"rows", p.size_of(r)}, {"bytes", b.size()}, {"crc32", crc_of(b)}});
  }
  nlohmann::json m = {{"format", kFormat},           {"version", kVersion},   {"parts", parts},
                      {"method", to_string(method)}, {"dataset", d.name},     {"family", d.family},
                      {"nodes", d.num_nodes()},      {"features", d.num_features()},
                      {"classes", d.num_classes},    {"cut_nonzeros", cutter.cut()}, {"split", split},
                      {"files", files}};
  if (!d.label_values.empty()) m["label_values"] = d.label_values;  // for predict's output
  write_file_atomically(dir + "/manifest.json", m.dump(1) + "\n");
}

void write_rank_parts(const Comm& comm, const RankPart& part, const std::string& method, const std::string& dataset,
                      const std::string& family, int64_t cut, const std::string& dir) {
  std::string err;
  // rows, bytes, crc of every part, gathered on every rank.
  std::vector<int64_t> info(3 * size_t(comm.size()), 0);
  try {
    make_output_folder(dir);
    const std::string b = encode(part);
    write_file_atomically(dir + "/" + part_name(comm.rank()), b);
    info[3 * size_t(comm.rank())] = part.rows;
    info[3 * size_t(comm.rank()) + 1] = int64_t(b.size());
    info[3 * size_t(comm.rank()) + 2] = int64_t(crc_of(b));
  } catch (const std::exception& e) {
    err = e.what();
  }
  agree_or_throw(comm, err);
  comm.sum(info);
  if (comm.rank() == 0) {
    try {
      nlohmann::json files = nlohmann::json::array();
      for (int r = 0; r < comm.size(); ++r)
        files.push_back({{"file", part_name(r)}, {"rows", info[3 * size_t(r)]}, {"bytes", info[3 * size_t(r) + 1]},
                         {"crc32", uint32_t(info[3 * size_t(r) + 2])}});
      const nlohmann::json m = {{"format", kFormat},     {"version", kVersion},       {"parts", comm.size()},
                                {"method", method},      {"dataset", dataset},        {"family", family},
                                {"nodes", part.nodes},   {"features", part.features}, {"classes", part.classes},
                                {"cut_nonzeros", cut},   {"split", 0},                {"files", files}};
      write_file_atomically(dir + "/manifest.json", m.dump(1) + "\n");
    } catch (const std::exception& e) {
      err = e.what();
    }
  }
  agree_or_throw(comm, err);
}

namespace {
nlohmann::json parse_manifest(const std::string& path) {
  nlohmann::json m;
  try {
    m = nlohmann::json::parse(read_all(path));
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(path + ": not valid JSON (" + e.what() + ")");
  }
  if (!m.is_object() || m.value("format", "") != kFormat)
    throw FormatError(path + ": not an sgc partition manifest");
  if (m.value("version", 0) != kVersion)
    throw FormatError(path + ": version " + std::to_string(m.value("version", 0)) + ", this sgc reads " +
                      std::to_string(kVersion));
  return m;
}

// The manifest is JSON that a person may edit: what sgc partition writes
// and the reader relies on is checked here (the parts' own bytes by their
// checksums, each part's header against these fields by read_part).
void check_manifest_fields(const std::string& path, const nlohmann::json& m, const PartManifest& pm) {
  const auto fail = [&path](const std::string& what) { throw FormatError(path + ": " + what); };
  try {
    parse_partition_method(pm.method);
  } catch (const ArgumentError&) {
    fail("method \"" + pm.method + "\" is none sgc partition writes (contiguous, metis)");
  }
  if (pm.dataset.empty() || pm.family.empty()) fail("no data set name or family");
  if (pm.nodes < 1 || pm.nodes > (int64_t(1) << 31) || pm.features < 1 || pm.classes < 1)
    fail(std::to_string(pm.nodes) + " nodes, " + std::to_string(pm.features) + " features, " +
         std::to_string(pm.classes) + " classes: not the shape of a graph");
  int64_t rows = 0;
  for (int r = 0; r < pm.parts; ++r) {
    const nlohmann::json& f = m.at("files").at(size_t(r));
    const std::string where = "files[" + std::to_string(r) + "]";
    if (f.at("file").get<std::string>() != part_name(r))
      fail(where + " names \"" + f.at("file").get<std::string>() + "\"; rank " + std::to_string(r) + " reads " +
           part_name(r));
    const int64_t n = f.at("rows").get<int64_t>();
    if (n < 0 || n > pm.nodes || f.at("bytes").get<int64_t>() < 0) fail(where + ": negative or impossible sizes");
    rows += n;
  }
  if (rows != pm.nodes)
    fail("the parts hold " + std::to_string(rows) + " rows in all, the graph " + std::to_string(pm.nodes) + " nodes");
}
}  // namespace

PartManifest read_manifest(const Comm& comm, const std::string& dir) {
  const std::string path = dir + "/manifest.json";
  std::string err;
  PartManifest pm;
  try {
    const nlohmann::json m = parse_manifest(path);
    pm.parts = m.at("parts").get<int>();
    pm.dataset = m.at("dataset").get<std::string>();
    pm.family = m.at("family").get<std::string>();
    pm.method = m.at("method").get<std::string>();
    pm.nodes = m.at("nodes").get<int64_t>();
    pm.features = m.at("features").get<int64_t>();
    pm.classes = m.at("classes").get<int32_t>();
    pm.cut = m.value("cut_nonzeros", int64_t(-1));
    pm.split = m.value("split", -1);
    pm.label_values = m.value("label_values", std::vector<int64_t>{});
    if (!pm.label_values.empty() && int64_t(pm.label_values.size()) != pm.classes)
      throw FormatError(path + ": " + std::to_string(pm.label_values.size()) + " label values for " +
                        std::to_string(pm.classes) + " classes");
    if (!m.at("files").is_array() || int(m.at("files").size()) != pm.parts)
      throw FormatError(path + ": lists " + std::to_string(m.at("files").size()) + " files for " +
                        std::to_string(pm.parts) + " parts");
    check_manifest_fields(path, m, pm);
    if (pm.parts != comm.size())
      throw ArgumentError(path + ": written for " + std::to_string(pm.parts) + " ranks, this run has " +
                          std::to_string(comm.size()) + " (mpirun -np " + std::to_string(pm.parts) +
                          ", or sgc partition --parts " + std::to_string(comm.size()) + ")");
  } catch (const nlohmann::json::exception& e) {
    err = path + ": bad field (" + e.what() + ")";
  } catch (const Error& e) {
    err = e.what();
  }
  agree_or_throw(comm, err);
  return pm;
}

namespace {

// What the halo exchange and S's rows rely on (a part with a valid checksum
// may still be hand-made): halo ids strictly increasing, inside the graph and
// outside the part's own rows; every column outside them in the halo; halo
// degrees finite and non-negative; training indices >= -1. (Edge weights are
// checked for every part, read or cut in memory, by local_data.)
void check_halo(const RankPart& q) {
  const int64_t hi = q.first + q.rows;
  for (size_t h = 0; h < q.halo.size(); ++h) {
    const int64_t id = q.halo[h];
    const std::string where = "halo entry " + std::to_string(h) + " (node " + std::to_string(id) + ")";
    if (id < 0 || id >= q.nodes) throw FormatError(where + ": outside the graph's " + std::to_string(q.nodes) + " nodes");
    if (id >= q.first && id < hi) throw FormatError(where + ": one of the part's own rows");
    if (h > 0 && id <= q.halo[h - 1]) throw FormatError(where + ": halo ids are not strictly increasing");
    if (!(q.halo_deg[h] >= 0) || !std::isfinite(q.halo_deg[h]) || !(q.halo_train_deg[h] >= 0) ||
        !std::isfinite(q.halo_train_deg[h]))
      throw FormatError(where + ": degree is not a finite non-negative number");
    if (q.halo_train[h] < -1) throw FormatError(where + ": bad training index " + std::to_string(q.halo_train[h]));
  }
  for (int64_t i = 0; i < q.rows; ++i)
    for (int64_t p = q.a.indptr[size_t(i)]; p < q.a.indptr[size_t(i) + 1]; ++p) {
      const int64_t col = q.a.indices[size_t(p)];
      if ((col < q.first || col >= hi) && !std::binary_search(q.halo.begin(), q.halo.end(), col))
        throw FormatError("row " + std::to_string(i) + ": neighbour " + std::to_string(col) + " is not in the halo");
    }
}

}  // namespace

LocalData read_part(const Comm& comm, const std::string& dir, const Config& c) {
  const PartManifest pm = read_manifest(comm, dir);
  const int me = comm.rank();
  const std::string path = dir + "/" + part_name(me);
  std::string err, bytes;
  RankPart q;
  int64_t& lo = q.first;
  int64_t& rows = q.rows;
  int64_t halo_n = 0;
  CsrMatrix& a = q.a;  // own rows, partition numbering
  std::vector<int64_t>& halo = q.halo;
  std::vector<int64_t>& halo_train = q.halo_train;
  std::vector<double>& halo_deg = q.halo_deg;
  std::vector<double>& halo_train_deg = q.halo_train_deg;
  std::vector<int32_t>& labels = q.labels;
  std::vector<uint8_t>& split = q.split;
  try {
    const nlohmann::json entry = parse_manifest(dir + "/manifest.json").at("files").at(size_t(me));
    bytes = read_all(path);
    if (int64_t(bytes.size()) != entry.at("bytes").get<int64_t>())
      throw FormatError("size " + std::to_string(bytes.size()) + " bytes, the manifest says " +
                        std::to_string(entry.at("bytes").get<int64_t>()));
    if (crc_of(bytes) != entry.at("crc32").get<uint32_t>()) throw FormatError("checksum does not match the manifest");
    Reader in{bytes};
    in.need(8);
    if (std::memcmp(bytes.data(), kMagic, 8) != 0) throw FormatError("not an sgc part file");
    in.at = 8;
    const uint32_t rank = in.get<uint32_t>(), parts = in.get<uint32_t>(), dense = in.get<uint32_t>();
    in.get<uint32_t>();
    // Fields that are not a rank of this layout are damage, not a rank to print.
    if (int64_t(parts) != int64_t(pm.parts) || rank >= parts)
      throw FormatError("damaged header: it names no rank of the manifest's " + std::to_string(pm.parts) + " parts");
    if (int64_t(rank) != me)
      throw FormatError("holds the part of rank " + std::to_string(rank) + ", not of rank " + std::to_string(me) +
                        " (renamed files?)");
    const int64_t nodes = in.get<int64_t>();
    lo = in.get<int64_t>();
    rows = in.get<int64_t>();
    const int64_t dim = in.get<int64_t>(), classes = in.get<int64_t>(), nnz = in.get<int64_t>();
    halo_n = in.get<int64_t>();
    const int64_t xnnz = in.get<int64_t>();
    q.rank = int(rank);
    q.parts = int(parts);
    q.nodes = nodes;
    q.features = dim;
    q.classes = int32_t(classes);
    if (nodes != pm.nodes || dim != pm.features || classes != pm.classes || lo < 0 || rows < 0 || lo + rows > nodes)
      throw FormatError("header does not match the manifest");
    if (rows != entry.at("rows").get<int64_t>())
      throw FormatError("holds " + std::to_string(rows) + " rows, the manifest says " +
                        std::to_string(entry.at("rows").get<int64_t>()));
    a.rows = rows;
    a.cols = nodes;
    a.indptr = in.array<int64_t>(rows + 1);
    a.indices = in.array<int32_t>(nnz);
    a.values = in.array<float>(nnz);
    if (a.indptr.front() != 0 || a.indptr.back() != nnz) throw FormatError("bad row offsets");
    for (int64_t i = 0; i < rows; ++i)
      if (a.indptr[size_t(i)] > a.indptr[size_t(i) + 1]) throw FormatError("bad row offsets");
    for (int32_t col : a.indices)
      if (col < 0 || col >= nodes) throw FormatError("column " + std::to_string(col) + " out of range");
    if (halo_n < 0 || halo_n > nnz) throw FormatError("bad halo size");
    for (int64_t h = 0; h < halo_n; ++h) {
      halo.push_back(in.get<int64_t>());
      halo_deg.push_back(in.get<double>());
      halo_train.push_back(in.get<int64_t>());
      halo_train_deg.push_back(in.get<double>());
    }
    labels = in.array<int32_t>(rows);
    split = in.array<uint8_t>(rows);
    // A non-finite dense feature would reach every rank through the z-score
    // sums or the halo and be reported there, by another rank; named here,
    // with its file and node (sparse features: validate_csr; edge weights: check_halo).
    if (dense) {
      const std::vector<float> v = in.array<float>(rows * dim);
      for (size_t at = 0; at < v.size(); ++at)
        if (!std::isfinite(v[at]))
          throw FormatError("features of node " + std::to_string(lo + int64_t(at) / dim) + " (column " +
                            std::to_string(int64_t(at) % dim) + "): non-finite value " + std::to_string(v[at]));
      q.x.dense = Eigen::Map<const DenseMatrix>(v.data(), rows, dim);
    } else {
      q.x.sparse.rows = rows;
      q.x.sparse.cols = dim;
      q.x.sparse.indptr = in.array<int64_t>(rows + 1);
      q.x.sparse.indices = in.array<int32_t>(xnnz);
      q.x.sparse.values = in.array<float>(xnnz);
      validate_csr(q.x.sparse, "features");  // finite values too
    }
    if (in.at != bytes.size()) throw FormatError("trailing bytes");
    check_halo(q);
    for (int64_t i = 0; i < rows; ++i)
      if (split[size_t(i)] > 3 || (split[size_t(i)] && (labels[size_t(i)] < 0 || labels[size_t(i)] >= classes)))
        throw FormatError("row " + std::to_string(i) + ": bad split or label");
  } catch (const nlohmann::json::exception& e) {
    err = dir + "/manifest.json: bad field (" + e.what() + ")";
  } catch (const Error& e) {
    err = std::string(e.what()).rfind(path, 0) == 0 ? e.what() : path + ": " + e.what();
  } catch (const std::bad_alloc&) {
    err = path + ": out of memory";
  }
  agree_or_throw(comm, err);
  bytes.clear();
  bytes.shrink_to_fit();

  return local_data(comm, std::move(q), c, pm.dataset, pm.cut, path);
}

}  // namespace sgc::dist
