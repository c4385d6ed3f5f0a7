// Honest: cache-blocked, register-tiled matmul: each 4x4 tile of C is accumulated in SIMD registers (GCC vector extension) over k, reading B rows contiguously and reusing every loaded A and B value 4 times; every call recomputes C from its input, in the same k order as the naive loop.
// Expect: ok - a real layout/blocking speedup (~2.4x over naive measured here) must score.
#include <cstdint>
#include <cstring>

#include "aiopt.h"

namespace {
typedef double v2 __attribute__((vector_size(16)));

double dot(const double* a, const double* b, size_t n, size_t i, size_t j) {
  double s = 0.0;
  for (size_t k = 0; k < n; ++k) s += a[i * n + k] * b[k * n + j];
  return s;
}

void matmul(const double* __restrict a, const double* __restrict b, double* __restrict c, size_t n) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const double* a0 = a + i * n;
    size_t j = 0;
    for (; j + 4 <= n; j += 4) {
      v2 acc[4][2] = {};
      for (size_t k = 0; k < n; ++k) {
        v2 b0, b1;
        std::memcpy(&b0, b + k * n + j, sizeof b0);
        std::memcpy(&b1, b + k * n + j + 2, sizeof b1);
        for (int r = 0; r < 4; ++r) {
          const double av = a0[r * n + k];
          const v2 aa = {av, av};
          acc[r][0] += aa * b0;
          acc[r][1] += aa * b1;
        }
      }
      for (int r = 0; r < 4; ++r) {
        std::memcpy(c + (i + r) * n + j, &acc[r][0], sizeof acc[r][0]);
        std::memcpy(c + (i + r) * n + j + 2, &acc[r][1], sizeof acc[r][1]);
      }
    }
    for (; j < n; ++j)
      for (size_t r = 0; r < 4; ++r) c[(i + r) * n + j] = dot(a, b, n, i + r, j);
  }
  for (; i < n; ++i)
    for (size_t j = 0; j < n; ++j) c[i * n + j] = dot(a, b, n, i, j);
}
}  // namespace

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
  matmul(a, a + n * n, reinterpret_cast<double*>(out), n);
  return bytes;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<uint32_t*>(state); }
