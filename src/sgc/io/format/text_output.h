// Buffered output to a plain or gzip file (the writing side of
// text_lines.h): a path ending in ".gz" is gzip-compressed (zlib level 6).
// Atomic: written to "<path>.tmp.<pid>" and renamed over <path> by close();
// a TextOutput destroyed without close() (an error, Ctrl-C) removes it, so
// <path> is the old file or the whole new one.
// Errors: sgc::FileError "<path>: cannot open for writing" / "<path>: write failed".
#pragma once

#include <zlib.h>

#include <cstdio>
#include <string>

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
  void flush();
  std::string path_, tmp_;
  bool gz_ = false, committed_ = false;
  std::FILE* f_ = nullptr;
  gzFile gzf_ = nullptr;
  std::string buf_;
};

}  // namespace sgc
