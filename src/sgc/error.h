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

// A named parameter (an operator's k, t, ...; the training's lr, epochs, ...)
// is outside its domain. what() is "--<flag>: <problem>" (the flag is the name
// with dashes for underscores) for the command line and Python; a model file
// reader names its own field instead, from name() and problem().
class ParameterError : public ArgumentError {
 public:
  ParameterError(const std::string& name, const std::string& problem)
      : ArgumentError(flag_of(name) + ": " + problem), name_(name), problem_(problem) {}
  const std::string& name() const { return name_; }
  const std::string& problem() const { return problem_; }
  static std::string flag_of(const std::string& name) {
    std::string flag = "--" + name;
    for (char& c : flag)
      if (c == '_') c = '-';
    return flag;
  }

 private:
  std::string name_, problem_;
};

// A computation or an input would exceed a cap (memory budget, sparse
// products); the message says how to raise it (maps to MemoryError in Python).
class ResourceError : public Error {
 public:
  using Error::Error;
};

}  // namespace sgc
