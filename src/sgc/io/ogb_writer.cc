#include "sgc/io/ogb_writer.h"

#include <zlib.h>

#include <charconv>
#include <filesystem>
#include <string_view>

#include "sgc/error.h"
#include "sgc/util/atomic_file.h"
#include "sgc/util/interrupt.h"
#include "sgc/util/progress.h"

namespace sgc {

namespace {

namespace fs = std::filesystem;

// Text deflated as gzip (RFC 1952) into an AtomicFile, a buffer at a time.
class GzipFile {
 public:
  explicit GzipFile(const std::string& path) : file_(path) {
    if (deflateInit2(&zs_, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      throw FileError(path + ": zlib deflateInit2 failed");
  }
  ~GzipFile() { deflateEnd(&zs_); }
  GzipFile(const GzipFile&) = delete;
  GzipFile& operator=(const GzipFile&) = delete;

  std::string& buffer() { return text_; }
  // Compresses the buffered text once it is large.
  void maybe_flush() {
    if (text_.size() >= (size_t(1) << 20)) deflate_text(Z_NO_FLUSH);
  }
  void commit() {
    deflate_text(Z_FINISH);
    file_.commit();
  }

 private:
  void deflate_text(int mode) {
    zs_.next_in = reinterpret_cast<Bytef*>(text_.data());
    zs_.avail_in = uInt(text_.size());
    char out[1 << 16];
    int rc;
    do {
      zs_.next_out = reinterpret_cast<Bytef*>(out);
      zs_.avail_out = sizeof out;
      rc = deflate(&zs_, mode);
      if (rc == Z_STREAM_ERROR) throw FileError(file_.path() + ": zlib deflate failed");
      file_.write(std::string_view(out, sizeof out - zs_.avail_out));
    } while (zs_.avail_out == 0 || (mode == Z_FINISH && rc != Z_STREAM_END));
    text_.clear();
  }

  AtomicFile file_;
  z_stream zs_{};
  std::string text_;
};

void append_int(std::string& s, int64_t v) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}

void write_ids(const fs::path& path, const std::vector<int32_t>& ids) {
  GzipFile f(path.string());
  for (int32_t id : ids) {
    append_int(f.buffer(), id);
    f.buffer() += '\n';
    f.maybe_flush();
  }
  f.commit();
}

void write_count(const fs::path& path, int64_t count) {
  GzipFile f(path.string());
  append_int(f.buffer(), count);
  f.buffer() += '\n';
  f.commit();
}

}  // namespace

void write_ogb_node_dataset(const std::string& dir, const Dataset& d, const std::string& split) {
  if (!d.has_dense_features()) throw ArgumentError(dir + ": the OGB writer needs dense features");
  const fs::path raw = fs::path(dir) / "raw", split_dir = fs::path(dir) / "split" / split;
  std::error_code ec;
  fs::create_directories(raw, ec);
  fs::create_directories(split_dir, ec);
  if (!fs::is_directory(raw) || !fs::is_directory(split_dir))
    throw FileError(dir + ": cannot create raw/ and split/" + split + "/");
  const CsrMatrix& a = d.adjacency;
  const int64_t n = d.num_nodes();
  ProgressStage progress("write OGB files", 3 * n, "rows");

  int64_t edges = 0;
  {
    GzipFile f((raw / "edge.csv.gz").string());
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t e = a.indptr[size_t(i)]; e < a.indptr[size_t(i) + 1]; ++e) {
        const int32_t j = a.indices[size_t(e)];
        if (j < i) continue;  // each undirected edge once
        append_int(f.buffer(), i);
        f.buffer() += ',';
        append_int(f.buffer(), j);
        f.buffer() += '\n';
        ++edges;
      }
      f.maybe_flush();
      if (i % 65536 == 0) check_interrupt();
    }
    f.commit();
  }
  progress.advance(n);
  write_count(raw / "num-node-list.csv.gz", n);
  write_count(raw / "num-edge-list.csv.gz", edges);

  {
    GzipFile f((raw / "node-feat.csv.gz").string());
    const int64_t cols = d.dense_features.cols();
    char buf[32];
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < cols; ++j) {
        if (j) f.buffer() += ',';
        const auto r = std::to_chars(buf, buf + sizeof buf, d.dense_features(i, j));  // shortest round trip
        f.buffer().append(buf, r.ptr);
      }
      f.buffer() += '\n';
      f.maybe_flush();
      if (i % 65536 == 0) {
        check_interrupt();
        progress.set(n + i);
      }
    }
    f.commit();
  }
  progress.set(2 * n);
  {
    GzipFile f((raw / "node-label.csv.gz").string());
    for (int64_t i = 0; i < n; ++i) {
      const int32_t c = d.labels[size_t(i)];
      if (c < 0)
        f.buffer() += "nan";
      else
        append_int(f.buffer(), label_value(d, c));
      f.buffer() += '\n';
      f.maybe_flush();
    }
    f.commit();
  }
  write_ids(split_dir / "train.csv.gz", d.train);
  write_ids(split_dir / "valid.csv.gz", d.val);
  write_ids(split_dir / "test.csv.gz", d.test);
  progress.set(3 * n);
}

}  // namespace sgc
