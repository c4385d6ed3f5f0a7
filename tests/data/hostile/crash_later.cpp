// Hostile test candidate: behaves for 20 calls, then dereferences a null pointer (crashes while timed).
#include <cstdint>
#include <cstring>

#include "aiopt.h"

extern "C" void* aiopt_init(const unsigned char* params, size_t params_len) {
  (void)params;
  (void)params_len;
  return nullptr;
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  (void)state;
  uint64_t sum = 0;
  for (int round = 0; round < 200; ++round) {
    for (size_t i = 0; i < input_len; ++i) sum = sum * 1099511628211ULL + input[i] + round;
  }
  static int calls = 0;
  if (++calls > 20) {
    volatile int* nowhere = nullptr;
    *nowhere = 1;
  }
  if (out_cap >= 8) std::memcpy(out, &sum, 8);
  return 8;
}

extern "C" void aiopt_fini(void* state) { (void)state; }
