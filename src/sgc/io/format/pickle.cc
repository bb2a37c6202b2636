// The pickle virtual machine: decodes the opcode stream into Values (see
// pickle.h for the value model, pickle_objects.cc for the classes). Opcode
// reference: CPython Lib/pickletools.py and Modules/_pickle.c. Opcodes
// dispatch through a 256-entry table of member functions; adding an opcode
// (protocols 3-5 included) is one handler plus one table line. Reading is from
// one in-memory buffer with explicit bounds checks: every length read from the
// input is checked against the bytes that remain before anything is
// allocated, and the machine is iterative (no recursion on nesting depth).
#include <algorithm>
#include <array>
#include <bit>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "sgc/error.h"
#include "sgc/io/format/pickle_internal.h"
#include "sgc/util/budget.h"

namespace sgc::pickle {
namespace {

static_assert(std::endian::native == std::endian::little, "sgc assumes a little-endian host");

class Unpickler {
 public:
  Unpickler(Document::Arena& arena, const std::string& source)
      : arena_(arena), source_(source),
        begin_(reinterpret_cast<const uint8_t*>(arena.input.data())),
        pos_(begin_), end_(begin_ + arena.input.size()),
        cap_(kMemoryPerInputByte * arena.input.size() + kMemoryAllowance) {}

  // The decoded objects may take at most this much memory per input byte
  // (plus a fixed allowance), and never more than the memory budget.
  static constexpr uint64_t kMemoryPerInputByte = 48;
  static constexpr uint64_t kMemoryAllowance = uint64_t{16} << 20;

  Value run();

 private:
  using Handler = void (Unpickler::*)();
  struct Op {
    const char* name = nullptr;
    Handler fn = nullptr;
  };
  static const std::array<Op, 256>& table();

  [[noreturn]] void fail(const std::string& msg) const {
    throw FormatError(source_ + ": " + msg + " at offset " + std::to_string(op_offset_) + " (" +
                      op_name_ + ")");
  }
  const uint8_t* need(uint64_t n) {
    uint64_t left = static_cast<uint64_t>(end_ - pos_);
    if (n > left) {
      throw FormatError(source_ + ": truncated pickle at offset " +
                        std::to_string(pos_ - begin_) + " (" + op_name_ + " needs " +
                        std::to_string(n) + " bytes, " + std::to_string(left) + " left)");
    }
    const uint8_t* p = pos_;
    pos_ += n;
    return p;
  }
  template <class T>
  T read_le() {
    T v;
    std::memcpy(&v, need(sizeof(T)), sizeof(T));
    return v;
  }
  std::string_view read_line() {
    const uint8_t* nl = static_cast<const uint8_t*>(
        std::memchr(pos_, '\n', std::min<size_t>(end_ - pos_, 256)));
    if (!nl && end_ - pos_ < 256) {
      throw FormatError(source_ + ": truncated pickle at offset " + std::to_string(end_ - begin_) +
                        " (" + op_name_ + " name has no newline)");
    }
    if (!nl) fail("name too long");
    std::string_view s(reinterpret_cast<const char*>(pos_), nl - pos_);
    pos_ = nl + 1;
    return s;
  }

