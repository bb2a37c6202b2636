// TextOutput (text_output.h).
#include "sgc/io/format/text_output.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sgc/error.h"
#include "sgc/util/interrupt.h"

namespace sgc {

TextOutput::TextOutput(const std::string& path) : path_(path), tmp_(path + ".tmp." + std::to_string(::getpid())) {
  gz_ = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
  if (gz_) {
    gzf_ = gzopen(tmp_.c_str(), "wb6");
    if (!gzf_) throw FileError(path + ": cannot open for writing");
    gzbuffer(gzf_, 1 << 20);
  } else {
    f_ = std::fopen(tmp_.c_str(), "wb");
    if (!f_) throw FileError(path + ": cannot open for writing (" + std::strerror(errno) + ")");
  }
}

TextOutput::~TextOutput() {
  if (f_) std::fclose(f_);
  if (gzf_) gzclose(gzf_);
  if (!committed_) std::remove(tmp_.c_str());
}

void TextOutput::write(const std::string& s) {
  buf_ += s;
  if (buf_.size() >= (1 << 20)) flush();
}

void TextOutput::close() {
  flush();
  check_interrupt();  // never replace the target after Ctrl-C
  const bool ok = gz_ ? gzclose(gzf_) == Z_OK : (std::fflush(f_) == 0 && ::fsync(::fileno(f_)) == 0) & (std::fclose(f_) == 0);
  f_ = nullptr;
  gzf_ = nullptr;
  if (!ok) throw FileError(path_ + ": write failed");
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0)
    throw FileError(path_ + ": cannot replace (" + std::strerror(errno) + ")");
  committed_ = true;
}

void TextOutput::flush() {
  check_interrupt();
  if (buf_.empty()) return;
  const bool ok = gz_ ? gzwrite(gzf_, buf_.data(), static_cast<unsigned>(buf_.size())) == static_cast<int>(buf_.size())
                      : std::fwrite(buf_.data(), 1, buf_.size(), f_) == buf_.size();
  if (!ok) throw FileError(path_ + ": write failed");
  buf_.clear();
}

}  // namespace sgc
