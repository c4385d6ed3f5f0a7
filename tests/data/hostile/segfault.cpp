// Hostile test candidate: dereferences a null pointer in aiopt_run.
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
  (void)input;
  (void)out;
  (void)out_cap;
  volatile int* nowhere = nullptr;
  *nowhere = static_cast<int>(input_len);
  return 0;
}

extern "C" void aiopt_fini(void* state) { (void)state; }
