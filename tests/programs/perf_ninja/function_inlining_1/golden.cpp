// perf-ninja lab core_bound/function_inlining_1 (github.com/dendibakh/perf-ninja,
// CC BY 4.0, see ../NOTICE). The lab's solution.cpp is verbatim in the EVOLVE block; its
// solution.h is above it. THIS IS THE EXPERT'S GOLDEN (branch golden). params: none. Input: K arrays of N (key1, key2) uint32 pairs.
// Output: the K arrays, each sorted by solution().
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

#include "aiopt.h"

// ---- solution.h ----
// Assume this constant never changes
constexpr size_t N = 10000;

struct S {
  uint32_t key1;
  uint32_t key2;
};

// EVOLVE-BLOCK-START
#include <algorithm>
#include <stdlib.h>

static int compare(const void *lhs, const void *rhs) {
  auto &a = *reinterpret_cast<const S *>(lhs);
  auto &b = *reinterpret_cast<const S *>(rhs);

  if (a.key1 < b.key1)
    return -1;

  if (a.key1 > b.key1)
    return 1;

  if (a.key2 < b.key2)
    return -1;

  if (a.key2 > b.key2)
    return 1;

  return 0;
}

void solution(std::array<S, N> &arr) {
  //qsort(arr.data(), arr.size(), sizeof(S), compare);
  std::sort(arr.begin(), arr.end(), [](S& a, S& b){
    return a.key1 < b.key1 || (a.key1 == b.key1) && (a.key2 < b.key2);
  });
}
// EVOLVE-BLOCK-END

extern "C" void* aiopt_init(const unsigned char*, size_t) {
  return new (std::nothrow) std::array<S, N>;
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  auto* copy = static_cast<std::array<S, N>*>(state);
  constexpr size_t bytes = N * sizeof(S);
  if (copy == nullptr || input_len == 0 || input_len % bytes != 0) return 0;
  if (input_len > out_cap) return out_cap + 1;
  for (size_t a = 0; a < input_len / bytes; ++a) {
    std::memcpy(copy->data(), input + a * bytes, bytes);  // the lab's bench: a copy, sorted
    solution(*copy);
    std::memcpy(out + a * bytes, copy->data(), bytes);
  }
  return input_len;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<std::array<S, N>*>(state); }
