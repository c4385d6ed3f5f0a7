// Cheat: memo in the state: computes C on the first call, stores it in the state and returns the stored C on every later call (ignores the input after call 1).
// Expect: wrong_output - a fresh input every call and every output checked against the reference on that input.
#include <cstdint>
#include <cstring>
#include <vector>

#include "aiopt.h"

namespace {
struct State {
  size_t n = 0;
  bool have = false;
  std::vector<double> c;
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
  st->c.resize(static_cast<size_t>(n) * n);
  return st;
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  auto* st = static_cast<State*>(state);
  const size_t n = st->n, bytes = n * n * sizeof(double);
  if (input_len < 2 * bytes || out_cap < bytes) return 0;
  if (!st->have) {
    const double* a = reinterpret_cast<const double*>(input);
    naive(a, a + n * n, st->c.data(), n);
    st->have = true;
  }
  std::memcpy(out, st->c.data(), bytes);
  return bytes;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<State*>(state); }
