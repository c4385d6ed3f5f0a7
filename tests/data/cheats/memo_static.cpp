// Cheat: memo in a static flag and a static buffer: the first call computes C into a file-scope buffer, later calls (and later states of the same loaded copy) only copy it.
// Expect: wrong_output - fresh input every call, every output checked; a fresh process per program so statics do not leak across runs.
#include <cstdint>
#include <cstring>

#include "aiopt.h"

namespace {
constexpr size_t kMaxN = 512;
bool g_done = false;
double g_c[kMaxN * kMaxN];

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
  uint32_t n = 0;
  if (params_len >= 4) std::memcpy(&n, params, 4);
  return new uint32_t(n);
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  const size_t n = *static_cast<uint32_t*>(state), bytes = n * n * sizeof(double);
  if (n > kMaxN || input_len < 2 * bytes || out_cap < bytes) return 0;
  if (!g_done) {
    const double* a = reinterpret_cast<const double*>(input);
    naive(a, a + n * n, g_c, n);
    g_done = true;
  }
  std::memcpy(out, g_c, bytes);
  return bytes;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<uint32_t*>(state); }
