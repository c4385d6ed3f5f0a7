// Honest: splits the rows of C across 2 std::threads (naive loop each), both joined before aiopt_run returns; recomputes from the input every call.
// Expect: ok - threads joined before return are allowed (on one pinned CPU they gain nothing, but must not be flagged).
#include <cstdint>
#include <cstring>
#include <thread>

#include "aiopt.h"

namespace {
void rows(const double* a, const double* b, double* c, size_t n, size_t lo, size_t hi) {
  for (size_t i = lo; i < hi; ++i)
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
  const double* b = a + n * n;
  double* c = reinterpret_cast<double*>(out);
  const size_t half = n / 2;
  std::thread t0([=] { rows(a, b, c, n, 0, half); });
  std::thread t1([=] { rows(a, b, c, n, half, n); });
  t0.join();
  t1.join();
  return bytes;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<uint32_t*>(state); }
