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

// Rows of S from a square matrix over [own rows | halo rows] (halo rows: one
// diagonal entry, the node's degree, which is all a normalisation reads of
// them): the own rows, columns back in the partition numbering.
CsrMatrix normalized_rows(CsrMatrix square, int64_t own, const std::vector<int64_t>& global_of_local,
                          const Config& c, int64_t nodes) {
  // Rows sorted by column (the normalisations keep and expect sorted rows).
  for (int64_t i = 0; i < own; ++i) {
    const int64_t b = square.indptr[size_t(i)], e = square.indptr[size_t(i) + 1];
    std::vector<std::pair<int32_t, float>> row;
    for (int64_t p = b; p < e; ++p) row.push_back({square.indices[size_t(p)], square.values[size_t(p)]});
    std::sort(row.begin(), row.end());
    for (int64_t p = b; p < e; ++p) {
      square.indices[size_t(p)] = row[size_t(p - b)].first;
      square.values[size_t(p)] = row[size_t(p - b)].second;
    }
  }
  const CsrMatrix s = normalized_operator(square, c.op);
  CsrMatrix out;
  out.rows = own;
  out.cols = nodes;
  for (int64_t i = 0; i < own; ++i) {
    for (int64_t p = s.indptr[size_t(i)]; p < s.indptr[size_t(i) + 1]; ++p) {
      out.indices.push_back(int32_t(global_of_local[size_t(s.indices[size_t(p)])]));
      out.values.push_back(s.values[size_t(p)]);
    }
    out.indptr.push_back(int64_t(out.indices.size()));
  }
  return out;
}

void zscore_distributed(const Comm& comm, DenseMatrix& x, int64_t total) {
  const Eigen::Index d = x.cols();
  std::vector<double> sum(size_t(d), 0.0), sq(size_t(d), 0.0);
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (Eigen::Index j = 0; j < d; ++j) sum[size_t(j)] += x(i, j);
  comm.sum_in_rank_order(sum);
  for (double& m : sum) m /= double(std::max<int64_t>(1, total));
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (Eigen::Index j = 0; j < d; ++j) sq[size_t(j)] += (x(i, j) - sum[size_t(j)]) * (x(i, j) - sum[size_t(j)]);
  comm.sum_in_rank_order(sq);
  ZScoreStats st;
  for (Eigen::Index j = 0; j < d; ++j) {
    st.mean.push_back(float(sum[size_t(j)]));
    const double sd = total > 1 ? std::sqrt(sq[size_t(j)] / double(total - 1)) : 0.0;
    st.std.push_back(sd > 0 ? float(sd) : 1.0f);
  }
  apply_zscore(x, st);
}

}  // namespace

