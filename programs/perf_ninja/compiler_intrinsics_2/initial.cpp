// perf-ninja lab core_bound/compiler_intrinsics_2 (github.com/dendibakh/perf-ninja,
// CC BY 4.0, see ../NOTICE). The lab's solution.cpp is verbatim in the EVOLVE block;
// its solution.hpp is above it. params: none. Input: TEXTS texts of TEXT_BYTES bytes
// each. Output: one uint32 per text, the length of its longest line.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

#include "aiopt.h"

// ---- solution.hpp ----
#include <string>

// EVOLVE-BLOCK-START
#include <iostream>

// Find the longest line in a file.
// Implementation uses ternary operator with a hope that compiler will
// turn it into a CMOV instruction.
// The code inside the inner loop is equivalent to:
/*
if (s == '\n') {
  longestLine = std::max(curLineLength, longestLine);
  curLineLength = 0;
} else {
  curLineLength++;
}*/
unsigned solution(const std::string &inputContents) {
  unsigned longestLine = 0;
  unsigned curLineLength = 0;

  for (auto s : inputContents) {
    curLineLength = (s == '\n') ? 0 : curLineLength + 1;
    longestLine = std::max(curLineLength, longestLine);
  }

  return longestLine;
}
// EVOLVE-BLOCK-END

namespace {
constexpr size_t kTextBytes = 448 * 1024;  // bytes per text (the lab's LoopVectorize.cpp: 459,119)
}  // namespace

extern "C" void* aiopt_init(const unsigned char*, size_t) {
  auto* text = new (std::nothrow) std::string();
  if (text != nullptr) text->reserve(kTextBytes);
  return text;
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  auto* text = static_cast<std::string*>(state);
  if (text == nullptr || input_len == 0 || input_len % kTextBytes != 0) return 0;
  const size_t texts = input_len / kTextBytes;
  if (texts * sizeof(uint32_t) > out_cap) return out_cap + 1;
  for (size_t t = 0; t < texts; ++t) {
    text->assign(reinterpret_cast<const char*>(input) + t * kTextBytes, kTextBytes);
    const uint32_t longest = solution(*text);
    std::memcpy(out + t * sizeof longest, &longest, sizeof longest);
  }
  return texts * sizeof(uint32_t);
}

extern "C" void aiopt_fini(void* state) { delete static_cast<std::string*>(state); }
