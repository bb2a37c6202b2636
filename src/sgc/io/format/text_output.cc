// TextOutput (text_output.h).
#include "sgc/io/format/text_output.h"

#include "sgc/error.h"

namespace sgc {

TextOutput::TextOutput(const std::string& path) : file_(path) {
  gz_ = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
  // windowBits 15 + 16: a gzip header and trailer around the deflate data.
  if (gz_ && deflateInit2(&zs_, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw FileError(path + ": cannot open for writing (zlib)");
}

TextOutput::~TextOutput() {
  if (gz_) deflateEnd(&zs_);
}

void TextOutput::write(const std::string& s) {
  buf_ += s;
  if (buf_.size() >= (1 << 20)) flush(false);
}

void TextOutput::close() {
  flush(true);
  file_.commit();
}

void TextOutput::flush(bool finish) {
  if (!gz_) {
    file_.write(buf_);
    buf_.clear();
    return;
  }
  zs_.next_in = reinterpret_cast<Bytef*>(buf_.data());
  zs_.avail_in = static_cast<uInt>(buf_.size());
  char out[1 << 16];
  int rc;
  do {  // until deflate has taken all input (and, finishing, written its trailer)
    zs_.next_out = reinterpret_cast<Bytef*>(out);
    zs_.avail_out = sizeof out;
    rc = deflate(&zs_, finish ? Z_FINISH : Z_NO_FLUSH);
    if (rc == Z_STREAM_ERROR) throw FileError(file_.path() + ": write failed (zlib)");
    file_.write(std::string_view(out, sizeof out - zs_.avail_out));
  } while (zs_.avail_out == 0 || (finish && rc != Z_STREAM_END));
  buf_.clear();
}

}  // namespace sgc
