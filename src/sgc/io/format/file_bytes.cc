// FileBytes (file_bytes.h): mmap for regular files, read() otherwise; and
// read_file_bytes.
#include "sgc/io/format/file_bytes.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sgc/error.h"

namespace sgc {

namespace {

struct Fd {
  int fd;
  ~Fd() { ::close(fd); }
};

}  // namespace

namespace io_detail {

int open_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw FileError(path + ": cannot open (" + std::strerror(errno) + ")");
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    throw FileError(path + ": is a directory, expected a file");
  }
  return fd;
}

// Reads to end of file; `expect` (the file size, if known) sizes the first read.
std::string read_all(int fd, size_t expect, const std::string& path) {
  std::string out;
  for (;;) {
    size_t old = out.size();
    size_t chunk = std::max<size_t>(expect + 1 - std::min(expect, old), 1 << 16);
    out.resize(old + chunk);
    ssize_t n = ::read(fd, out.data() + old, chunk);
    if (n < 0) {
      out.resize(old);
      if (errno == EINTR) continue;
      throw FileError(path + ": cannot read (" + std::strerror(errno) + ")");
    }
    out.resize(old + static_cast<size_t>(n));
    if (n == 0) break;
  }
  return out;
}

}  // namespace io_detail

std::string read_file_bytes(const std::string& path) {
  Fd f{io_detail::open_file(path)};
  struct stat st {};
  size_t expect = ::fstat(f.fd, &st) == 0 && S_ISREG(st.st_mode) ? static_cast<size_t>(st.st_size) : 0;
  return io_detail::read_all(f.fd, expect, path);
}

FileBytes::~FileBytes() {
  if (map_) ::munmap(map_, map_len_);
}

std::shared_ptr<const FileBytes> FileBytes::from_string(std::string bytes) {
  std::shared_ptr<FileBytes> f(new FileBytes());
  f->owned_ = std::move(bytes);
  f->view_ = f->owned_;
  return f;
}

std::shared_ptr<const FileBytes> FileBytes::from_buffer(std::unique_ptr<char[]> buffer, size_t size) {
  std::shared_ptr<FileBytes> f(new FileBytes());
  f->buffer_ = std::move(buffer);
  f->view_ = std::string_view(f->buffer_.get(), size);
  return f;
}

std::shared_ptr<const FileBytes> FileBytes::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw FileError(path + ": cannot open (" + std::strerror(errno) + ")");
  struct stat st {};
  void* m = MAP_FAILED;
  size_t len = 0;
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    throw FileError(path + ": is a directory, expected a file");
  }
  if (S_ISREG(st.st_mode) && st.st_size > 0) {
    len = static_cast<size_t>(st.st_size);
    m = ::mmap(nullptr, len, PROT_READ, MAP_PRIVATE, fd, 0);
  }
  ::close(fd);
  if (m == MAP_FAILED) return from_string(read_file_bytes(path));  // pipes, empty files
  std::shared_ptr<FileBytes> f(new FileBytes());
  f->map_ = m;
  f->map_len_ = len;
  f->view_ = std::string_view(static_cast<const char*>(m), len);
  return f;
}

}  // namespace sgc
