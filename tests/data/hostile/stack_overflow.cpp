// Hostile test candidate: recurses without bound in aiopt_run.
#include <cstdint>
#include <cstring>

#include "aiopt.h"

extern "C" void* aiopt_init(const unsigned char* params, size_t params_len) {
  (void)params;
  (void)params_len;
  return nullptr;
}

static uint64_t recurse(uint64_t depth) {
  volatile char pad[256];
  pad[0] = static_cast<char>(depth);
  return recurse(depth + 1) + pad[0];
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  (void)state;
  (void)input;
  (void)input_len;
  uint64_t sum = recurse(1);
  if (out_cap >= 8) std::memcpy(out, &sum, 8);
  return 8;
}

extern "C" void aiopt_fini(void* state) { (void)state; }
