// TextLines (text_lines.h). The whole compressed file is mapped (FileBytes);
// text is inflated into a buffer 1 MiB at a time and handed out line by line.
#include "sgc/io/format/text_lines.h"

#include <algorithm>
#include <cstring>

#include "sgc/error.h"
#include "sgc/util/progress.h"

namespace sgc {
namespace {
constexpr size_t kChunk = 1 << 20;
}

TextLines::TextLines(const std::string& path) : source_(path), input_(FileBytes::open(path)) {
  init();
  if (progress_enabled()) {
    const size_t slash = path.find_last_of('/');
    progress_ = std::make_unique<ProgressStage>("read " + path.substr(slash == std::string::npos ? 0 : slash + 1),
                                                int64_t(input_->bytes().size()), "bytes");
  }
}

TextLines::TextLines(std::string bytes, const std::string& source)
    : source_(source), input_(FileBytes::from_string(std::move(bytes))) {
  init();
}

TextLines::~TextLines() {
  if (zs_ready_) inflateEnd(&zs_);
}

void TextLines::init() {
  const std::string_view in = input_->bytes();
  gzip_ = in.size() >= 2 && static_cast<unsigned char>(in[0]) == 0x1f && static_cast<unsigned char>(in[1]) == 0x8b;
  if (gzip_) {
    if (inflateInit2(&zs_, 16 + MAX_WBITS) != Z_OK) throw FormatError(source_ + ": zlib inflateInit2 failed");
    zs_ready_ = true;
    in_member_ = true;
  }
}

void TextLines::line_too_long() const {
  fail("line longer than " + std::to_string(max_line_) + " bytes (the limit for one line; a binary file, or no line breaks?)");
}

void TextLines::fail(const std::string& msg) const {
  throw FormatError(source_ + ":" + std::to_string(line_) + ": " + msg);
}

bool TextLines::fill() {
  const std::string_view in = input_->bytes();
  if (progress_) progress_->set(int64_t(in_pos_));
  if (!gzip_) {  // plain text: hand out the mapped bytes in chunks
    if (in_pos_ >= in.size()) return false;
    const size_t n = std::min(kChunk, in.size() - in_pos_);
    buf_.append(in.data() + in_pos_, n);
    in_pos_ += n;
    return true;
  }
  const size_t old = buf_.size();
  for (;;) {
    if (!in_member_) {
      if (in_pos_ >= in.size()) return buf_.size() > old;
      if (in.size() - in_pos_ < 2 || static_cast<unsigned char>(in[in_pos_]) != 0x1f ||
          static_cast<unsigned char>(in[in_pos_ + 1]) != 0x8b) {
        throw FormatError(source_ + ": " + std::to_string(in.size() - in_pos_) +
                          " bytes of garbage after the gzip stream at byte offset " + std::to_string(in_pos_));
      }
      inflateReset(&zs_);
      in_member_ = true;
    }
    buf_.resize(old + kChunk);
    zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + in_pos_));
    zs_.avail_in = static_cast<uInt>(std::min<size_t>(in.size() - in_pos_, 1u << 30));
    zs_.next_out = reinterpret_cast<Bytef*>(buf_.data() + old);
    zs_.avail_out = static_cast<uInt>(kChunk);
    const uInt avail_in = zs_.avail_in;
    const int rc = inflate(&zs_, Z_NO_FLUSH);
    in_pos_ += avail_in - zs_.avail_in;
    buf_.resize(old + (kChunk - zs_.avail_out));
    if (rc == Z_STREAM_END) {
      in_member_ = false;
      if (buf_.size() > old) return true;
      continue;
    }
    if (rc == Z_OK && buf_.size() > old) return true;
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && in_pos_ >= in.size()) {
      throw FormatError(source_ + ": truncated gzip stream (input ends at byte offset " + std::to_string(in_pos_) +
                        " inside a compressed member)");
    }
    throw FormatError(source_ + ": corrupt gzip data near byte offset " + std::to_string(in_pos_) + " (zlib: " +
                      (zs_.msg ? zs_.msg : "error " + std::to_string(rc)) + ")");
  }
}

bool TextLines::next(std::string_view& line) {
  for (;;) {
    const size_t nl = buf_.find('\n', start_);
    if (nl != std::string::npos || done_) {
      if (nl == std::string::npos && start_ >= buf_.size()) return false;
      const size_t end = nl == std::string::npos ? buf_.size() : nl;
      line = std::string_view(buf_).substr(start_, end - start_);
      start_ = nl == std::string::npos ? buf_.size() : nl + 1;
      ++line_;
      if (line.size() > max_line_) line_too_long();
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find('\0') != std::string_view::npos) {
        // A zip archive (an .npz) given as text, or gzip'd: say so, not only "binary".
        if (line_ == 1 && line.substr(0, 4) == std::string_view("PK\x03\x04", 4))
          fail(gzip_ ? "a gzip-compressed zip archive (an .npz?), not text: decompress it (gunzip) and give the .npz"
                     : "a zip archive (an .npz?), not text");
        fail("NUL byte in the text (binary file?)");
      }
      return true;
    }
    // Keep only the partial line, then read more.
    buf_.erase(0, start_);
    start_ = 0;
    if (buf_.size() > max_line_) {
      ++line_;
      line_too_long();
    }
    if (!fill()) done_ = true;
  }
}

}  // namespace sgc
