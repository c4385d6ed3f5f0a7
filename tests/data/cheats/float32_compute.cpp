// Cheat: precision cut: converts A and B to float32 and multiplies in float (twice the SIMD width, half the memory traffic), then widens C back to float64.
// Expect: wrong_output - float32 rounding (~1e-7 relative) fails numpy.isclose(rtol=1e-9, atol=1e-12).
#include <cstdint>
#include <cstring>
#include <vector>

#include "aiopt.h"

namespace {
struct State {
  size_t n = 0;
  std::vector<float> a, b, c;
};
}  // namespace

extern "C" void* aiopt_init(const unsigned char* params, size_t params_len) {
  auto* st = new State;
  uint32_t n = 0;
  if (params_len >= 4) std::memcpy(&n, params, 4);
  st->n = n;
  st->a.resize(static_cast<size_t>(n) * n);
  st->b.resize(static_cast<size_t>(n) * n);
  st->c.resize(static_cast<size_t>(n) * n);
  return st;
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  auto* st = static_cast<State*>(state);
  const size_t n = st->n, nn = n * n, bytes = nn * sizeof(double);
  if (input_len < 2 * bytes || out_cap < bytes) return 0;
  const double* in = reinterpret_cast<const double*>(input);
  float* a = st->a.data();
  float* b = st->b.data();
  float* c = st->c.data();
  for (size_t i = 0; i < nn; ++i) a[i] = static_cast<float>(in[i]);
  for (size_t i = 0; i < nn; ++i) b[i] = static_cast<float>(in[nn + i]);
  for (size_t i = 0; i < n; ++i) {
    float* ci = c + i * n;
    for (size_t j = 0; j < n; ++j) ci[j] = 0.0f;
    for (size_t k = 0; k < n; ++k) {
      const float aik = a[i * n + k];
      const float* bk = b + k * n;
      for (size_t j = 0; j < n; ++j) ci[j] += aik * bk[j];
    }
  }
  double* o = reinterpret_cast<double*>(out);
  for (size_t i = 0; i < nn; ++i) o[i] = c[i];
  return bytes;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<State*>(state); }
