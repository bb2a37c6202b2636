// Helpers for the robustness suite (robustness_test.cc): running the built
// `sgc` command under a time limit (a hang is a failure, not a stuck CI),
// the checks every malformed-input case must pass, byte-level corruptions of
// files (truncations, bit flips, patches) and hand-made compressed streams
// (zip / gzip members that inflate to far more than they occupy).
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace sgc::robustness {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- processes

struct Outcome {
  int exit_code = -1;  // 128 + signal if killed by one; 124 if it ran past the limit (killed by us)
  bool timed_out = false;
  std::string output;  // stdout and stderr together
  double seconds = 0;
  int64_t max_rss_kb = 0;  // peak resident memory of the child (KiB)
};

// Starts `argv` (argv[0] is run as given, no PATH search unless it has no '/')
// in its own process group, stdout + stderr to `log_path`; returns the pid.
inline pid_t spawn(const std::vector<std::string>& argv, const std::string& log_path) {
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    const int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    signal(SIGINT, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  if (pid > 0) setpgid(pid, pid);  // also in the parent: no race with kill(-pid)
  return pid;
}

// Waits for `pid` up to `timeout_s`; on expiry SIGKILLs its process group and
// reports 124 / timed_out.
inline int wait_for(pid_t pid, double timeout_s, bool* timed_out = nullptr, int64_t* max_rss_kb = nullptr) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  int status = 0;
  struct rusage ru {};
  for (;;) {
    const pid_t r = wait4(pid, &status, WNOHANG, &ru);
    if (r == pid) break;
    if (r < 0) return -1;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      wait4(pid, &status, 0, &ru);
      if (timed_out) *timed_out = true;
      if (max_rss_kb) *max_rss_kb = ru.ru_maxrss;
      return 124;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (max_rss_kb) *max_rss_kb = ru.ru_maxrss;
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

inline void write_file(const std::string& path, std::string_view bytes) {
  if (fs::path(path).has_parent_path()) fs::create_directories(fs::path(path).parent_path());
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Runs `argv` to completion (or the time limit); `log_path` receives the output.
inline Outcome run(const std::vector<std::string>& argv, const std::string& log_path, double timeout_s) {
  Outcome o;
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = spawn(argv, log_path);
  if (pid < 0) {
    o.output = "fork failed";
    return o;
  }
  o.exit_code = wait_for(pid, timeout_s, &o.timed_out, &o.max_rss_kb);
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  o.output = read_file(log_path);
  return o;
}

// ------------------------------------------------------------- the checks

// Printable text: valid UTF-8 with no control characters (C0 but '\n' and
// '\t', DEL, C1): untrusted bytes must reach a terminal escaped. Returns the
// offset of the first offending byte, or npos.
inline size_t first_unsafe_byte(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) return i;
      ++i;
      continue;
    }
    int len = 0;
    uint32_t cp = 0;
    if ((c & 0xe0) == 0xc0) len = 2, cp = c & 0x1f;
    else if ((c & 0xf0) == 0xe0) len = 3, cp = c & 0x0f;
    else if ((c & 0xf8) == 0xf0) len = 4, cp = c & 0x07;
    else return i;
    if (i + len > s.size()) return i;
    for (int k = 1; k < len; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    const uint32_t min_cp = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
    if (cp < min_cp || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;  // overlong / surrogate
    if (cp >= 0x80 && cp <= 0x9f) return i;                                         // C1 controls
    i += len;
  }
  return std::string_view::npos;
}

// The output with control bytes shown as \xNN, for failure messages.
inline std::string visible(std::string_view s, size_t max = 600) {
  std::string out;
  for (size_t i = 0; i < s.size() && out.size() < max; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c >= 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (out.size() >= max) out += "...";
  return out;
}

struct Expect {
  // The input may still be valid: exit 0 is then accepted (else it is a
  // silently accepted bad input).
  bool may_succeed = false;
  // The input is valid: anything but exit 0 is a failure.
  bool must_succeed = false;
  // One of these must occur in the error line (the file, or the folder).
  std::vector<std::string> names;
};

// The contract for one run of the command on a bad input:
//  * no crash and no hang: exit status below 128 and not 124 (timeout);
//  * either success (only if the input may still be valid) or a non-zero
//    exit with exactly one `sgc: error: ` line, the last line of the output,
//    naming the file;
//  * nothing unsafe echoed: valid UTF-8 without control characters.
inline void check_outcome(const std::string& case_name, const Outcome& o, const Expect& e) {
  SCOPED_TRACE("case " + case_name);
  const std::string shown = visible(o.output);
  if (o.timed_out || o.exit_code == 124) {
    ADD_FAILURE() << "HANG: ran past the time limit (" << o.seconds << " s); output: " << shown;
    return;
  }
  if (o.exit_code >= 128 || o.exit_code < 0) {
    ADD_FAILURE() << "CRASH: exit status " << o.exit_code << " (signal " << o.exit_code - 128 << "); output: " << shown;
    return;
  }
  const size_t bad = first_unsafe_byte(o.output);
  EXPECT_EQ(bad, std::string::npos) << "UNSAFE OUTPUT: control or invalid byte at offset " << bad
                                     << " echoed raw; output: " << shown;
  if (o.exit_code == 0) {
    if (!e.may_succeed && !e.must_succeed) ADD_FAILURE() << "ACCEPTED: a bad input exited 0; output: " << shown;
    return;
  }
  if (e.must_succeed) {
    ADD_FAILURE() << "REJECTED a valid input: exit " << o.exit_code << "; output: " << shown;
    return;
  }
  EXPECT_EQ(o.exit_code, 1) << "exit status outside the documented codes; output: " << shown;
  // The error line: exactly one, and the last line.
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < o.output.size()) {
    size_t nl = o.output.find('\n', start);
    if (nl == std::string::npos) nl = o.output.size();
    if (nl > start) lines.push_back(o.output.substr(start, nl - start));
    start = nl + 1;
  }
  int error_lines = 0;
  for (const std::string& l : lines) error_lines += l.rfind("sgc: error: ", 0) == 0;
  if (error_lines != 1 || lines.empty() || lines.back().rfind("sgc: error: ", 0) != 0) {
    ADD_FAILURE() << "MESSAGE: expected one line 'sgc: error: ...' as the last line, got " << error_lines
                  << " error line(s); output: " << shown;
    return;
  }
  const std::string& msg = lines.back();
  if (!e.names.empty()) {
    bool named = false;
    for (const std::string& n : e.names) named = named || msg.find(n) != std::string::npos;
    std::string want;
    for (const std::string& n : e.names) want += (want.empty() ? "'" : " or '") + n + "'";
    EXPECT_TRUE(named) << "MESSAGE: the error does not name the file (" << want << "): " << visible(msg);
  }
}

// ------------------------------------------------------------ corruptions

// An offset in a file of `size` bytes: frac * size + delta, clamped to [0, size].
struct At {
  double frac = 0;
  int64_t delta = 0;
  size_t in(size_t size) const {
    int64_t o = static_cast<int64_t>(frac * static_cast<double>(size)) + delta;
    if (o < 0) o = 0;
    if (o > static_cast<int64_t>(size)) o = static_cast<int64_t>(size);
    return static_cast<size_t>(o);
  }
  std::string str() const {
    std::string s = frac == 0 ? "" : std::to_string(static_cast<int>(frac * 1000)) + "permille";
    if (delta != 0 || s.empty()) s += (delta >= 0 && !s.empty() ? "+" : "") + std::to_string(delta);
    return s;
  }
};

inline void truncate_file(const std::string& path, At at) {
  std::string b = read_file(path);
  b.resize(at.in(b.size()));
  write_file(path, b);
}

// Flips bit `bit` of the byte at `at` (clamped to the last byte).
inline void flip_bit(const std::string& path, At at, int bit) {
  std::string b = read_file(path);
  if (b.empty()) return;
  size_t o = at.in(b.size());
  if (o >= b.size()) o = b.size() - 1;
  b[o] = static_cast<char>(b[o] ^ (1 << bit));
  write_file(path, b);
}

// Replaces the first occurrence of `from` (which must occur) by `to`.
inline void patch_file(const std::string& path, std::string_view from, std::string_view to) {
  std::string b = read_file(path);
  const size_t p = b.find(from);
  ASSERT_NE(p, std::string::npos) << path << ": pattern to patch not found: " << visible(from);
  b.replace(p, from.size(), to);
  write_file(path, b);
}

inline void file_to_folder(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  fs::create_directories(path);
  write_file((fs::path(path) / "inside").string(), "a folder where a file is expected\n");
}

inline void copy_tree(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::remove_all(to, ec);
  fs::create_directories(to);
  fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  // Copies of read-only data files must be writable for the corruptions.
  for (const auto& e : fs::recursive_directory_iterator(to))
    fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add, ec);
}

// ------------------------------------------------------- compressed bombs

// A raw deflate stream (no wrapper) of `total` bytes all equal to `fill`,
// built from one compressed 1 MiB chunk repeated (full flushes make the
// chunks independent), so a 1 GiB stream costs ~1 MB and no 1 GiB buffer.
// `crc` receives the CRC-32 of the inflated bytes.
inline std::string deflate_repeated(char fill, uint64_t total, uint32_t* crc) {
  const size_t chunk = 1 << 20;
  const std::string plain(chunk, fill);
  z_stream zs{};
  deflateInit2(&zs, 9, Z_DEFLATED, -MAX_WBITS, 9, Z_DEFAULT_STRATEGY);
  std::string block(deflateBound(&zs, chunk) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  zs.avail_in = static_cast<uInt>(chunk);
  zs.next_out = reinterpret_cast<Bytef*>(block.data());
  zs.avail_out = static_cast<uInt>(block.size());
  deflate(&zs, Z_FULL_FLUSH);
  block.resize(zs.total_out);
  deflateEnd(&zs);
  const uint64_t whole = total / chunk, rest = total % chunk;
  std::string out;
  out.reserve(block.size() * whole + 1024);
  uLong c = crc32(0, nullptr, 0);
  const uLong chunk_crc = crc32(0, reinterpret_cast<const Bytef*>(plain.data()), static_cast<uInt>(chunk));
  for (uint64_t i = 0; i < whole; ++i) {
    out += block;
    c = crc32_combine(c, chunk_crc, static_cast<z_off_t>(chunk));
  }
  // The remainder and the final block.
  z_stream tail{};
  deflateInit2(&tail, 9, Z_DEFLATED, -MAX_WBITS, 9, Z_DEFAULT_STRATEGY);
  std::string end(deflateBound(&tail, rest) + 64, '\0');
  tail.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(plain.data()));
  tail.avail_in = static_cast<uInt>(rest);
  tail.next_out = reinterpret_cast<Bytef*>(end.data());
  tail.avail_out = static_cast<uInt>(end.size());
  deflate(&tail, Z_FINISH);
  end.resize(tail.total_out);
  deflateEnd(&tail);
  out += end;
  c = crc32_combine(c, crc32(0, reinterpret_cast<const Bytef*>(plain.data()), static_cast<uInt>(rest)),
                    static_cast<z_off_t>(rest));
  if (crc) *crc = static_cast<uint32_t>(c);
  return out;
}

inline void put_le(std::string& s, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}

// A gzip member (RFC 1952) around `prefix` + `total` copies of `fill`.
inline std::string gzip_bomb(std::string_view prefix, char fill, uint64_t total) {
  uint32_t fill_crc = 0;
  // The prefix as a non-final stored block, then the repeated fill.
  std::string body;
  if (!prefix.empty()) {
    body += '\0';  // BFINAL 0, BTYPE 00 (stored), padded to the byte
    put_le(body, prefix.size(), 2);
    put_le(body, ~prefix.size() & 0xffff, 2);
    body += prefix;
  }
  body += deflate_repeated(fill, total, &fill_crc);
  const uLong pcrc = crc32(0, reinterpret_cast<const Bytef*>(prefix.data()), static_cast<uInt>(prefix.size()));
  const uLong crc = crc32_combine(pcrc, fill_crc, static_cast<z_off_t>(total));
  std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
  out += body;
  put_le(out, crc, 4);
  put_le(out, (prefix.size() + total) & 0xffffffffu, 4);
  return out;
}

// A zip archive (stored or deflated entries, no zip64) with entries given as
// raw member bytes; `declared_size` / `declared_crc` may lie.
struct ZipMember {
  std::string name;
  std::string stored;         // the bytes as they lie in the archive
  uint16_t method = 0;        // 0 stored, 8 deflated
  uint32_t crc = 0;           // CRC-32 of the inflated bytes
  uint64_t size = 0;          // inflated size
};

inline ZipMember stored_member(const std::string& name, std::string_view bytes) {
  ZipMember m;
  m.name = name;
  m.stored = std::string(bytes);
  m.method = 0;
  m.crc = static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
  m.size = bytes.size();
  return m;
}

inline std::string zip_archive(const std::vector<ZipMember>& members) {
  std::string out, central;
  for (const ZipMember& m : members) {
    const uint64_t offset = out.size();
    std::string h;
    put_le(h, 0x04034b50, 4);
    put_le(h, 20, 2);
    put_le(h, 0, 2);
    put_le(h, m.method, 2);
    put_le(h, 0, 4);  // time, date
    put_le(h, m.crc, 4);
    put_le(h, m.stored.size(), 4);
    put_le(h, m.size & 0xffffffffu, 4);
    put_le(h, m.name.size(), 2);
    put_le(h, 0, 2);
    out += h + m.name + m.stored;
    std::string c;
    put_le(c, 0x02014b50, 4);
    put_le(c, 20, 2);
    put_le(c, 20, 2);
    put_le(c, 0, 2);
    put_le(c, m.method, 2);
    put_le(c, 0, 4);
    put_le(c, m.crc, 4);
    put_le(c, m.stored.size(), 4);
    put_le(c, m.size & 0xffffffffu, 4);
    put_le(c, m.name.size(), 2);
    put_le(c, 0, 2);  // extra
    put_le(c, 0, 2);  // comment
    put_le(c, 0, 2);  // disk
    put_le(c, 0, 2);  // internal attributes
    put_le(c, 0, 4);  // external attributes
    put_le(c, offset, 4);
    central += c + m.name;
  }
  const uint64_t cd_offset = out.size();
  out += central;
  std::string e;
  put_le(e, 0x06054b50, 4);
  put_le(e, 0, 2);
  put_le(e, 0, 2);
  put_le(e, members.size(), 2);
  put_le(e, members.size(), 2);
  put_le(e, central.size(), 4);
  put_le(e, cd_offset, 4);
  put_le(e, 0, 2);
  return out + e;
}

// The .npy v1.0 bytes of an array: header (descr, shape as written) and data.
inline std::string npy(const std::string& descr, const std::string& shape, std::string_view data,
                       bool fortran = false) {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
                     ", 'shape': " + shape + ", }";
  size_t total = 10 + dict.size() + 1;
  const size_t pad = (64 - total % 64) % 64;
  dict += std::string(pad, ' ') + "\n";
  std::string out("\x93NUMPY\x01\x00", 8);
  put_le(out, dict.size(), 2);
  return out + dict + std::string(data);
}

template <class T>
std::string raw_bytes(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

}  // namespace sgc::robustness
