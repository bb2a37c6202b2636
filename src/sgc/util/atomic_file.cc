#include "sgc/util/atomic_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "sgc/error.h"

namespace sgc {

namespace fs = std::filesystem;

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
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
  if (bytes.empty()) return;
  if (std::fwrite(bytes.data(), 1, bytes.size(), f_) != bytes.size())
    throw FileError(path_ + ": write failed (" + std::strerror(errno) + ")");
}

void AtomicFile::commit() {
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

void check_output_path(const std::string& path, const std::string& flag) {
  if (path.empty()) throw ArgumentError(flag + ": empty file name");
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw ArgumentError(flag + ": " + path + " is a folder, not a file");
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::is_directory(dir, ec)) throw ArgumentError(flag + ": folder " + dir.string() + " does not exist");
  if (::access(dir.c_str(), W_OK) != 0)
    throw ArgumentError(flag + ": cannot write in " + dir.string() + " (" + std::strerror(errno) + ")");
}

}  // namespace sgc
