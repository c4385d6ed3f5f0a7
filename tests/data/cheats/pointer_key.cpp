// Cheat: memo keyed by the input pointer (`static const unsigned char* last; if (last == input) return cached`): the worker's per-request buffer is often reallocated at the same address.
// Expect: wrong_output - the same address carries a fresh input every call; every output checked.
#include <cstdint>
#include <cstring>
#include <vector>

#include "aiopt.h"

namespace {
const unsigned char* g_last = nullptr;
size_t g_last_len = 0;
std::vector<double> g_cached;

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
  if (!(g_last == input && g_last_len == input_len && g_cached.size() == n * n)) {
    g_cached.resize(n * n);
    const double* a = reinterpret_cast<const double*>(input);
    naive(a, a + n * n, g_cached.data(), n);
    g_last = input;
    g_last_len = input_len;
  }
  std::memcpy(out, g_cached.data(), bytes);
  return bytes;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<uint32_t*>(state); }
