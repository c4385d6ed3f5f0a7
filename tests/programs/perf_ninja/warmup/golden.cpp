// perf-ninja lab misc/warmup (github.com/dendibakh/perf-ninja, CC BY 4.0, see ../NOTICE).
// THE EXPERT'S GOLDEN (branch golden). The lab's solution.cpp is verbatim in the EVOLVE block. params: uint32 nmax; aiopt_init
// fills arr[i] = i + 1 for i < nmax, as the lab's bench.cpp does. Input: uint32 lengths N,
// each at most nmax. Output: one int32 solution(arr, N) per length.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <vector>

#include "aiopt.h"

// EVOLVE-BLOCK-START
int solution(int *arr, int N) {
  return (N * (N + 1)) / 2;
}
// EVOLVE-BLOCK-END

extern "C" void* aiopt_init(const unsigned char* params, size_t params_len) {
  uint32_t nmax = 0;
  if (params_len != sizeof nmax) return nullptr;
  std::memcpy(&nmax, params, sizeof nmax);
  if (nmax == 0 || nmax > 46340) return nullptr;  // the sums stay below 2^31
  auto* arr = new (std::nothrow) std::vector<int>(nmax);
  if (arr == nullptr) return nullptr;
  for (uint32_t i = 0; i < nmax; i++) (*arr)[i] = static_cast<int>(i + 1);
  return arr;
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  auto* arr = static_cast<std::vector<int>*>(state);
  if (arr == nullptr || input_len == 0 || input_len % 4 != 0) return 0;
  if (input_len > out_cap) return out_cap + 1;
  for (size_t q = 0; q < input_len / 4; ++q) {
    uint32_t n = 0;
    std::memcpy(&n, input + 4 * q, 4);
    if (n > arr->size()) return 0;
    const int32_t result = solution(arr->data(), static_cast<int>(n));
    std::memcpy(out + 4 * q, &result, 4);
  }
  return input_len;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<std::vector<int>*>(state); }
