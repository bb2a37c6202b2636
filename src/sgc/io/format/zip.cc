// The zip reader (zip.h). Record layouts from PKWARE APPNOTE.TXT 6.3; all
// integers little-endian. Every offset and length read from the input is
// checked against the file size before it is used.
#include "sgc/io/format/zip.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>
#include <unordered_set>

#include "sgc/error.h"
#include "sgc/util/budget.h"

namespace sgc {
namespace {

constexpr uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50, kZip64LocatorSig = 0x07064b50;
constexpr size_t kLocalSize = 30, kCentralSize = 46, kEndSize = 22, kZip64EndSize = 56, kLocatorSize = 20;
constexpr uint64_t kMaxDeflateRatio = 1032;  // deflate cannot expand data by more than ~1032:1

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// An entry name, escaped for a one-line message.
std::string printable_name(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 120)) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out += c;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    }
  }
  return s.size() > 120 ? out + "..." : out;
}

class Reader {
 public:
  Reader(std::string_view bytes, const std::string& source) : b_(bytes), source_(source) {}

  [[noreturn]] void fail(const std::string& msg) const { throw FormatError(source_ + ": " + msg); }

  // n bytes at `offset`, or an error naming what was being read.
  const unsigned char* at(uint64_t offset, uint64_t n, const char* what) const {
    if (offset > b_.size() || n > b_.size() - offset) {
      fail(std::string("truncated zip: ") + what + " at offset " + std::to_string(offset) + " needs " +
           std::to_string(n) + " bytes, the file has " + std::to_string(b_.size()));
    }
    return reinterpret_cast<const unsigned char*>(b_.data()) + offset;
  }
  static uint16_t u16(const unsigned char* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
  static uint32_t u32(const unsigned char* p) { return static_cast<uint32_t>(u16(p)) | (uint32_t{u16(p + 2)} << 16); }
  static uint64_t u64(const unsigned char* p) { return u32(p) | (uint64_t{u32(p + 4)} << 32); }
  size_t size() const { return b_.size(); }

 private:
  std::string_view b_;
  const std::string& source_;
};

struct Directory {
  uint64_t entries, offset, size;
};

// "not a zip file (why)", naming gzip data, the usual mistake (a .npz.gz renamed).
[[noreturn]] void not_a_zip(const Reader& r, const std::string& why) {
  if (r.size() >= 2) {
    const unsigned char* head = r.at(0, 2, "file start");
    if (head[0] == 0x1f && head[1] == 0x8b)
      r.fail("gzip-compressed data, not a zip file (an .npz is a zip archive): decompress it (gunzip) first");
  }
  r.fail("not a zip file (" + why + ")");
}

// Finds the end of central directory record (and the zip64 one, if present).
Directory find_directory(const Reader& r) {
  if (r.size() < kEndSize) not_a_zip(r, std::to_string(r.size()) + " bytes, no end-of-central-directory record");
  const uint64_t lowest = r.size() >= kEndSize + 65535 ? r.size() - kEndSize - 65535 : 0;
  for (uint64_t pos = r.size() - kEndSize + 1; pos-- > lowest;) {
    const unsigned char* p = r.at(pos, kEndSize, "end of central directory");
    if (Reader::u32(p) != kEndSig || pos + kEndSize + Reader::u16(p + 20) != r.size()) continue;
    if (Reader::u16(p + 4) != 0 || Reader::u16(p + 6) != 0 || Reader::u16(p + 8) != Reader::u16(p + 10)) {
      r.fail("multi-disk zip archives are not supported (end record at offset " + std::to_string(pos) + ")");
    }
    Directory d{Reader::u16(p + 10), Reader::u32(p + 16), Reader::u32(p + 12)};
    const bool zip64 = d.entries == 0xffff || d.offset == 0xffffffff || d.size == 0xffffffff;
    if (zip64) {
      if (pos < kLocatorSize) r.fail("zip64 end record locator missing before offset " + std::to_string(pos));
      const unsigned char* loc = r.at(pos - kLocatorSize, kLocatorSize, "zip64 locator");
      if (Reader::u32(loc) != kZip64LocatorSig) {
        r.fail("zip64 end record locator missing at offset " + std::to_string(pos - kLocatorSize));
      }
      const uint64_t at = Reader::u64(loc + 8);
      const unsigned char* e = r.at(at, kZip64EndSize, "zip64 end of central directory");
      if (Reader::u32(e) != kZip64EndSig) r.fail("bad zip64 end record signature at offset " + std::to_string(at));
      d = Directory{Reader::u64(e + 32), Reader::u64(e + 48), Reader::u64(e + 40)};
    }
    (void)r.at(d.offset, d.size, "central directory");
    return d;
  }
  not_a_zip(r, "no end-of-central-directory record");
}

// Replaces 0xffffffff sizes / offset with the zip64 extra field's values.
void apply_zip64_extra(const Reader& r, const unsigned char* extra, uint16_t len, ZipArchive::Entry& e,
                       bool need_size, bool need_csize, bool need_offset, uint64_t at) {
  for (uint16_t k = 0; k + 4 <= len;) {
    const uint16_t id = Reader::u16(extra + k), n = Reader::u16(extra + k + 2);
    if (k + 4 + n > len) r.fail("zip entry '" + printable_name(e.name) + "': extra field overruns at offset " + std::to_string(at));
    if (id == 0x0001) {
      const unsigned char* p = extra + k + 4;
      uint16_t left = n;
      auto take = [&](uint64_t& field) {
        if (left < 8) r.fail("zip entry '" + printable_name(e.name) + "': zip64 extra field too short");
        field = Reader::u64(p);
        p += 8;
        left -= 8;
      };
      if (need_size) take(e.size);
      if (need_csize) take(e.compressed_size);
      if (need_offset) take(e.local_header_offset);
      return;
    }
    k = static_cast<uint16_t>(k + 4 + n);
  }
  if (need_size || need_csize || need_offset) {
    r.fail("zip entry '" + printable_name(e.name) + "': zip64 sizes announced but no zip64 extra field");
  }
}

}  // namespace