  // Counts `bytes` of decoded objects against the caps (see kMemoryPerInputByte).
  void charge(uint64_t bytes) {
    charged_ += bytes;
    if (charged_ > cap_) {
      fail("decoded objects need more than " + std::to_string(cap_) + " bytes for a " +
           std::to_string(end_ - begin_) + "-byte pickle (the limit is " + std::to_string(kMemoryPerInputByte) +
           " bytes per input byte + 16 MiB: not a data file, or a pickle bomb)");
    }
    if (charged_ > next_budget_check_) {
      require_memory(static_cast<int64_t>(charged_), source_ + ": decoded pickle objects");
      next_budget_check_ = charged_ + (uint64_t{64} << 20);
    }
  }
  void charge_stack() {
    if (stack_.size() > stack_high_) {
      charge((stack_.size() - stack_high_) * sizeof(Value));
      stack_high_ = stack_.size();
    }
  }
  Node* new_node(Kind k) {
    charge(sizeof(Node) + 16);
    return arena_.make(k);
  }
  static Value node_value(Node* n) { return internal::value_of(n); }
  // Runs an object builder, turning its BuildError into a FormatError here.
  template <class F>
  auto guarded(F f) -> decltype(f()) {
    try {
      return f();
    } catch (const internal::BuildError& e) {
      fail(e.message);
    }
  }
  void push(Value v) {
    stack_.push_back(v);
    charge_stack();
  }
  void push_int(int64_t i, Kind k = Kind::Int) {
    Value v;
    v.kind = k;
    v.i = i;
    push(v);
  }
  void push_string(Kind k, uint64_t len) {
    const char* p = reinterpret_cast<const char*>(need(len));  // bounds check before allocating
    Node* n = new_node(k);
    n->text = std::string_view(p, len);
    push(node_value(n));
  }
  void require(size_t n) {
    if (stack_.size() < floor() + n) {
      fail("stack underflow: needs " + std::to_string(n) + " item(s), " +
           std::to_string(stack_.size() - floor()) + " available");
    }
  }
  Value pop() {
    require(1);
    Value v = stack_.back();
    stack_.pop_back();
    return v;
  }
  Value& top() {
    require(1);
    return stack_.back();
  }
  size_t pop_mark() {
    if (marks_.empty()) fail("MARK missing");
    size_t m = marks_.back();
    marks_.pop_back();
    return m;
  }
  Node* expect(const Value& v, Kind k, const char* what) {
    if (v.kind != k) fail(std::string(what) + " must be a " + kind_name(k) + ", got " + kind_name(v.kind));
    return v.node;
  }

  // --- handlers ---
  void op_proto() {
    uint8_t v = *need(1);
    if (v > 5) fail("unsupported pickle protocol " + std::to_string(v));
  }
  void op_frame() {  // frame length; data is read as usual, but the frame must lie inside the input
    const uint64_t n = read_le<uint64_t>();
    const uint64_t left = static_cast<uint64_t>(end_ - pos_);
    if (n > left) fail("frame of " + std::to_string(n) + " bytes but only " + std::to_string(left) + " bytes follow");
  }
  void op_stop() { stopped_ = true; }
  void op_mark() {
    marks_.push_back(stack_.size());
    if (marks_.size() > marks_high_) charge(sizeof(size_t)), marks_high_ = marks_.size();
  }
  void op_pop() { (void)pop(); }
  void op_pop_mark() { stack_.resize(pop_mark()); }
  void op_dup() { push(top()); }
  void op_none() { push(Value()); }
  void op_true() { push_int(1, Kind::Bool); }
  void op_false() { push_int(0, Kind::Bool); }
  void op_binint() { push_int(read_le<int32_t>()); }
  void op_binint1() { push_int(read_le<uint8_t>()); }
  void op_binint2() { push_int(read_le<uint16_t>()); }
  void push_long(uint64_t n) {
    if (n > 8) fail("integer of " + std::to_string(n) + " bytes does not fit in 64 bits");
    const uint8_t* p = need(n);
    uint64_t u = 0;
    for (uint64_t k = 0; k < n; ++k) u |= static_cast<uint64_t>(p[k]) << (8 * k);
    if (n > 0 && n < 8 && (p[n - 1] & 0x80)) u |= ~uint64_t{0} << (8 * n);  // sign-extend
    push_int(static_cast<int64_t>(u));
  }
  void op_long1() { push_long(read_le<uint8_t>()); }
  void op_long4() {
    int32_t n = read_le<int32_t>();
    if (n < 0) fail("negative LONG4 length");
    push_long(static_cast<uint64_t>(n));
  }
  void op_binfloat() {
    uint64_t bits = __builtin_bswap64(read_le<uint64_t>());  // big-endian on the wire
    Value v;
    v.kind = Kind::Float;
    std::memcpy(&v.f, &bits, 8);
    push(v);
  }
  void op_short_binstring() { push_string(Kind::Bytes, read_le<uint8_t>()); }
  void op_binstring() {
    int32_t n = read_le<int32_t>();
    if (n < 0) fail("negative BINSTRING length");
    push_string(Kind::Bytes, static_cast<uint64_t>(n));
  }
  void op_binunicode() { push_string(Kind::Str, read_le<uint32_t>()); }
  void op_binunicode8() { push_string(Kind::Str, read_le<uint64_t>()); }
  void op_short_binunicode() { push_string(Kind::Str, read_le<uint8_t>()); }
  void op_binbytes() { push_string(Kind::Bytes, read_le<uint32_t>()); }
  void op_short_binbytes() { push_string(Kind::Bytes, read_le<uint8_t>()); }
  void op_binbytes8() { push_string(Kind::Bytes, read_le<uint64_t>()); }

