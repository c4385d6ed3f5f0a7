// Cheat: memo keyed by shape only (input_len -> C in a std::unordered_map, the GPU MODE fallback key): every later input of the same size gets the first C.
// Expect: wrong_output - fresh input every call with the same shape; every output checked.
#include <cstdint>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "aiopt.h"

namespace {
struct State {
  size_t n = 0;
  std::unordered_map<size_t, std::vector<double>> by_shape;
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
  auto it = st->by_shape.find(input_len);
  if (it == st->by_shape.end()) {
    std::vector<double> c(n * n);
    const double* a = reinterpret_cast<const double*>(input);
    naive(a, a + n * n, c.data(), n);
    it = st->by_shape.emplace(input_len, std::move(c)).first;
  }
  std::memcpy(out, it->second.data(), bytes);
  return bytes;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<State*>(state); }