ZipArchive ZipArchive::open(const std::string& path) { return from_bytes(FileBytes::open(path), path); }

ZipArchive ZipArchive::from_bytes(std::shared_ptr<const FileBytes> bytes, const std::string& source) {
  ZipArchive z;
  z.source_ = source;
  z.file_ = std::move(bytes);
  const Reader r(z.file_->bytes(), z.source_);
  const Directory dir = find_directory(r);
  if (dir.entries > dir.size / kCentralSize) {
    r.fail("central directory claims " + std::to_string(dir.entries) + " entries in " + std::to_string(dir.size) + " bytes");
  }
  std::unordered_set<std::string> names;
  uint64_t pos = dir.offset;
  for (uint64_t i = 0; i < dir.entries; ++i) {
    const unsigned char* c = r.at(pos, kCentralSize, "central directory header");
    if (Reader::u32(c) != kCentralSig) r.fail("bad central directory header signature at offset " + std::to_string(pos));
    Entry e;
    e.flags = Reader::u16(c + 8);
    e.method = Reader::u16(c + 10);
    e.crc32 = Reader::u32(c + 16);
    e.compressed_size = Reader::u32(c + 20);
    e.size = Reader::u32(c + 24);
    const uint16_t name_len = Reader::u16(c + 28), extra_len = Reader::u16(c + 30), comment_len = Reader::u16(c + 32);
    e.local_header_offset = Reader::u32(c + 42);
    const unsigned char* name = r.at(pos + kCentralSize, uint64_t{name_len} + extra_len + comment_len, "central directory name");
    e.name.assign(reinterpret_cast<const char*>(name), name_len);
    apply_zip64_extra(r, name + name_len, extra_len, e, e.size == 0xffffffff, e.compressed_size == 0xffffffff,
                      e.local_header_offset == 0xffffffff, pos);
    const std::string what = "zip entry '" + printable_name(e.name) + "'";
    if (e.flags & 0x41) r.fail(what + " is encrypted");
    if (e.method != 0 && e.method != 8) {
      r.fail(what + " uses compression method " + std::to_string(e.method) + " (only stored and deflate are supported)");
    }
    if (!names.insert(e.name).second) r.fail(what + " appears twice");
    // The local header: same name; same sizes and CRC unless bit 3 defers them.
    const unsigned char* l = r.at(e.local_header_offset, kLocalSize, "local header");
    if (Reader::u32(l) != kLocalSig) {
      r.fail(what + ": bad local header signature at offset " + std::to_string(e.local_header_offset));
    }
    const uint16_t lname_len = Reader::u16(l + 26), lextra_len = Reader::u16(l + 28);
    const unsigned char* lname = r.at(e.local_header_offset + kLocalSize, lname_len, "local header name");
    if (std::string_view(reinterpret_cast<const char*>(lname), lname_len) != e.name) {
      r.fail(what + ": local header at offset " + std::to_string(e.local_header_offset) + " names a different entry");
    }
    if (Reader::u16(l + 8) != e.method) r.fail(what + ": local and central headers disagree on the method");
    if (!(e.flags & 0x08)) {
      const uint32_t lcrc = Reader::u32(l + 14), lcsize = Reader::u32(l + 18), lsize = Reader::u32(l + 22);
      if (lcrc != e.crc32 || (lcsize != 0xffffffff && lcsize != e.compressed_size) ||
          (lsize != 0xffffffff && lsize != e.size)) {
        r.fail(what + ": local header at offset " + std::to_string(e.local_header_offset) +
               " disagrees with the central directory (CRC or sizes)");
      }
    }
    e.data_offset = e.local_header_offset + kLocalSize + lname_len + lextra_len;
    (void)r.at(e.data_offset, e.compressed_size, (what + " data").c_str());
    if (e.method == 0 && e.size != e.compressed_size) {
      r.fail(what + " is stored but its sizes differ (" + std::to_string(e.compressed_size) + " vs " + std::to_string(e.size) + ")");
    }
    if (e.method == 8 && e.size > e.compressed_size * kMaxDeflateRatio + 64) {
      r.fail(what + " claims " + std::to_string(e.size) + " bytes from " + std::to_string(e.compressed_size) +
             " deflated bytes, more than deflate can produce");
    }
    pos += kCentralSize + name_len + extra_len + comment_len;
    z.entries_.push_back(std::move(e));
  }
  return z;
}

