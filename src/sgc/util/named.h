// Lookup by name in a registry table (operators, optimizers, models): the
// one place that turns a name from the command line or Python into an entry.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sgc/error.h"
#include "sgc/util/printable.h"

namespace sgc {

// "a, b, c": the names of a table's entries, for help and messages.
template <class Def>
std::string name_list(const std::vector<const Def*>& table) {
  std::string list;
  for (const Def* d : table) list += (list.empty() ? "" : ", ") + std::string(d->name);
  return list;
}

// "a, b": the entries of a table that read parameter `param` (Def::reads),
// for help and for messages that refuse a parameter nobody chosen reads.
template <class Def>
std::string readers_of(const std::vector<const Def*>& table, std::string_view param) {
  std::string list;
  for (const Def* d : table)
    if (d->reads(param)) list += (list.empty() ? "" : ", ") + std::string(d->name);
  return list;
}

// The entry called `name`; ArgumentError "<flag>: unknown <kind> 'x' (known: ...)" otherwise.
template <class Def>
const Def& find_named(const std::vector<const Def*>& table, std::string_view name, const char* flag,
                      const char* kind) {
  for (const Def* d : table)
    if (d->name == name) return *d;
  const std::string problem =
      "unknown " + std::string(kind) + " '" + printable(name) + "' (known: " + name_list(table) + ")";
  const std::string f(flag);
  if (f.rfind("--", 0) == 0) {  // a parameter: a model file names its field instead of the flag
    std::string key = f.substr(2);
    for (char& c : key)
      if (c == '-') c = '_';
    throw ParameterError(key, problem);
  }
  throw ArgumentError(f + ": " + problem);
}

// Runs a parser whose ArgumentError names a flag ("--x: problem") and
// rethrows that as a ParameterError of `key` (so a model file can name its
// field instead of the flag).
template <class F>
auto as_parameter(const std::string& key, F&& parse) {
  try {
    return parse();
  } catch (const ParameterError&) {
    throw;
  } catch (const ArgumentError& e) {
    const std::string what = e.what(), prefix = ParameterError::flag_of(key) + ": ";
    throw ParameterError(key, what.rfind(prefix, 0) == 0 ? what.substr(prefix.size()) : what);
  }
}

}  // namespace sgc
