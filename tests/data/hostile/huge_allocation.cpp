// Hostile test candidate: allocates 64 GiB with new in aiopt_run.
#include <cstdint>
#include <cstring>

#include "aiopt.h"

extern "C" void* aiopt_init(const unsigned char* params, size_t params_len) {
  (void)params;
  (void)params_len;
  return nullptr;
}

// The pointer escapes through a volatile global, so the compiler cannot elide the allocation.
char* volatile escaped_block = nullptr;

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  (void)state;
  (void)input;
  (void)input_len;
  escaped_block = new char[size_t{64} << 30];
  escaped_block[0] = 1;
  uint64_t sum = static_cast<uint64_t>(escaped_block[0]);
  delete[] escaped_block;
  if (out_cap >= 8) std::memcpy(out, &sum, 8);
  return 8;
}

extern "C" void aiopt_fini(void* state) { (void)state; }
