#include "sgc/util/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "sgc/error.h"
#include "sgc/util/interrupt.h"

namespace sgc {

namespace fs = std::filesystem;

namespace {
// The rename would replace whatever is at the target: a device node, a FIFO
// or a symbolic link would become a plain file (as root, /dev/full did).
void require_plain_target(const std::string& path, const std::string& who) {
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(path, ec);
  if (ec || !fs::exists(st) || fs::is_regular_file(st)) return;
  const char* kind = fs::is_directory(st) ? "a folder" : fs::is_symlink(st) ? "a symbolic link"
                     : fs::is_fifo(st)    ? "a FIFO"
                     : fs::is_character_file(st) || fs::is_block_file(st) ? "a device"
                                                                            : "not a plain file";
  throw ArgumentError(who + path + " is " + kind + "; outputs are written as new plain files");
}
}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  require_plain_target(path_, "");
  tmp_ = path_ + ".tmp." + std::to_string(::getpid());
  f_ = std::fopen(tmp_.c_str(), "wb");
  if (!f_) throw FileError(path_ + ": cannot open for writing (" + std::strerror(errno) + ")");
}

AtomicFile::~AtomicFile() {
  if (committed_) return;
  if (f_) std::fclose(f_);
  std::remove(tmp_.c_str());
}

void AtomicFile::write(std::string_view bytes) {
  check_interrupt();  // Ctrl-C while writing: the target is left as it was
  if (bytes.empty()) return;
  if (std::fwrite(bytes.data(), 1, bytes.size(), f_) != bytes.size())
    throw FileError(path_ + ": write failed (" + std::strerror(errno) + ")");
}

void AtomicFile::commit() {
  check_interrupt();  // never replace the target after Ctrl-C
  const bool flushed = std::fflush(f_) == 0 && ::fsync(::fileno(f_)) == 0;
  const int err = errno;
  const bool closed = std::fclose(f_) == 0;
  f_ = nullptr;
  if (!flushed || !closed) throw FileError(path_ + ": write failed (" + std::strerror(flushed ? errno : err) + ")");
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0)
    throw FileError(path_ + ": cannot replace (" + std::strerror(errno) + ")");
  committed_ = true;
}

void write_file_atomically(const std::string& path, std::string_view bytes) {
  AtomicFile f(path);
  f.write(bytes);
  f.commit();
}

void check_output_path(const std::string& path, const std::string& flag,
                       const std::vector<std::pair<std::string, std::string>>& inputs) {
  if (path.empty()) throw ArgumentError(flag + ": empty file name");
  std::error_code ec;
  for (const auto& [in_flag, in_path] : inputs)
    if (!in_path.empty() && fs::equivalent(path, in_path, ec))
      throw ArgumentError(flag + ": " + path + " is the file " + in_flag + " reads (" + in_path +
                          "); writing it would replace that input");
  if (fs::is_directory(path, ec)) throw ArgumentError(flag + ": " + path + " is a folder, not a file");
  require_plain_target(path, flag + ": ");
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::is_directory(dir, ec)) throw ArgumentError(flag + ": folder " + dir.string() + " does not exist");
  if (::access(dir.c_str(), W_OK) != 0)
    throw ArgumentError(flag + ": cannot write in " + dir.string() + " (" + std::strerror(errno) + ")");
}

}  // namespace sgc
