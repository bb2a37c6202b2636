// TextOutput (text_output.h).
#include "sgc/io/format/text_output.h"

#include "sgc/error.h"

namespace sgc {

TextOutput::TextOutput(const std::string& path) : path_(path) {
  gz_ = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
  if (gz_) {
    gzf_ = gzopen(path.c_str(), "wb6");
    if (!gzf_) throw FileError(path + ": cannot open for writing");
    gzbuffer(gzf_, 1 << 20);
  } else {
    f_ = std::fopen(path.c_str(), "wb");
    if (!f_) throw FileError(path + ": cannot open for writing");
  }
}

TextOutput::~TextOutput() {
  if (f_) std::fclose(f_);
  if (gzf_) gzclose(gzf_);
}

void TextOutput::write(const std::string& s) {
  buf_ += s;
  if (buf_.size() >= (1 << 20)) flush();
}

void TextOutput::close() {
  flush();
  const bool ok = gz_ ? gzclose(gzf_) == Z_OK : std::fclose(f_) == 0;
  f_ = nullptr;
  gzf_ = nullptr;
  if (!ok) throw FileError(path_ + ": write failed");
}

void TextOutput::flush() {
  if (buf_.empty()) return;
  const bool ok = gz_ ? gzwrite(gzf_, buf_.data(), static_cast<unsigned>(buf_.size())) == static_cast<int>(buf_.size())
                      : std::fwrite(buf_.data(), 1, buf_.size(), f_) == buf_.size();
  if (!ok) throw FileError(path_ + ": write failed");
  buf_.clear();
}

}  // namespace sgc
