// The default build runs on any x86-64: outside the dispatched kernel
// variants (src/sgc/ops/kernels/kernels_avx2.cc, kernels_avx512.cc), the
// library's objects hold no instruction beyond baseline x86-64 (SSE2). Inline
// code instantiated in both a -mavx512f object and a baseline one is merged
// by the linker, which is how AVX-512 code could leak onto the baseline path;
// this reads the disassembly of every object in the library to be sure.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <string>

namespace {

#ifndef SGC_CORE_LIBRARY
#define SGC_CORE_LIBRARY ""
#endif
#ifndef SGC_NATIVE_BUILD
#define SGC_NATIVE_BUILD 0
#endif

bool is_dispatched(const std::string& object) {
  return object.find("kernels_avx2.cc.o") != std::string::npos ||
         object.find("kernels_avx512.cc.o") != std::string::npos;
}

// Mnemonics beyond SSE2: every VEX/EVEX one starts with 'v' (AVX, AVX2,
// FMA, F16C, AVX-512); the rest are SSE3/SSSE3/SSE4, POPCNT/LZCNT, BMI1/2, MOVBE.
bool beyond_baseline(const std::string& m) {
  static const std::set<std::string> named = {
      "popcnt", "lzcnt", "tzcnt", "andn", "bextr", "blsi", "blsmsk", "blsr", "bzhi", "mulx", "pdep", "pext",
      "rorx", "sarx", "shlx", "shrx", "movbe", "crc32", "pshufb", "palignr", "phaddw", "phaddd", "pmaddubsw",
      "pmulhrsw", "psignb", "psignw", "psignd", "pabsb", "pabsw", "pabsd", "pblendvb", "pblendw", "blendps",
      "blendpd", "blendvps", "blendvpd", "dpps", "dppd", "insertps", "extractps", "pextrb", "pextrd", "pextrq",
      "pinsrb", "pinsrd", "pinsrq", "pmaxsb", "pmaxsd", "pmaxud", "pmaxuw", "pminsb", "pminsd", "pminud",
      "pminuw", "pmuldq", "pmulld", "ptest", "roundps", "roundpd", "roundss", "roundsd", "packusdw", "pcmpeqq",
      "pcmpgtq", "pcmpestri", "pcmpistri", "movntdqa", "haddps", "haddpd", "hsubps", "hsubpd", "addsubps",
      "addsubpd", "movddup", "movshdup", "movsldup", "lddqu", "pmovsxbw", "pmovsxwd", "pmovsxdq", "pmovzxbw",
      "pmovzxwd", "pmovzxdq", "pmovzxbd", "pmovsxbd"};
  if (m.size() > 1 && m[0] == 'v' && m != "verr" && m != "verw") return true;
  return named.count(m) > 0;
}

struct Scan {
  std::map<std::string, std::string> offending;  // object -> first such instruction
  std::map<std::string, int> wide;               // dispatched object -> ymm/zmm instructions
  int objects = 0;
};

Scan scan_library(const std::string& lib) {
  Scan s;
  FILE* p = popen(("objdump -d --no-show-raw-insn '" + lib + "' 2>/dev/null").c_str(), "r");
  if (!p) return s;
  std::string object;
  char buf[4096];
  while (fgets(buf, sizeof buf, p)) {
    std::string line(buf);
    const auto fmt = line.find(":     file format");
    if (fmt != std::string::npos) {
      object = line.substr(0, fmt);
      ++s.objects;
      continue;
    }
    const auto tab = line.find('\t');
    if (tab == std::string::npos || line.find(':') > tab) continue;  // not an instruction line
    std::istringstream in(line.substr(tab + 1));
    std::string mnemonic;
    in >> mnemonic;
    while (mnemonic == "rex" || mnemonic == "lock" || mnemonic == "notrack" || mnemonic == "bnd" ||
           mnemonic.rfind("rep", 0) == 0 || mnemonic == "data16" || mnemonic == "cs" || mnemonic == "ds")
      if (!(in >> mnemonic)) break;
    if (is_dispatched(object)) {
      if (line.find("%zmm") != std::string::npos || line.find("%ymm") != std::string::npos) ++s.wide[object];
      continue;
    }
    if (beyond_baseline(mnemonic) && !s.offending.count(object)) s.offending[object] = line;
  }
  pclose(p);
  return s;
}

TEST(PortableBuild, OnlyTheDispatchedKernelsUseInstructionsBeyondBaselineX86_64) {
  if (SGC_NATIVE_BUILD) GTEST_SKIP() << "built with SGC_NATIVE=ON (-march=native): not meant to be portable";
#if !defined(__x86_64__)
  GTEST_SKIP() << "not an x86-64 build";
#endif
  if (std::system("objdump --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "objdump (binutils) not installed";
  const Scan s = scan_library(SGC_CORE_LIBRARY);
  ASSERT_GT(s.objects, 50) << "could not disassemble " << SGC_CORE_LIBRARY;
  for (const auto& [object, line] : s.offending) ADD_FAILURE() << object << " has " << line;
  // The scan does see wide instructions where they are meant to be.
  bool avx2 = false, avx512 = false;
  for (const auto& [object, n] : s.wide) {
    if (object.find("kernels_avx2") != std::string::npos && n > 10) avx2 = true;
    if (object.find("kernels_avx512") != std::string::npos && n > 10) avx512 = true;
  }
  EXPECT_TRUE(avx2 && avx512) << "the dispatched kernel objects should hold AVX2 and AVX-512 code";
}

}  // namespace
