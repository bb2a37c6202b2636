// Shared by the libFuzzer harnesses that need files on disk (readers that
// take a path or a folder): one temporary folder per process, the fuzzed
// input split into several files, and a small memory budget so a lying size
// is refused by the library (sgc/util/budget.h) long before -rss_limit_mb.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "sgc/util/budget.h"

namespace sgc_fuzz {

namespace fs = std::filesystem;

// Separates the files of a multi-file input (the seeds use it; the fuzzer
// keeps or mutates it like any other bytes).
inline constexpr std::string_view kPartSeparator = "\n--sgc-fuzz-part--\n";

// The input cut at every separator: part i becomes file i.
inline std::vector<std::string> split_parts(std::string_view in, size_t max_parts) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (parts.size() + 1 < max_parts) {
    const size_t p = in.find(kPartSeparator, start);
    if (p == std::string_view::npos) break;
    parts.emplace_back(in.substr(start, p - start));
    start = p + kPartSeparator.size();
  }
  parts.emplace_back(in.substr(start));
  return parts;
}

// A folder that lives as long as the process (removed at exit).
inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    std::string tmpl = (fs::temp_directory_path() / "sgc_fuzz_XXXXXX").string();
    std::string d = mkdtemp(tmpl.data());
    static struct Cleanup {
      std::string d;
      ~Cleanup() {
        std::error_code ec;
        fs::remove_all(d, ec);
      }
    } cleanup{d};
    return d;
  }();
  return dir;
}

inline void write_file(const std::string& path, std::string_view bytes) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A fresh, empty subfolder of the scratch folder.
inline std::string fresh_dir(const std::string& name) {
  const std::string d = (fs::path(scratch_dir()) / name).string();
  std::error_code ec;
  fs::remove_all(d, ec);
  fs::create_directories(d);
  return d;
}

// 256 MiB: inputs are at most -max_len bytes, so anything larger is a lie.
inline void small_budget() {
  static const bool once = [] {
    sgc::set_memory_budget(int64_t{256} << 20);
    return true;
  }();
  (void)once;
}

}  // namespace sgc_fuzz
