// Internal to the pickle reader (not a public header): shared by pickle.cc
// (the opcode machine), pickle_objects.cc (what REDUCE / NEWOBJ / BUILD make
// of the whitelisted classes) and pickle_file.cc (Document, file input).
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include "sgc/io/format/pickle.h"

namespace sgc::pickle {

struct Document::Arena {
  std::string owned;                // the input bytes, when they were copied
  std::shared_ptr<const void> shared;  // or bytes someone else owns (a zip member), kept alive
  void* map = nullptr;              // or a private read-only mapping of the file
  size_t map_len = 0;
  std::string_view input;           // whichever of the two holds the pickle
  std::deque<Node> nodes;           // every container / object (stable addresses)
  std::deque<std::string> strings;  // bytes made by _codecs.encode
  size_t owned_budget = 0;          // bytes _codecs.encode may still create
  ~Arena();
  Node* make(Kind k);
};

namespace internal {

// Thrown by the object builders; the opcode machine turns it into a
// FormatError carrying the source name, offset and opcode.
struct BuildError {
  std::string message;
};
[[noreturn]] void build_error(std::string message);

Value value_of(Node* n);
// Escapes a name read from the input for an error message.
std::string printable(std::string_view s);
// The whitelisted class GLOBAL module/name refers to; BuildError otherwise.
PyClass lookup_class(std::string_view module, std::string_view name);

// REDUCE: callable(*args). NEWOBJ: cls.__new__(cls, *args). BUILD:
// target.__setstate__(state), in place.
Value reduce(Document::Arena& arena, const Value& callable, const Value& args);
Value new_object(Document::Arena& arena, const Value& cls, const Value& args);
void build(const Value& target, const Value& state);

// Runs the opcode machine over arena.input; FormatErrors start with `source`.
Value run(Document::Arena& arena, const std::string& source);

}  // namespace internal
}  // namespace sgc::pickle
