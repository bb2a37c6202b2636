// Document storage and file input for the pickle reader (pickle.h): the whole
// input is held in memory (a copy, or a read-only MAP_POPULATE mapping of the
// file, which is several times cheaper than read() into fresh pages for
// multi-megabyte files), and every decoded Node lives in the Document.
#include <string>

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sgc/io/format/file_bytes.h"
#include "sgc/io/format/pickle_internal.h"

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

Document parse_shared(std::shared_ptr<const void> owner, std::string_view bytes, const std::string& source) {
  auto arena = std::make_unique<Document::Arena>();
  arena->shared = std::move(owner);
  arena->input = bytes;
  return Document::decode(std::move(arena), source);
}

namespace {

struct Fd {
  int fd;
  ~Fd() { ::close(fd); }
};

}  // namespace

Document read_file(const std::string& path) {
  auto arena = std::make_unique<Document::Arena>();
  {
    Fd f{io_detail::open_file(path)};
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
      arena->owned = io_detail::read_all(f.fd, regular ? static_cast<size_t>(st.st_size) : 0, path);
      arena->input = arena->owned;
    }
  }
  return Document::decode(std::move(arena), path);
}

}  // namespace sgc::pickle
