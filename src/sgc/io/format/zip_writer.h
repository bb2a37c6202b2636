// Writes zip archives (for .npz files other tools read with numpy.load /
// scipy.sparse.load_npz): each entry stored or raw-deflated with zlib, with
// its CRC-32; records as in PKWARE APPNOTE.TXT 6.3 (local file header, central
// directory, end of central directory). Entries and the archive must stay
// below 4 GiB (no zip64): larger ones throw sgc::ArgumentError. The archive
// is written atomically (util/atomic_file.h): it appears at its path only
// when finish() succeeds, so a full disk leaves no truncated file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sgc/util/atomic_file.h"

namespace sgc {

class ZipWriter {
 public:
  // Throws sgc::FileError if the file cannot be created.
  explicit ZipWriter(const std::string& path);

  // One entry whose contents are the concatenation of `pieces` (e.g. an npy
  // header and the array's memory, so large arrays are not copied).
  void add(const std::string& name, const std::vector<std::string_view>& pieces, bool deflate);
  // Writes the central directory and puts the archive at its path; must be
  // called once (without it nothing appears there).
  void finish();

 private:
  struct Record {
    std::string name;
    uint16_t method;
    uint32_t crc, compressed, size, offset;
  };
  void write(std::string_view bytes);
  std::string path_;
  AtomicFile file_;
  uint64_t offset_ = 0;
  std::vector<Record> records_;
};

// Writes an .npz whose entries are <name>.npy arrays given as (name, npy header, data).
struct NpzEntry {
  std::string name;
  std::string header;  // npy_header(...)
  std::string_view data;
};
void write_npz(const std::string& path, const std::vector<NpzEntry>& entries, bool deflate);

}  // namespace sgc
