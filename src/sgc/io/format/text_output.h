// Buffered output to a plain or gzip file (the writing side of
// text_lines.h): a path ending in ".gz" is gzip-compressed (zlib level 6).
// Atomic through util/atomic_file.h: written to a temporary beside <path> and
// renamed over it by close(); a TextOutput destroyed without close() (an
// error, Ctrl-C) leaves <path> as it was.
// Errors: sgc::FileError "<path>: cannot open for writing" / "<path>: write failed".
#pragma once

#include <zlib.h>

#include <string>

#include "sgc/util/atomic_file.h"

namespace sgc {

class TextOutput {
 public:
  explicit TextOutput(const std::string& path);
  ~TextOutput();
  TextOutput(const TextOutput&) = delete;
  TextOutput& operator=(const TextOutput&) = delete;

  void write(const std::string& s);
  // Flushes and closes the file; throws if any write failed.
  void close();

 private:
  void flush(bool finish);
  AtomicFile file_;
  bool gz_ = false;
  z_stream zs_{};  // gzip: the deflate stream in front of file_
  std::string buf_;
};

}  // namespace sgc