  void make_tuple(size_t from) {
    Node* n = new_node(Kind::Tuple);
    charge((stack_.size() - from) * sizeof(Value));
    n->items.assign(stack_.begin() + from, stack_.end());
    stack_.resize(from);
    push(node_value(n));
  }
  void op_empty_tuple() { make_tuple(stack_.size()); }
  void op_tuple1() { require(1); make_tuple(stack_.size() - 1); }
  void op_tuple2() { require(2); make_tuple(stack_.size() - 2); }
  void op_tuple3() { require(3); make_tuple(stack_.size() - 3); }
  void op_tuple() { make_tuple(pop_mark()); }
  void op_empty_list() { push(node_value(new_node(Kind::List))); }
  void op_empty_dict() { push(node_value(new_node(Kind::Dict))); }
  size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  void append_from(size_t from) {
    if (from <= floor()) fail("stack underflow: no list below the items");
    Node* list = expect(stack_[from - 1], Kind::List, "APPEND target");
    charge((stack_.size() - from) * sizeof(Value));
    list->items.insert(list->items.end(), stack_.begin() + from, stack_.end());
    stack_.resize(from);
  }
  void op_append() { require(2); append_from(stack_.size() - 1); }
  void op_appends() { append_from(pop_mark()); }
  void setitems_from(size_t from) {
    if (from <= floor()) fail("stack underflow: no dict below the items");
    if ((stack_.size() - from) % 2) fail("odd number of items for SETITEMS");
    Node* dict = expect(stack_[from - 1], Kind::Dict, "SETITEM target");
    charge((stack_.size() - from) / 2 * sizeof(std::pair<Value, Value>));
    for (size_t k = from; k < stack_.size(); k += 2) dict->entries.emplace_back(stack_[k], stack_[k + 1]);
    stack_.resize(from);
  }
  void op_setitem() { require(3); setitems_from(stack_.size() - 2); }
  void op_setitems() { setitems_from(pop_mark()); }

  void memo_put(uint64_t idx) {
    Value v = top();
    if (idx > static_cast<uint64_t>(end_ - begin_) + 256) fail("memo index " + std::to_string(idx) + " too large");
    if (idx >= memo_.size()) {
      charge((idx + 1 - memo_.size()) * (sizeof(Value) + 1));
      memo_.resize(idx + 1);
      memo_set_.resize(idx + 1, 0);
    }
    if (!memo_set_[idx]) ++memo_count_;
    memo_[idx] = v;
    memo_set_[idx] = 1;
  }
  void memo_get(uint64_t idx) {
    if (idx >= memo_.size() || !memo_set_[idx]) fail("bad memo index " + std::to_string(idx));
    push(memo_[idx]);
  }
  void op_binput() { memo_put(read_le<uint8_t>()); }
  void op_long_binput() { memo_put(read_le<uint32_t>()); }
  void op_memoize() { memo_put(memo_count_); }
  void op_binget() { memo_get(read_le<uint8_t>()); }
  void op_long_binget() { memo_get(read_le<uint32_t>()); }

