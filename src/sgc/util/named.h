// Lookup by name in a registry table (operators, optimizers, models): the
// one place that turns a name from the command line or Python into an entry.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sgc/error.h"

namespace sgc {

// "a, b, c": the names of a table's entries, for help and messages.
template <class Def>
std::string name_list(const std::vector<const Def*>& table) {
  std::string list;
  for (const Def* d : table) list += (list.empty() ? "" : ", ") + std::string(d->name);
  return list;
}

// The entry called `name`; ArgumentError "<flag>: unknown <kind> 'x' (known: ...)" otherwise.
template <class Def>
const Def& find_named(const std::vector<const Def*>& table, std::string_view name, const char* flag,
                      const char* kind) {
  for (const Def* d : table)
    if (d->name == name) return *d;
  throw ArgumentError(std::string(flag) + ": unknown " + kind + " '" + std::string(name) + "' (known: " +
                      name_list(table) + ")");
}

}  // namespace sgc
