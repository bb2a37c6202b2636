// Document storage and file input for the pickle reader (pickle.h): the whole
// input is held in memory (a copy, or a read-only MAP_POPULATE mapping of the
// file, which is several times cheaper than read() into fresh pages for
// multi-megabyte files), and every decoded Node lives in the Document.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sgc/error.h"
#include "sgc/io/pickle_internal.h"

namespace sgc::pickle {

Document::Arena::~Arena() {
  if (map) ::munmap(map, map_len);
}

Node* Document::Arena::make(Kind k) {
  Node& n = nodes.emplace_back();
  n.kind = k;
  return &n;
}

Document::Document() = default;
Document::Document(Document&&) noexcept = default;
Document& Document::operator=(Document&&) noexcept = default;
Document::~Document() = default;

Document Document::decode(std::unique_ptr<Arena> arena, const std::string& source) {
  Document doc;
  doc.source_ = source;
  doc.arena_ = std::move(arena);
  doc.arena_->owned_budget = doc.arena_->input.size() + 4096;
  doc.root_ = internal::run(*doc.arena_, doc.source_);
  return doc;
}

Document parse(std::string bytes, const std::string& source) {
  auto arena = std::make_unique<Document::Arena>();
  arena->owned = std::move(bytes);
  arena->input = arena->owned;
  return Document::decode(std::move(arena), source);
}

namespace {

struct Fd {
  int fd;
  ~Fd() { ::close(fd); }
};

int open_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw FileError(path + ": cannot open (" + std::strerror(errno) + ")");
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

}  // namespace

std::string read_file_bytes(const std::string& path) {
  Fd f{open_file(path)};
  struct stat st {};
  size_t expect = ::fstat(f.fd, &st) == 0 && S_ISREG(st.st_mode) ? static_cast<size_t>(st.st_size) : 0;
  return read_all(f.fd, expect, path);
}

Document read_file(const std::string& path) {
  auto arena = std::make_unique<Document::Arena>();
  {
    Fd f{open_file(path)};
    struct stat st {};
    const bool regular = ::fstat(f.fd, &st) == 0 && S_ISREG(st.st_mode);
    if (regular && st.st_size > 0) {
      const size_t len = static_cast<size_t>(st.st_size);
      void* m = ::mmap(nullptr, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, f.fd, 0);
      if (m != MAP_FAILED) {
        arena->map = m;
        arena->map_len = len;
        arena->input = std::string_view(static_cast<const char*>(m), len);
      }
    }
    if (!arena->map) {
      arena->owned = read_all(f.fd, regular ? static_cast<size_t>(st.st_size) : 0, path);
      arena->input = arena->owned;
    }
  }
  return Document::decode(std::move(arena), path);
}

}  // namespace sgc::pickle