  void push_class(std::string_view module, std::string_view name) {
    Node* n = new_node(Kind::Class);
    n->cls = guarded([&] { return internal::lookup_class(module, name); });
    push(node_value(n));
  }
  void op_global() {
    std::string_view module = read_line();
    push_class(module, read_line());
  }
  void op_stack_global() {
    Value name = pop(), module = pop();
    if (!name.is_string() || !module.is_string()) fail("STACK_GLOBAL needs two strings");
    push_class(module.text(), name.text());
  }

  void op_reduce() {
    Value args = pop(), callable = pop();
    push(guarded([&] { return internal::reduce(arena_, callable, args); }));
  }
  void op_newobj() {
    Value args = pop(), cls = pop();
    push(guarded([&] { return internal::new_object(arena_, cls, args); }));
  }
  void op_newobj_ex() {
    Value kwargs = pop(), args = pop(), cls = pop();
    if (!kwargs.is(Kind::Dict) || !kwargs.node->entries.empty()) fail("keyword arguments are not supported");
    push(guarded([&] { return internal::new_object(arena_, cls, args); }));
  }
  void op_build() {
    Value state = pop();
    const Value& target = top();
    guarded([&] { internal::build(target, state); });
  }

  Document::Arena& arena_;
  const std::string& source_;
  const uint8_t* begin_;
  const uint8_t* pos_;
  const uint8_t* end_;
  size_t op_offset_ = 0;
  const char* op_name_ = "";
  bool stopped_ = false;
  std::vector<Value> stack_;
  std::vector<size_t> marks_;
  std::vector<Value> memo_;
  std::vector<uint8_t> memo_set_;
  uint64_t memo_count_ = 0;
  uint64_t cap_;
  uint64_t charged_ = 0;
  uint64_t next_budget_check_ = uint64_t{64} << 20;
  size_t stack_high_ = 0, marks_high_ = 0;
};

const std::array<Unpickler::Op, 256>& Unpickler::table() {
  static const std::array<Op, 256> t = [] {
    std::array<Op, 256> a{};
    auto set = [&a](uint8_t code, const char* name, Handler fn) { a[code] = Op{name, fn}; };
    // Protocol 0/1 opcodes that are valid pickle but not accepted here are
    // named, so the error says which one it was.
    for (auto [code, name] : {std::pair<uint8_t, const char*>{'I', "INT"}, {'L', "LONG"}, {'F', "FLOAT"},
                              {'S', "STRING"}, {'V', "UNICODE"}, {'p', "PUT"}, {'g', "GET"},
                              {'d', "DICT"}, {'l', "LIST"}, {'i', "INST"}, {'o', "OBJ"},
                              {'P', "PERSID"}, {'Q', "BINPERSID"}, {0x82, "EXT1"}, {0x83, "EXT2"},
                              {0x84, "EXT4"}, {0x8f, "EMPTY_SET"}, {0x90, "ADDITEMS"},
                              {0x91, "FROZENSET"}, {0x97, "NEXT_BUFFER"}, {0x98, "READONLY_BUFFER"}}) {
      set(code, name, nullptr);
    }
    set(0x80, "PROTO", &Unpickler::op_proto);
    set(0x95, "FRAME", &Unpickler::op_frame);
    set('.', "STOP", &Unpickler::op_stop);
    set('(', "MARK", &Unpickler::op_mark);
    set('0', "POP", &Unpickler::op_pop);
    set('1', "POP_MARK", &Unpickler::op_pop_mark);
    set('2', "DUP", &Unpickler::op_dup);
    set('N', "NONE", &Unpickler::op_none);
    set(0x88, "NEWTRUE", &Unpickler::op_true);
    set(0x89, "NEWFALSE", &Unpickler::op_false);
    set('J', "BININT", &Unpickler::op_binint);
    set('K', "BININT1", &Unpickler::op_binint1);
    set('M', "BININT2", &Unpickler::op_binint2);
    set(0x8a, "LONG1", &Unpickler::op_long1);
    set(0x8b, "LONG4", &Unpickler::op_long4);
    set('G', "BINFLOAT", &Unpickler::op_binfloat);
    set('U', "SHORT_BINSTRING", &Unpickler::op_short_binstring);
    set('T', "BINSTRING", &Unpickler::op_binstring);
    set('X', "BINUNICODE", &Unpickler::op_binunicode);
    set(0x8d, "BINUNICODE8", &Unpickler::op_binunicode8);
    set(0x8c, "SHORT_BINUNICODE", &Unpickler::op_short_binunicode);
    set('B', "BINBYTES", &Unpickler::op_binbytes);
    set('C', "SHORT_BINBYTES", &Unpickler::op_short_binbytes);
    set(0x8e, "BINBYTES8", &Unpickler::op_binbytes8);
    set(0x96, "BYTEARRAY8", &Unpickler::op_binbytes8);  // decoded as bytes
    set(')', "EMPTY_TUPLE", &Unpickler::op_empty_tuple);
    set(0x85, "TUPLE1", &Unpickler::op_tuple1);
    set(0x86, "TUPLE2", &Unpickler::op_tuple2);
    set(0x87, "TUPLE3", &Unpickler::op_tuple3);
    set('t', "TUPLE", &Unpickler::op_tuple);
    set(']', "EMPTY_LIST", &Unpickler::op_empty_list);
    set('a', "APPEND", &Unpickler::op_append);
    set('e', "APPENDS", &Unpickler::op_appends);
    set('}', "EMPTY_DICT", &Unpickler::op_empty_dict);
    set('s', "SETITEM", &Unpickler::op_setitem);
    set('u', "SETITEMS", &Unpickler::op_setitems);
    set('q', "BINPUT", &Unpickler::op_binput);
    set('r', "LONG_BINPUT", &Unpickler::op_long_binput);
    set(0x94, "MEMOIZE", &Unpickler::op_memoize);
    set('h', "BINGET", &Unpickler::op_binget);
    set('j', "LONG_BINGET", &Unpickler::op_long_binget);
    set('c', "GLOBAL", &Unpickler::op_global);
    set(0x93, "STACK_GLOBAL", &Unpickler::op_stack_global);
    set('R', "REDUCE", &Unpickler::op_reduce);
    set(0x81, "NEWOBJ", &Unpickler::op_newobj);
    set(0x92, "NEWOBJ_EX", &Unpickler::op_newobj_ex);
    set('b', "BUILD", &Unpickler::op_build);
    return a;
  }();
  return t;
}

Value Unpickler::run() {
  const auto& ops = table();
  while (!stopped_) {
    op_offset_ = static_cast<size_t>(pos_ - begin_);
    op_name_ = "opcode";
    if (pos_ == end_) {
      throw FormatError(source_ + ": truncated pickle at offset " + std::to_string(op_offset_) +
                        " (no STOP opcode)");
    }
    uint8_t code = *pos_++;
    const Op& op = ops[code];
    if (!op.fn) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "0x%02x", code);
      std::string what = op.name ? "unsupported opcode " + std::string(op.name) + " (" + buf + ")"
                                 : "unknown opcode " + std::string(buf);
      if (code == 0x97)  // NEXT_BUFFER
        what += ": an out-of-band buffer (pickled with buffer_callback), whose bytes are not in the file";
      throw FormatError(source_ + ": " + what + " at offset " + std::to_string(op_offset_));
    }
    op_name_ = op.name;
    (this->*op.fn)();
  }
  if (stack_.size() != 1 || !marks_.empty()) {
    fail("pickle ends with " + std::to_string(stack_.size()) + " stack item(s) and " +
         std::to_string(marks_.size()) + " open MARK(s), expected one value");
  }
  if (pos_ != end_) {
    throw FormatError(source_ + ": " + std::to_string(end_ - pos_) +
                      " trailing byte(s) after STOP at offset " + std::to_string(op_offset_));
  }
  return stack_.back();
}

}  // namespace

Value internal::run(Document::Arena& arena, const std::string& source) { return Unpickler(arena, source).run(); }

}  // namespace sgc::pickle
