// The whole contents of a file (or of an in-memory buffer) as one read-only
// byte range: a private read-only mapping for regular files, a copy
// otherwise. The binary readers (zip.h, npy.h) parse from it directly, so a
// multi-gigabyte .npz is not copied before its entries are inflated.
// Also read_file_bytes: a whole file read into a std::string.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace sgc {

class FileBytes {
 public:
  // Throws sgc::FileError "<path>: cannot open (<strerror>)" / "cannot read".
  static std::shared_ptr<const FileBytes> open(const std::string& path);
  static std::shared_ptr<const FileBytes> from_string(std::string bytes);
  // Takes ownership of `size` bytes (filled by the caller, e.g. by inflating
  // into uninitialised memory).
  static std::shared_ptr<const FileBytes> from_buffer(std::unique_ptr<char[]> buffer, size_t size);

  FileBytes(const FileBytes&) = delete;
  FileBytes& operator=(const FileBytes&) = delete;
  ~FileBytes();

  std::string_view bytes() const { return view_; }

 private:
  FileBytes() = default;
  std::string owned_;
  std::unique_ptr<char[]> buffer_;
  void* map_ = nullptr;
  size_t map_len_ = 0;
  std::string_view view_;
};

// Reads a whole file into memory. Throws sgc::FileError
// "<path>: cannot open (<strerror>)" / "<path>: cannot read (<strerror>)".
std::string read_file_bytes(const std::string& path);

namespace io_detail {
// The pieces of read_file_bytes, for readers that open the file themselves
// (pickle::read_file): open(2) read-only (same FileError), and read to end of
// file, `expect` (the file size, if known) sizing the first read.
int open_file(const std::string& path);
std::string read_all(int fd, size_t expect, const std::string& path);
}  // namespace io_detail

}  // namespace sgc
