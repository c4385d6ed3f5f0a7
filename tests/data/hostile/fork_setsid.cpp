// Hostile test candidate: forks a child that calls setsid(), names itself aiopt-escapee and sleeps.
#include <cstdint>
#include <cstring>
#include <sys/prctl.h>
#include <unistd.h>
#include <cstdio>
#include <cstdlib>

#include "aiopt.h"

extern "C" void* aiopt_init(const unsigned char* params, size_t params_len) {
  (void)params;
  (void)params_len;
  return nullptr;
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  static bool forked = false;
  if (!forked) {
    forked = true;
    pid_t child = fork();
    if (child == 0) {
      setsid();
      prctl(PR_SET_NAME, "aiopt-escapee");  // the tests look for this name in /proc
      for (;;) sleep(1);
    }
  }

  (void)state;
  uint64_t sum = 0;
  for (int round = 0; round < 200; ++round) {
    for (size_t i = 0; i < input_len; ++i) sum = sum * 1099511628211ULL + input[i] + round;
  }
  if (out_cap >= 8) std::memcpy(out, &sum, 8);
  return 8;
}

extern "C" void aiopt_fini(void* state) { (void)state; }
