// Hostile test candidate: writes to stdout without end in aiopt_run.
#include <cstdint>
#include <cstring>
#include <cstdio>

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
  (void)input_len;
  (void)out;
  (void)out_cap;
  for (;;) std::fputs("flooding the harness with output, line after line\n", stdout);
}

extern "C" void aiopt_fini(void* state) { (void)state; }
