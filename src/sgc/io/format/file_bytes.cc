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
#include "sgc/util/budget.h"
#include "sgc/util/interrupt.h"

namespace sgc {

namespace {

struct Fd {
  int fd;
  ~Fd() { ::close(fd); }
};

}  // namespace

namespace io_detail {

int open_file(const std::string& path) {
  if (path.find('\0') != std::string::npos) throw FileError(path.substr(0, path.find('\0')) + "...: the path holds a NUL byte");
  int fd;
  // A FIFO blocks in open() until a writer comes: Ctrl-C ends the wait (exit 130), it is not a read error.
  while ((fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC)) < 0 && errno == EINTR) check_interrupt();
  if (fd < 0) throw FileError(path + ": cannot open (" + std::strerror(errno) + ")");
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    throw FileError(path + ": is a directory, expected a file");
  }
  return fd;
}

namespace {
// One read(2) of up to n bytes: the count, 0 at end of file. Ctrl-C during
// the wait throws Interrupted; any other error is a FileError naming path.
size_t read_some(int fd, char* buf, size_t n, const std::string& path) {
  for (;;) {
    const ssize_t got = ::read(fd, buf, n);
    if (got >= 0) return size_t(got);
    if (errno != EINTR) throw FileError(path + ": cannot read (" + std::strerror(errno) + ")");
    check_interrupt();
  }
}
}  // namespace

// Reads to end of file; `expect` (the file size, if known) sizes the first read.
std::string read_all(int fd, size_t expect, const std::string& path) {
  std::string out;
  // Appends up to `chunk` bytes; false at end of file.
  auto read_more = [&](size_t chunk) {
    const size_t old = out.size();
    // A stream of unknown size (a pipe, /dev/zero) grows the buffer: within
    // the memory budget, counting what the string may reserve (twice its size).
    if (old + chunk > out.capacity()) {
      const size_t want = std::max(old + chunk, old < expect ? size_t(0) : 2 * out.capacity());
      require_memory(int64_t(want), path + ": reading it whole");
      out.reserve(want);
    }
    out.resize(old + chunk);
    out.resize(old + read_some(fd, out.data() + old, chunk, path));
    return out.size() > old;
  };
  while (out.size() < expect && read_more(expect - out.size())) {
  }
  if (out.size() == expect && expect > 0) {
    // The stated size is read: a small probe for bytes written since (not a second buffer of the file's size).
    char probe[4096];
    const size_t n = read_some(fd, probe, sizeof probe, path);
    if (n == 0) return out;
    require_memory(int64_t(2 * out.size() + n), path + ": reading it whole");
    out.append(probe, n);
  }
  while (read_more(1 << 16)) {
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
  Fd in{io_detail::open_file(path)};
  struct stat st {};
  void* m = MAP_FAILED;
  size_t len = 0;
  const bool regular = ::fstat(in.fd, &st) == 0 && S_ISREG(st.st_mode);
  if (regular && st.st_size > 0) {
    len = static_cast<size_t>(st.st_size);
    m = ::mmap(nullptr, len, PROT_READ, MAP_PRIVATE, in.fd, 0);
  }
  // Pipes, devices, empty files: read from the descriptor opened (a FIFO opened twice would lose its writer).
  if (m == MAP_FAILED) return from_string(io_detail::read_all(in.fd, regular ? size_t(st.st_size) : 0, path));
  std::shared_ptr<FileBytes> f(new FileBytes());
  f->map_ = m;
  f->map_len_ = len;
  f->view_ = std::string_view(static_cast<const char*>(m), len);
  return f;
}

}  // namespace sgc
