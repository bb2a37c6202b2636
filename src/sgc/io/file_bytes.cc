// FileBytes (file_bytes.h): mmap for regular files, read() otherwise.
#include "sgc/io/file_bytes.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sgc/error.h"
#include "sgc/io/pickle.h"

namespace sgc {

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
  if (m == MAP_FAILED) return from_string(pickle::read_file_bytes(path));  // pipes, empty files
  std::shared_ptr<FileBytes> f(new FileBytes());
  f->map_ = m;
  f->map_len_ = len;
  f->view_ = std::string_view(static_cast<const char*>(m), len);
  return f;
}

}  // namespace sgc
