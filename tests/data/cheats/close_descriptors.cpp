// Cheat: honest (naive) for 3 calls, then closes every file descriptor from 3 to 1023 inside aiopt_run, hoping the measurement ends with a harness error (retried, never charged) instead of a verdict.
// Expect: protocol_error - the worker's pipes and counters are its own; a candidate that closes them is the failure, and the verdict says so.
#include <cstdint>
#include <cstring>

#include <unistd.h>

#include "aiopt.h"

namespace {
struct State {
  size_t n = 0;
  uint64_t calls = 0;
};

void naive(const double* a, const double* b, double* c, size_t n) {
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) {
      double s = 0.0;
      for (size_t k = 0; k < n; ++k) s += a[i * n + k] * b[k * n + j];
      c[i * n + j] = s;
    }
}
}  // namespace

extern "C" void* aiopt_init(const unsigned char* params, size_t params_len) {
  auto* st = new State;
  uint32_t n = 0;
  if (params_len >= 4) std::memcpy(&n, params, 4);
  st->n = n;
  return st;
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  auto* st = static_cast<State*>(state);
  const size_t n = st->n, bytes = n * n * sizeof(double);
  if (input_len < 2 * bytes || out_cap < bytes) return 0;
  const double* a = reinterpret_cast<const double*>(input);
  naive(a, a + n * n, reinterpret_cast<double*>(out), n);
  if (++st->calls > 3) {
    for (int fd = 3; fd < 1024; ++fd) close(fd);
  }
  return bytes;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<State*>(state); }
