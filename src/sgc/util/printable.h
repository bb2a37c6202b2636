// Untrusted bytes (a field, a key, a name read from a file) made safe for a
// one-line error message: control bytes (C0, DEL, and the C1 controls
// U+0080..U+009F that some terminals obey), backslashes and bytes that are not
// valid UTF-8 are written as \xNN, so a file cannot retitle or clear the
// terminal through an error message. Valid printable UTF-8 is kept. The
// result is cut to `max_bytes` input bytes ("..." marks a cut).
// keep_backslashes: for a message that may hold text escaped already (a
// field's own error quoting it), which a second escape would garble
// ("\x1b" shown as "\x5cx1b"); control bytes are still escaped.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace sgc {

inline std::string printable(std::string_view s, size_t max_bytes = 80, bool keep_backslashes = false) {
  std::string out;
  const size_t n = s.size() < max_bytes ? s.size() : max_bytes;
  auto hex = [&out](unsigned char u) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", u);
    out += buf;
  };
  for (size_t i = 0; i < n;) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u >= 0x20 && u < 0x7f && (u != '\\' || keep_backslashes)) {
      out += static_cast<char>(u);
      ++i;
      continue;
    }
    // A well-formed UTF-8 sequence (no overlongs, no surrogates, <= U+10FFFF),
    // not a C1 control, that ends before the cut.
    size_t len = u >= 0xc2 && u <= 0xdf ? 2 : u >= 0xe0 && u <= 0xef ? 3 : u >= 0xf0 && u <= 0xf4 ? 4 : 0;
    bool ok = len > 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    if (ok) {
      const auto b1 = static_cast<unsigned char>(s[i + 1]);
      if (u == 0xc2 && b1 < 0xa0) ok = false;                // C1 controls
      if (u == 0xe0 && b1 < 0xa0) ok = false;                // overlong
      if (u == 0xed && b1 >= 0xa0) ok = false;               // surrogates
      if (u == 0xf0 && b1 < 0x90) ok = false;                // overlong
      if (u == 0xf4 && b1 >= 0x90) ok = false;               // > U+10FFFF
    }
    if (!ok) {
      hex(u);
      ++i;
      continue;
    }
    out.append(s.substr(i, len));
    i += len;
  }
  if (s.size() > max_bytes) out += "...";
  return out;
}

// A number in a message or a flag's help: the shortest of %g (0.2, 1e-05).
inline std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace sgc
