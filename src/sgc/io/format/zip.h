// A strict reader for zip archives (the container of NumPy .npz files), with
// entries stored (method 0) or deflated (method 8, inflated with zlib).
// Format source: PKWARE APPNOTE.TXT 6.3 (sections 4.3.7 local file header,
// 4.3.12 central directory header, 4.3.14-4.3.16 zip64 end of central
// directory record / locator and end of central directory record, 4.5.3 the
// zip64 extended information extra field). Python's zipfile (which np.savez
// uses, with force_zip64 so each local header carries a zip64 extra field) is
// the writer this is tested against.
//
// Checks: the end-of-central-directory record (a single-disk archive, its
// comment ending exactly at the end of the file), every central directory
// header, each entry's local header (signature, name equal to the central
// one, sizes and CRC equal unless bit 3 defers them to a data descriptor),
// that the data lies inside the file, the sizes after inflating and the
// CRC-32. Encrypted entries and other methods are rejected. Names must be
// unique. Memory: an entry's claimed size is checked against the deflate
// limit (1032:1) at open and against the memory budget (util/budget.h,
// sgc::ResourceError) before it is inflated; inflating stops at the claimed
// size (more data is an error).
//
// Errors are one-line sgc::FormatError naming the source and the byte offset
// or entry, e.g. "x.npz: zip entry 'a.npy': CRC-32 mismatch (stored
// 0x1234abcd, computed 0x00c0ffee)".
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sgc/io/format/file_bytes.h"

namespace sgc {

// A byte range that keeps its storage alive (a mapped file or an inflated copy).
struct ByteRange {
  std::shared_ptr<const FileBytes> owner;
  std::string_view bytes;
  // The bytes belong to this read alone (an inflated entry, not a view of
  // the file): a reader may hand pages it has copied out back to the kernel.
  bool exclusive = false;
};

class ZipArchive {
 public:
  struct Entry {
    std::string name;
    uint16_t method = 0;  // 0 stored, 8 deflate
    uint16_t flags = 0;
    uint32_t crc32 = 0;
    uint64_t compressed_size = 0;
    uint64_t size = 0;  // uncompressed
    uint64_t local_header_offset = 0;
    uint64_t data_offset = 0;  // start of the (compressed) data
  };

  // Throws sgc::FileError if the file cannot be read, sgc::FormatError if it
  // is not a well-formed zip archive.
  static ZipArchive open(const std::string& path);
  // Parses an in-memory archive; `source` starts every error message.
  static ZipArchive from_bytes(std::shared_ptr<const FileBytes> bytes, const std::string& source);

  const std::string& source() const { return source_; }
  uint64_t size_bytes() const { return file_->bytes().size(); }
  const std::vector<Entry>& entries() const { return entries_; }
  const Entry* find(std::string_view name) const;  // nullptr if absent

  // The uncompressed contents, size and CRC checked. Stored entries are a view
  // of the archive's bytes; deflated ones are inflated into a new buffer.
  ByteRange read(const Entry& e) const;

 private:
  std::string source_;
  std::shared_ptr<const FileBytes> file_;
  std::vector<Entry> entries_;
};

}  // namespace sgc
