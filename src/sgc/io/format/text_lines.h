// Line-by-line reading of text files that may be gzip-compressed (RFC 1952;
// detected by the magic bytes 1f 8b, whatever the file name), for the edge
// list and CSV readers. Inflating uses zlib's inflate with gzip decoding;
// concatenated gzip members are read in sequence, as gzip -d does. A stream
// that ends early, fails its CRC or is followed by garbage is an error
// naming the compressed byte offset.
//
// Lines end at '\n'; a trailing '\r' (CRLF files) is removed; the last line
// need not end in '\n'. A NUL byte in the text is an error (binary input).
// A line longer than max_line_bytes() (default kMaxLineBytes, 16 MiB) is an
// error, so a small gzip file of one huge line cannot fill the memory: the
// text held at any time is one line plus one 1 MiB chunk.
// Reading a file is a progress stage (util/progress.h), in compressed bytes.
// Errors: sgc::FileError if the file cannot be opened, sgc::FormatError
// "<path>:<line>: <problem>" for content (see fail()).
#pragma once

#include <zlib.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "sgc/io/format/file_bytes.h"

namespace sgc {

class ProgressStage;

class TextLines {
 public:
  explicit TextLines(const std::string& path);
  // Reads from memory; `source` names it in errors (used by tests and fuzzing).
  TextLines(std::string bytes, const std::string& source);
  ~TextLines();
  TextLines(const TextLines&) = delete;
  TextLines& operator=(const TextLines&) = delete;

  // The next line without its line ending; false at end of input. The view is
  // valid until the next call.
  bool next(std::string_view& line);
  // 1-based number of the line last returned by next().
  int64_t line_number() const { return line_; }
  const std::string& source() const { return source_; }
  bool gzip() const { return gzip_; }

  static constexpr size_t kMaxLineBytes = size_t{16} << 20;
  size_t max_line_bytes() const { return max_line_; }
  void set_max_line_bytes(size_t n) { max_line_ = n; }

  // Throws sgc::FormatError "<source>:<line>: <msg>".
  [[noreturn]] void fail(const std::string& msg) const;

 private:
  void init();
  [[noreturn]] void line_too_long() const;
  bool fill();  // appends decoded text to buf_; false at end of input

  std::string source_;
  std::shared_ptr<const FileBytes> input_;
  size_t in_pos_ = 0;  // compressed bytes consumed
  bool gzip_ = false;
  bool in_member_ = false;
  z_stream zs_{};
  bool zs_ready_ = false;
  std::string buf_;
  size_t start_ = 0;  // first undelivered byte of buf_
  int64_t line_ = 0;
  bool done_ = false;
  size_t max_line_ = kMaxLineBytes;
  std::unique_ptr<ProgressStage> progress_;  // "read <file>" in bytes (util/progress.h)
};

}  // namespace sgc
