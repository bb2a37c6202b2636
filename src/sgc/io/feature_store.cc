#include "sgc/io/feature_store.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "sgc/data/dataset.h"
#include "sgc/error.h"
#include "sgc/io/format/file_bytes.h"
#include "sgc/util/atomic_file.h"
#include "sgc/util/budget.h"
#include "sgc/util/interrupt.h"
#include "sgc/util/memory.h"

namespace sgc {

namespace {

constexpr char kMagic[8] = {'S', 'G', 'C', 'F', 'E', 'A', 'T', '\0'};
constexpr uint32_t kVersion = 1;
constexpr uint32_t kFloat32 = 1;
// Bytes handed to zlib's crc32 and to madvise at a time.
constexpr int64_t kChunkBytes = int64_t(64) << 20;

uint32_t crc_of(const unsigned char* p, int64_t n, uint32_t crc = 0) {
  for (int64_t at = 0; at < n; at += kChunkBytes)
    crc = uint32_t(crc32(crc, p + at, uInt(std::min(kChunkBytes, n - at))));
  return crc;
}

void put_u32(unsigned char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
void put_i64(unsigned char* p, int64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(uint64_t(v) >> (8 * i));
}
uint32_t get_u32(const unsigned char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t(p[i]) << (8 * i);
  return v;
}
int64_t get_i64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t(p[i]) << (8 * i);
  return int64_t(v);
}

// Payload bytes of a rows x cols float32 matrix; -1 on overflow or a negative size.
int64_t payload_bytes(int64_t rows, int64_t cols) {
  if (rows < 0 || cols < 0) return -1;
  if (cols > 0 && rows > (INT64_MAX - kFeatureStoreHeaderBytes) / 4 / cols) return -1;
  return rows * cols * 4;
}

}  // namespace

void write_feature_store(const std::string& path, DenseView x, const std::string& what) {
  static_assert(sizeof(float) == 4, "float32 payload");
  // Every reader refuses non-finite features: a store is not where they get in.
  require_finite(x.data(), x.rows(), x.cols(), what.empty() ? path + ": the features to write" : what);
  const auto* payload = reinterpret_cast<const unsigned char*>(x.data());
  const int64_t bytes = int64_t(x.size()) * 4;
  unsigned char header[kFeatureStoreHeaderBytes] = {};
  std::memcpy(header, kMagic, 8);
  put_u32(header + 8, kVersion);
  put_u32(header + 12, kFloat32);
  put_i64(header + 16, x.rows());
  put_i64(header + 24, x.cols());
  put_u32(header + 32, crc_of(payload, bytes));
  put_u32(header + 36, crc_of(header, 36));
  AtomicFile f(path);
  f.write(std::string_view(reinterpret_cast<const char*>(header), sizeof header));
  for (int64_t at = 0; at < bytes; at += kChunkBytes) {  // each write checks for Ctrl-C
    f.write(std::string_view(reinterpret_cast<const char*>(payload + at), size_t(std::min(kChunkBytes, bytes - at))));
  }
  f.commit();
}

DenseMatrix store_features(const std::string& path, int64_t nodes, const std::string& dataset) {
  const MappedFeatures store = MappedFeatures::open(path);
  if (store.rows() != nodes)
    throw FormatError(path + ": " + std::to_string(store.rows()) + " rows of features, but " + dataset + " has " +
                      std::to_string(nodes) + " nodes (one row per node)");
  if (store.cols() == 0) throw FormatError(path + ": the feature store has no columns");
  DenseMatrix x = store.read_all();
  if (!x.allFinite()) throw FormatError(path + ": holds a value that is not finite");
  return x;
}

MappedFeatures MappedFeatures::open(const std::string& path, bool verify_checksum) {
  const int fd = io_detail::open_file(path);  // the readers' open: Ctrl-C on a FIFO, NUL bytes, folders
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (fstat(fd, &st) != 0) throw FileError(path + ": cannot stat (" + std::strerror(errno) + ")");
  if (!S_ISREG(st.st_mode)) throw FileError(path + ": not a regular file");
  const int64_t size = int64_t(st.st_size);
  if (size < kFeatureStoreHeaderBytes)
    throw FormatError(path + ": truncated feature store: " + std::to_string(size) + " bytes, shorter than the " +
                      std::to_string(kFeatureStoreHeaderBytes) + "-byte header");
  unsigned char h[kFeatureStoreHeaderBytes];
  if (::pread(fd, h, sizeof h, 0) != ssize_t(sizeof h))
    throw FileError(path + ": cannot read the header (" + std::strerror(errno) + ")");
  if (std::memcmp(h, kMagic, 8) != 0) throw FormatError(path + ": not an sgc feature store (bad magic at offset 0)");
  if (get_u32(h + 36) != crc_of(h, 36)) throw FormatError(path + ": corrupt feature store header (CRC mismatch)");
  if (get_u32(h + 8) != kVersion)
    throw FormatError(path + ": feature store version " + std::to_string(get_u32(h + 8)) + " (this build reads " +
                      std::to_string(kVersion) + ")");
  if (get_u32(h + 12) != kFloat32)
    throw FormatError(path + ": feature store dtype code " + std::to_string(get_u32(h + 12)) +
                      " (only 1, float32, is supported)");
  const int64_t rows = get_i64(h + 16), cols = get_i64(h + 24);
  const int64_t bytes = payload_bytes(rows, cols);
  if (bytes < 0 || rows >= (int64_t(1) << 31))
    throw FormatError(path + ": feature store header declares an invalid shape " + std::to_string(rows) + " x " +
                      std::to_string(cols));
  if (size != kFeatureStoreHeaderBytes + bytes)
    throw FormatError(path + ": " + (size < kFeatureStoreHeaderBytes + bytes ? "truncated" : "oversized") +
                      " feature store: " + std::to_string(size) + " bytes, the header's " + std::to_string(rows) +
                      " x " + std::to_string(cols) + " float32 need " +
                      std::to_string(kFeatureStoreHeaderBytes + bytes));

  MappedFeatures m;
  m.path_ = path;
  m.rows_ = rows;
  m.cols_ = cols;
  m.length_ = size_t(size);
  void* p = ::mmap(nullptr, m.length_, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) throw FileError(path + ": cannot map (" + std::strerror(errno) + ")");
  m.base_ = static_cast<const unsigned char*>(p);
  if (verify_checksum) {
    uint32_t crc = 0;
    const unsigned char* payload = m.base_ + kFeatureStoreHeaderBytes;
    const int64_t row_bytes = std::max<int64_t>(cols * 4, 1);
    const int64_t rows_per_chunk = std::max<int64_t>(1, kChunkBytes / row_bytes);
    for (int64_t r = 0; r < rows; r += rows_per_chunk) {
      check_interrupt();
      const int64_t r1 = std::min(rows, r + rows_per_chunk);
      crc = crc_of(payload + r * cols * 4, (r1 - r) * cols * 4, crc);
      m.release_rows(r, r1);
    }
    if (crc != get_u32(h + 32)) throw FormatError(path + ": corrupt feature store payload (CRC mismatch)");
  }
  return m;
}

MappedFeatures MappedFeatures::scratch(int64_t rows, int64_t cols, const std::string& what) {
  const int64_t bytes = payload_bytes(rows, cols);
  if (bytes < 0) throw ArgumentError(what + ": invalid scratch shape");
  const char* env = std::getenv("TMPDIR");
  std::string path = std::string(env && *env ? env : "/tmp") + "/sgc-scratch-XXXXXX";
  const int fd = ::mkstemp(path.data());
  if (fd < 0) throw FileError(path + ": cannot create a scratch file for " + what + " (" + std::strerror(errno) + ")");
  ::unlink(path.c_str());  // gone from the folder now, and from the disk with the mapping
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  const int64_t size = kFeatureStoreHeaderBytes + bytes;
  // Scratch space is a cost with a cap, as memory is: the disk keeps a
  // twentieth of itself (at least 1 GiB) for everything else, the command's
  // own output files included.
  if (struct statvfs fs; ::fstatvfs(fd, &fs) == 0) {
    const long double unit = fs.f_frsize ? fs.f_frsize : fs.f_bsize;
    const long double avail = (long double)fs.f_bavail * unit, total = (long double)fs.f_blocks * unit;
    const long double keep = std::max((long double)(int64_t(1) << 30), total / 20);
    if ((long double)size + keep > avail)
      throw ResourceError(path + ": " + what + " need " + format_bytes(size) + " of scratch space; the disk has " +
                          format_bytes(int64_t(avail)) + " free and keeps " + format_bytes(int64_t(keep)) +
                          " for other files: set $TMPDIR to a folder with room, or ask for less (--k, --features)");
  }
  // Reserved now: a full disk is an error here, not a SIGBUS when a page is written.
  if (const int err = ::posix_fallocate(fd, 0, off_t(size)); err != 0)
    throw FileError(path + ": cannot reserve " + format_bytes(size) + " of scratch space for " + what + " (" +
                    std::strerror(err) + "); set $TMPDIR to a folder with room");
  MappedFeatures m;
  m.path_ = path;
  m.rows_ = rows;
  m.cols_ = cols;
  m.length_ = size_t(size);
  m.writable_ = true;
  void* p = ::mmap(nullptr, m.length_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) throw FileError(path + ": cannot map scratch space (" + std::strerror(errno) + ")");
  m.base_ = static_cast<const unsigned char*>(p);
  return m;
}

float* MappedFeatures::mutable_data() const {
  if (!writable_) throw ArgumentError(path_ + ": a feature store is read-only");
  return const_cast<float*>(data());
}

MappedFeatures& MappedFeatures::operator=(MappedFeatures&& o) noexcept {
  if (this != &o) {
    if (base_) ::munmap(const_cast<unsigned char*>(base_), length_);
    path_ = std::move(o.path_);
    base_ = o.base_;
    length_ = o.length_;
    rows_ = o.rows_;
    cols_ = o.cols_;
    writable_ = o.writable_;
    o.base_ = nullptr;
    o.length_ = 0;
  }
  return *this;
}

MappedFeatures::~MappedFeatures() {
  if (base_) ::munmap(const_cast<unsigned char*>(base_), length_);
}

void MappedFeatures::release_rows(int64_t r0, int64_t r1) const {
  // Whole pages inside the rows only (the header page and neighbours stay).
  release_pages(base_ + kFeatureStoreHeaderBytes + r0 * cols_ * 4, size_t((r1 - r0) * cols_ * 4));
}

void MappedFeatures::read_columns(int64_t c0, int64_t width, DenseMatrix& out) const {
  if (c0 < 0 || width < 0 || c0 + width > cols_)
    throw ArgumentError(path_ + ": columns [" + std::to_string(c0) + ", " + std::to_string(c0 + width) +
                        ") out of range (" + std::to_string(cols_) + " columns)");
  out.resize(rows_, width);
  const float* x = data();
  const int64_t rows_per_chunk = std::max<int64_t>(1, kChunkBytes / std::max<int64_t>(cols_ * 4, 1));
  for (int64_t r = 0; r < rows_; r += rows_per_chunk) {
    check_interrupt();
    const int64_t r1 = std::min(rows_, r + rows_per_chunk);
#pragma omp parallel for schedule(static)
    for (int64_t i = r; i < r1; ++i) std::memcpy(out.row(i).data(), x + i * cols_ + c0, size_t(width) * 4);
    release_rows(r, r1);
  }
}

DenseMatrix MappedFeatures::read_all() const {
  require_memory(rows_ * cols_ * 4, path_ + ": " + std::to_string(rows_) + " x " + std::to_string(cols_) +
                                        " features");
  DenseMatrix out;
  read_columns(0, cols_, out);
  return out;
}

}  // namespace sgc
