// Shared by every escape probe: the tiny task's honest checksum, so a probe that is
// contained (its attempt failed quietly) still passes the check. Each probe defines
// attempt(PROBE_ARG), called from aiopt_init; the test prepends #define PROBE_ARG "...".
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "aiopt.h"

static void attempt(const char* arg);

// What a probe found goes to stderr, which the harness shows in failure messages; a
// test then looks for it there. Ends the process so the tail is reported.
[[maybe_unused]] static void leak(const char* what, const char* text) {
  std::fprintf(stderr, "LEAK %s: %.200s\n", what, text);
  std::fflush(stderr);
  std::abort();
}

extern "C" void* aiopt_init(const unsigned char*, size_t) {
  attempt(PROBE_ARG);
  return nullptr;
}

extern "C" size_t aiopt_run(void*, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  uint64_t sum = 0;
  for (int round = 0; round < 200; ++round) {
    for (size_t i = 0; i < input_len; ++i) sum = sum * 1099511628211ULL + input[i] + round;
  }
  if (out_cap >= 8) std::memcpy(out, &sum, 8);
  return 8;
}

extern "C" void aiopt_fini(void*) {}
