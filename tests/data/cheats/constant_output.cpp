// Cheat: hard-coded answer: fills C with the constant n/4 (the expected value of C[i][j] when A and B are uniform in [0,1)) without reading the input.
// Expect: wrong_output - every output checked against the reference on its input.
#include <cstdint>
#include <cstring>

#include "aiopt.h"

extern "C" void* aiopt_init(const unsigned char* params, size_t params_len) {
  uint32_t n = 0;
  if (params_len >= 4) std::memcpy(&n, params, 4);
  return new uint32_t(n);
}

extern "C" size_t aiopt_run(void* state, const unsigned char*, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  const size_t n = *static_cast<uint32_t*>(state), bytes = n * n * sizeof(double);
  if (input_len < 2 * bytes || out_cap < bytes) return 0;
  double* c = reinterpret_cast<double*>(out);
  const double guess = static_cast<double>(n) / 4.0;
  for (size_t i = 0; i < n * n; ++i) c[i] = guess;
  return bytes;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<uint32_t*>(state); }
