// Outputs that are whole or absent: the bytes go to a temporary file in the
// target's folder, every write and the final flush are checked, the file is
// synced and then renamed over the target. A failure or an interruption
// leaves any earlier file at the target untouched and removes the temporary.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sgc {

class AtomicFile {
 public:
  // Opens the temporary file; FileError naming `path` if it cannot.
  explicit AtomicFile(std::string path);
  ~AtomicFile();  // removes the temporary file unless commit() succeeded
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::string_view bytes);  // FileError on a failed write (full disk, ...)
  void commit();                       // flush, fsync, close, rename; FileError on failure
  const std::string& path() const { return path_; }

 private:
  std::string path_, tmp_;
  FILE* f_ = nullptr;
  bool committed_ = false;
};

// Writes `bytes` to `path` atomically.
void write_file_atomically(const std::string& path, std::string_view bytes);

// Checks, before any work is done, that `path` can be written: its folder
// exists and is writable, and `path` is absent or a plain file (not a folder,
// a symbolic link, a FIFO or a device, which the rename would replace).
// ArgumentError naming `flag`; AtomicFile refuses such a target too.
// `inputs` ({flag, path} of the files the command reads): `path` may not be
// one of them (the same file by any name), which the output would replace.
void check_output_path(const std::string& path, const std::string& flag,
                       const std::vector<std::pair<std::string, std::string>>& inputs = {});

}  // namespace sgc
