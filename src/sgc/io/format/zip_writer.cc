// ZipWriter (zip_writer.h).
#include "sgc/io/format/zip_writer.h"

#include <zlib.h>


#include "sgc/error.h"

namespace sgc {
namespace {

constexpr uint64_t kMax32 = 0xffffffffull;

void put16(std::string& s, uint16_t v) {
  s += static_cast<char>(v & 0xff);
  s += static_cast<char>(v >> 8);
}
void put32(std::string& s, uint32_t v) {
  put16(s, static_cast<uint16_t>(v & 0xffff));
  put16(s, static_cast<uint16_t>(v >> 16));
}

// DOS date/time 1980-01-01 00:00: fixed, so equal inputs give equal files.
constexpr uint16_t kDosTime = 0, kDosDate = (0 << 9) | (1 << 5) | 1;

}  // namespace

ZipWriter::ZipWriter(const std::string& path) : path_(path), file_(path) {}

void ZipWriter::write(std::string_view bytes) {
  file_.write(bytes);
  offset_ += bytes.size();
}

void ZipWriter::add(const std::string& name, const std::vector<std::string_view>& pieces, bool deflate_it) {
  uint64_t size = 0;
  uLong crc = crc32(0L, Z_NULL, 0);
  for (std::string_view p : pieces) {
    size += p.size();
    for (size_t k = 0; k < p.size(); k += 1u << 30) {
      const size_t n = std::min<size_t>(p.size() - k, 1u << 30);
      crc = crc32(crc, reinterpret_cast<const Bytef*>(p.data() + k), static_cast<uInt>(n));
    }
  }
  if (size > kMax32 || offset_ > kMax32) throw ArgumentError(path_ + ": entry '" + name + "' needs zip64 (over 4 GiB)");
  std::string packed;
  if (deflate_it) {
    z_stream zs{};
    if (deflateInit2(&zs, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      throw FileError(path_ + ": zlib deflateInit2 failed");
    }
    packed.resize(deflateBound(&zs, static_cast<uLong>(size)));
    zs.next_out = reinterpret_cast<Bytef*>(packed.data());
    zs.avail_out = static_cast<uInt>(std::min<size_t>(packed.size(), kMax32));
    for (size_t i = 0; i < pieces.size(); ++i) {
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(pieces[i].data()));
      zs.avail_in = static_cast<uInt>(pieces[i].size());
      const int rc = deflate(&zs, i + 1 == pieces.size() ? Z_FINISH : Z_NO_FLUSH);
      if (rc == Z_STREAM_ERROR) {
        deflateEnd(&zs);
        throw FileError(path_ + ": deflate failed");
      }
    }
    if (pieces.empty()) deflate(&zs, Z_FINISH);
    packed.resize(zs.total_out);
    deflateEnd(&zs);
  }
  const uint64_t compressed = deflate_it ? packed.size() : size;
  Record r{name, static_cast<uint16_t>(deflate_it ? 8 : 0), static_cast<uint32_t>(crc), static_cast<uint32_t>(compressed),
           static_cast<uint32_t>(size), static_cast<uint32_t>(offset_)};
  std::string h;
  put32(h, 0x04034b50);
  put16(h, 20);  // version needed: 2.0
  put16(h, 0);   // flags
  put16(h, r.method);
  put16(h, kDosTime);
  put16(h, kDosDate);
  put32(h, r.crc);
  put32(h, r.compressed);
  put32(h, r.size);
  put16(h, static_cast<uint16_t>(name.size()));
  put16(h, 0);
  h += name;
  write(h);
  if (deflate_it) {
    write(packed);
  } else {
    for (std::string_view p : pieces) write(p);
  }
  records_.push_back(std::move(r));
}

void ZipWriter::finish() {
  const uint64_t cd_start = offset_;
  std::string cd;
  for (const Record& r : records_) {
    put32(cd, 0x02014b50);
    put16(cd, 20);  // made by: 2.0, MS-DOS attributes
    put16(cd, 20);
    put16(cd, 0);
    put16(cd, r.method);
    put16(cd, kDosTime);
    put16(cd, kDosDate);
    put32(cd, r.crc);
    put32(cd, r.compressed);
    put32(cd, r.size);
    put16(cd, static_cast<uint16_t>(r.name.size()));
    put16(cd, 0);  // extra
    put16(cd, 0);  // comment
    put16(cd, 0);  // disk
    put16(cd, 0);  // internal attributes
    put32(cd, 0);  // external attributes
    put32(cd, r.offset);
    cd += r.name;
  }
  if (cd_start + cd.size() > kMax32 || records_.size() > 0xfffe) throw ArgumentError(path_ + ": archive needs zip64");
  write(cd);
  std::string end;
  put32(end, 0x06054b50);
  put16(end, 0);
  put16(end, 0);
  put16(end, static_cast<uint16_t>(records_.size()));
  put16(end, static_cast<uint16_t>(records_.size()));
  put32(end, static_cast<uint32_t>(cd.size()));
  put32(end, static_cast<uint32_t>(cd_start));
  put16(end, 0);
  write(end);
  file_.commit();
}

void write_npz(const std::string& path, const std::vector<NpzEntry>& entries, bool deflate) {
  ZipWriter z(path);
  for (const NpzEntry& e : entries) z.add(e.name + ".npy", {e.header, e.data}, deflate);
  z.finish();
}

}  // namespace sgc