void write_partitioned(const Dataset& d, PartitionMethod method, int parts, const std::string& dir) {
  validate_dataset(d, d.name);
  const Partition p = make_partition(method, d.adjacency, parts);
  const std::vector<int32_t> new_id = p.new_ids();
  const int64_t n = d.num_nodes(), dim = d.num_features();
  const CsrMatrix& a = d.adjacency;
  std::vector<uint8_t> split(size_t(n), 0);
  for (int32_t i : d.train) split[size_t(i)] = 1;
  for (int32_t i : d.val) split[size_t(i)] = 2;
  for (int32_t i : d.test) split[size_t(i)] = 3;
  std::vector<double> deg(size_t(n), 0.0), train_deg(size_t(n), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t e = a.indptr[size_t(i)]; e < a.indptr[size_t(i) + 1]; ++e) {
      deg[size_t(i)] += a.values[size_t(e)];
      if (split[size_t(a.indices[size_t(e)])] == 1) train_deg[size_t(i)] += a.values[size_t(e)];
    }
  std::vector<int64_t> train_index(size_t(n), -1);
  for (int r = 0; r < parts; ++r) {
    int64_t t = 0;
    for (int32_t i : p.owned(r))
      if (split[size_t(i)] == 1) train_index[size_t(i)] = t++;
  }
  std::filesystem::create_directories(dir);
  nlohmann::json files = nlohmann::json::array();
  for (int r = 0; r < parts; ++r) {
    const std::vector<int32_t> ids = p.owned(r);
    const int64_t lo = p.bounds[size_t(r)], hi = p.bounds[size_t(r) + 1], rows = hi - lo;
    std::vector<int64_t> indptr{0}, halo;
    std::vector<int32_t> cols;
    std::vector<float> vals;
    for (int32_t i : ids) {
      for (int64_t e = a.indptr[size_t(i)]; e < a.indptr[size_t(i) + 1]; ++e) {
        const int32_t c = new_id[size_t(a.indices[size_t(e)])];
        cols.push_back(c);
        vals.push_back(a.values[size_t(e)]);
        if (c < lo || c >= hi) halo.push_back(c);
      }
      indptr.push_back(int64_t(cols.size()));
    }
    std::sort(halo.begin(), halo.end());
    halo.erase(std::unique(halo.begin(), halo.end()), halo.end());
    CsrMatrix xs;
    if (!d.has_dense_features()) xs = select_rows(d.features, ids);
    std::string b;
    b.append(kMagic, 8);
    put<uint32_t>(b, uint32_t(r));
    put<uint32_t>(b, uint32_t(parts));
    put<uint32_t>(b, d.has_dense_features() ? 1u : 0u);
    put<uint32_t>(b, 0u);
    for (int64_t v : {n, lo, rows, dim, int64_t(d.num_classes), int64_t(cols.size()), int64_t(halo.size()),
                      d.has_dense_features() ? int64_t(0) : xs.nnz()})
      put<int64_t>(b, v);
    put_array(b, indptr.data(), indptr.size());
    put_array(b, cols.data(), cols.size());
    put_array(b, vals.data(), vals.size());
    for (int64_t h : halo) {
      const int32_t o = p.original(h);
      put<int64_t>(b, h);
      put<double>(b, deg[size_t(o)]);
      put<int64_t>(b, train_index[size_t(o)]);
      put<double>(b, train_deg[size_t(o)]);
    }
    for (int32_t i : ids) put<int32_t>(b, d.labels[size_t(i)]);
    for (int32_t i : ids) put<uint8_t>(b, split[size_t(i)]);
    if (d.has_dense_features()) {
      for (int32_t i : ids) put_array(b, d.dense_features.row(i).data(), size_t(dim));
    } else {
      put_array(b, xs.indptr.data(), xs.indptr.size());
      put_array(b, xs.indices.data(), xs.indices.size());
      put_array(b, xs.values.data(), xs.values.size());
    }
    write_file_atomically(dir + "/" + part_name(r), b);
    files.push_back({{"file", part_name(r)}, {"rows", rows}, {"bytes", b.size()}, {"crc32", crc_of(b)}});
  }
  const nlohmann::json m = {{"format", kFormat},           {"version", kVersion},   {"parts", parts},
                            {"method", to_string(method)}, {"dataset", d.name},     {"family", d.family},
                            {"nodes", n},                  {"features", dim},       {"classes", d.num_classes},
                            {"cut_nonzeros", cut_nonzeros(a, p)}, {"files", files}};
  write_file_atomically(dir + "/manifest.json", m.dump(1) + "\n");
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
    if (!m.at("files").is_array() || int(m.at("files").size()) != pm.parts)
      throw FormatError(path + ": lists " + std::to_string(m.at("files").size()) + " files for " +
                        std::to_string(pm.parts) + " parts");
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

LocalData read_part(const Comm& comm, const std::string& dir, const Config& c) {
  const PartManifest pm = read_manifest(comm, dir);
  const int me = comm.rank();
  const std::string path = dir + "/" + part_name(me);
  std::string err, bytes;
  LocalData L;
  int64_t lo = 0, rows = 0, halo_n = 0;
  CsrMatrix a;  // own rows, partition numbering
  std::vector<int64_t> halo, halo_train;
  std::vector<double> halo_deg, halo_train_deg;
  std::vector<int32_t> labels;
  std::vector<uint8_t> split;
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
    if (int(rank) != me || int(parts) != pm.parts) throw FormatError("part of rank " + std::to_string(rank) + " of " + std::to_string(parts));
    const int64_t nodes = in.get<int64_t>();
    lo = in.get<int64_t>();
    rows = in.get<int64_t>();
    const int64_t dim = in.get<int64_t>(), classes = in.get<int64_t>(), nnz = in.get<int64_t>();
    halo_n = in.get<int64_t>();
    const int64_t xnnz = in.get<int64_t>();
    if (nodes != pm.nodes || dim != pm.features || classes != pm.classes || lo < 0 || rows < 0 || lo + rows > nodes)
      throw FormatError("header does not match the manifest");
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
    if (dense) {
      const std::vector<float> v = in.array<float>(rows * dim);
      L.x.dense = Eigen::Map<const DenseMatrix>(v.data(), rows, dim);
    } else {
      L.x.sparse.rows = rows;
      L.x.sparse.cols = dim;
      L.x.sparse.indptr = in.array<int64_t>(rows + 1);
      L.x.sparse.indices = in.array<int32_t>(xnnz);
      L.x.sparse.values = in.array<float>(xnnz);
      validate_csr(L.x.sparse, "features");
    }
    if (in.at != bytes.size()) throw FormatError("trailing bytes");
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

  L.name = pm.dataset;
  L.classes = pm.classes;
  L.dim = pm.features;
  L.nodes = pm.nodes;
  L.cut = pm.cut;
  // Every rank's rows: the bounds.
  std::vector<int64_t> counts(size_t(comm.size()), 0);
  counts[size_t(me)] = rows;
  comm.sum(counts);
  L.graph.bounds.assign(1, 0);
  for (int64_t k : counts) L.graph.bounds.push_back(L.graph.bounds.back() + k);
  if (L.graph.bounds[size_t(me)] != lo || L.graph.bounds.back() != pm.nodes)
    abort_job(comm, path + ": its rows do not line up with the other parts");

  // Features, normalised over every rank's rows.
  const int64_t total = pm.nodes;
  if (c.feature_norm == FeatureNorm::Row) {
    if (L.x.is_dense()) row_normalize(L.x.dense); else row_normalize(L.x.sparse);
  } else if (c.feature_norm == FeatureNorm::ZScore) {
    if (!L.x.is_dense()) {
      L.x.dense = to_dense(L.x.sparse);
      L.x.sparse = CsrMatrix{};
    }
    zscore_distributed(comm, L.x.dense, total);
  }

  // S's rows: the square matrix over [own | halo], halo rows carrying their degree.
  auto square_of = [&](int64_t own, const std::vector<double>& hdeg) {
    CsrMatrix sq;
    sq.rows = sq.cols = own + int64_t(hdeg.size());
    return sq;
  };
  const int64_t hi = lo + rows;
  std::vector<int64_t> global_of_local(size_t(rows + halo_n));
  for (int64_t i = 0; i < rows; ++i) global_of_local[size_t(i)] = lo + i;
  for (int64_t h = 0; h < halo_n; ++h) global_of_local[size_t(rows + h)] = halo[size_t(h)];
  auto halo_pos = [&](int64_t col) {
    return int64_t(std::lower_bound(halo.begin(), halo.end(), col) - halo.begin());
  };
  {
    CsrMatrix sq = square_of(rows, halo_deg);
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t p = a.indptr[size_t(i)]; p < a.indptr[size_t(i) + 1]; ++p) {
        const int64_t col = a.indices[size_t(p)];
        sq.indices.push_back(int32_t(col >= lo && col < hi ? col - lo : rows + halo_pos(col)));
        sq.values.push_back(a.values[size_t(p)]);
      }
      sq.indptr.push_back(int64_t(sq.indices.size()));
    }
    for (int64_t h = 0; h < halo_n; ++h) {
      sq.indices.push_back(int32_t(rows + h));
      sq.values.push_back(float(halo_deg[size_t(h)]));
      sq.indptr.push_back(int64_t(sq.indices.size()));
    }
    L.graph.s_rows = normalized_rows(std::move(sq), rows, global_of_local, c, pm.nodes);
  }
  std::vector<int32_t> train_rows;
  for (int64_t i = 0; i < rows; ++i) {
    const uint8_t s = split[size_t(i)];
    if (s == 1) train_rows.push_back(int32_t(i));
    if (s == 2) { L.val.push_back(int32_t(i)); L.val_y.push_back(labels[size_t(i)]); }
    if (s == 3) { L.test.push_back(int32_t(i)); L.test_y.push_back(labels[size_t(i)]); }
  }
  for (int32_t i : train_rows) L.train_y.push_back(labels[size_t(i)]);
  if (c.protocol == Protocol::Transductive) {
    L.train = train_rows;
    return L;
  }
  // Inductive: the graph induced on the training nodes, numbered rank by rank.
  std::vector<int64_t> tcounts(size_t(comm.size()), 0);
  tcounts[size_t(me)] = int64_t(train_rows.size());
  comm.sum(tcounts);
  std::vector<int64_t> tb{0};
  for (int64_t k : tcounts) tb.push_back(tb.back() + k);
  std::vector<int64_t> tindex(size_t(rows), -1);
  for (size_t t = 0; t < train_rows.size(); ++t) tindex[size_t(train_rows[t])] = int64_t(t);
  const int64_t own_t = int64_t(train_rows.size());
  std::vector<int64_t> halo_t;  // halo entries that are training nodes
  std::vector<double> halo_t_deg;
  std::vector<int64_t> t_global;
  for (int64_t t = 0; t < own_t; ++t) t_global.push_back(tb[size_t(me)] + t);
  std::vector<int64_t> halo_t_slot(size_t(halo_n), -1);
  for (int64_t h = 0; h < halo_n; ++h)
    if (halo_train[size_t(h)] >= 0) {
      const int owner = int(std::upper_bound(L.graph.bounds.begin(), L.graph.bounds.end() - 1, halo[size_t(h)]) -
                            L.graph.bounds.begin()) - 1;
      if (halo_train[size_t(h)] >= tcounts[size_t(owner)]) abort_job(comm, path + ": halo training index out of range");
      halo_t_slot[size_t(h)] = int64_t(halo_t.size());
      halo_t.push_back(h);
      halo_t_deg.push_back(halo_train_deg[size_t(h)]);
      t_global.push_back(tb[size_t(owner)] + halo_train[size_t(h)]);
    }
  CsrMatrix sq = square_of(own_t, halo_t_deg);
  for (int32_t i : train_rows) {
    for (int64_t p = a.indptr[size_t(i)]; p < a.indptr[size_t(i) + 1]; ++p) {
      const int64_t col = a.indices[size_t(p)];
      int64_t local = -1;
      if (col >= lo && col < hi) {
        local = tindex[size_t(col - lo)];
      } else {
        const int64_t slot = halo_t_slot[size_t(halo_pos(col))];
        if (slot >= 0) local = own_t + slot;
      }
      if (local < 0) continue;  // not a training node
      sq.indices.push_back(int32_t(local));
      sq.values.push_back(a.values[size_t(p)]);
    }
    sq.indptr.push_back(int64_t(sq.indices.size()));
  }
  for (size_t h = 0; h < halo_t.size(); ++h) {
    sq.indices.push_back(int32_t(own_t + int64_t(h)));
    sq.values.push_back(float(halo_t_deg[h]));
    sq.indptr.push_back(int64_t(sq.indices.size()));
  }
  L.train_graph = LocalGraph{tb, normalized_rows(std::move(sq), own_t, t_global, c, tb.back())};
  if (L.x.is_dense())
    L.train_x.dense = gather_rows(L.x.dense, train_rows);
  else
    L.train_x.sparse = select_rows(L.x.sparse, train_rows);
  L.train.resize(size_t(own_t));
  std::iota(L.train.begin(), L.train.end(), 0);
  return L;
}

}  // namespace sgc::dist
