// Honest: the naive i-j-k triple loop run 40 times per call (same output each time; a compiler barrier keeps all 40); a baseline so that compare(slow40_baseline, naive initial) is an honest ~40x speedup.
// Expect: ok - as the baseline it is correct; the naive program measured against it must score ~40x without being flagged (a re-measurement must confirm it, not reject it).
#include <cstdint>
#include <cstring>

#include "aiopt.h"

namespace {
constexpr int kRepeats = 40;

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
  if (input_len < 2 * bytes || out_cap < bytes) return 0;
  const double* a = reinterpret_cast<const double*>(input);
  double* c = reinterpret_cast<double*>(out);
  for (int r = 0; r < kRepeats; ++r) {
    naive(a, a + n * n, c, n);
    __asm__ volatile("" : : "r"(c) : "memory");  // the next repeat must redo the work
  }
  return bytes;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<uint32_t*>(state); }
