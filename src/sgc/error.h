// Error type used throughout sgc. Every message says where the problem is
// (a file, a flag, an array) and what it is, on one line, so the command-line
// tool can print it verbatim and exit non-zero.
#pragma once

#include <stdexcept>
#include <string>

namespace sgc {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// A file could not be opened at all (maps to FileNotFoundError in Python).
class FileError : public Error {
 public:
  using Error::Error;
};

// A file was opened but its contents are malformed.
class FormatError : public Error {
 public:
  using Error::Error;
};

// A parameter (flag, argument) is outside its domain.
class ArgumentError : public Error {
 public:
  using Error::Error;
};

// A computation or an input would exceed a cap (memory budget, sparse
// products); the message says how to raise it (maps to MemoryError in Python).
class ResourceError : public Error {
 public:
  using Error::Error;
};

}  // namespace sgc