const ZipArchive::Entry* ZipArchive::find(std::string_view name) const {
  for (const Entry& e : entries_) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

ByteRange ZipArchive::read(const Entry& e) const {
  const std::string what = source_ + ": zip entry '" + printable_name(e.name) + "'";
  const std::string_view all = file_->bytes();
  const std::string_view packed = all.substr(e.data_offset, e.compressed_size);  // in range: checked at open
  ByteRange out;
  if (e.method == 0) {
    out.owner = file_;
    out.bytes = packed;
  } else {
    // The declared size bounds the inflation (inflate stops there) and must fit the memory budget.
    require_memory(e.size > uint64_t{INT64_MAX} ? int64_t{-1} : static_cast<int64_t>(e.size),
                   what + " (inflated size declared in the archive)");
    std::unique_ptr<char[]> data(new char[std::max<uint64_t>(e.size, 1)]);  // uninitialised: inflate fills it
    z_stream zs{};
    if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) throw FormatError(what + ": zlib inflateInit2 failed");
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
    zs.next_out = reinterpret_cast<Bytef*>(data.get());
    // zlib counts in uInt: feed and drain in chunks below 4 GiB.
    uint64_t in_left = packed.size(), out_left = e.size;
    int rc;
    for (;;) {
      if (zs.avail_in == 0 && in_left > 0) {
        zs.avail_in = static_cast<uInt>(std::min<uint64_t>(in_left, 1u << 30));
        in_left -= zs.avail_in;
      }
      if (zs.avail_out == 0 && out_left > 0) {
        zs.avail_out = static_cast<uInt>(std::min<uint64_t>(out_left, 1u << 30));
        out_left -= zs.avail_out;
      }
      rc = inflate(&zs, Z_NO_FLUSH);
      if (rc != Z_OK) break;  // Z_STREAM_END, an error, or Z_BUF_ERROR: no progress possible
    }
    const uint64_t produced = zs.total_out;
    const uint64_t consumed = zs.total_in;
    const char* zmsg = zs.msg;
    inflateEnd(&zs);
    if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT) {
      throw FormatError(what + ": corrupt deflate data near byte " + std::to_string(e.data_offset + consumed) +
                        " (zlib: " + (zmsg ? zmsg : "data error") + ")");
    }
    if (rc != Z_STREAM_END) {
      throw FormatError(what + (produced == e.size ? ": inflates to more than its recorded size of " + std::to_string(e.size) + " bytes"
                                                  : ": truncated deflate stream (" + std::to_string(produced) + " of " +
                                                        std::to_string(e.size) + " bytes inflated)"));
    }
    if (produced != e.size) {
      throw FormatError(what + ": inflates to " + std::to_string(produced) + " bytes, its header says " +
                        std::to_string(e.size));
    }
    out.owner = FileBytes::from_buffer(std::move(data), e.size);
    out.bytes = out.owner->bytes();
    out.exclusive = true;
  }
  uLong crc = crc32(0L, Z_NULL, 0);
  for (size_t k = 0; k < out.bytes.size(); k += 1u << 30) {
    const size_t n = std::min<size_t>(out.bytes.size() - k, 1u << 30);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(out.bytes.data() + k), static_cast<uInt>(n));
  }
  if (static_cast<uint32_t>(crc) != e.crc32) {
    throw FormatError(what + ": CRC-32 mismatch (stored " + hex32(e.crc32) + ", computed " +
                      hex32(static_cast<uint32_t>(crc)) + ")");
  }
  return out;
}

}  // namespace sgc
