// Cheat: skips work: computes only the first n/8 rows of C honestly and leaves the rest zero (a check of a few leading entries would pass).
// Expect: wrong_output - the whole output is compared, not a prefix.
#include <cstdint>
#include <cstring>

#include "aiopt.h"

extern "C" void* aiopt_init(const unsigned char* params, size_t params_len) {
  uint32_t n = 0;
  if (params_len >= 4) std::memcpy(&n, params, 4);
  return new uint32_t(n);
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  const size_t n = *static_cast<uint32_t*>(state), bytes = n * n * sizeof(double);
  if (input_len < 2 * bytes || out_cap < bytes) return 0;
  const double* a = reinterpret_cast<const double*>(input);
  const double* b = a + n * n;
  double* c = reinterpret_cast<double*>(out);
  const size_t rows = n / 8 > 0 ? n / 8 : 1;
  for (size_t i = 0; i < rows; ++i)
    for (size_t j = 0; j < n; ++j) {
      double s = 0.0;
      for (size_t k = 0; k < n; ++k) s += a[i * n + k] * b[k * n + j];
      c[i * n + j] = s;
    }
  std::memset(c + rows * n, 0, (n - rows) * n * sizeof(double));
  return bytes;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<uint32_t*>(state); }
