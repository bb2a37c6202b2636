// The GPU path's on/off environment variables (SGC_GPU_CUSPARSE,
// SGC_GPU_WIDE_INDICES, SGC_GPU_HEAD_SPLIT), read one way: unset, empty or
// "0" is off, "1" is on, anything else an error naming the variable.
// CUDA-free so that every build tests it.
#pragma once

#include <cstdlib>
#include <string>

#include "sgc/error.h"

namespace sgc {

// `name`'s switch for the value `value` (null: unset).
inline bool parse_switch(const char* name, const char* value) {
  if (!value || !*value || std::string(value) == "0") return false;
  if (std::string(value) == "1") return true;
  throw ArgumentError(std::string(name) + ": expected 0 or 1, got '" + value + "'");
}

inline bool env_switch(const char* name) { return parse_switch(name, std::getenv(name)); }

}  // namespace sgc
