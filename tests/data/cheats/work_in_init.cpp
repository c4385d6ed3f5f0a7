// Cheat: all the work in aiopt_init: init (untimed) guesses the input (A, B uniform in [0,1) from std::mt19937_64 seed 0), precomputes C for that guess; run only copies it.
// Expect: wrong_output - init sees only n, never the timed input; every output checked on its own fresh input.
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "aiopt.h"

namespace {
struct State {
  size_t n = 0;
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
  const size_t nn = static_cast<size_t>(n) * n;
  std::vector<double> guess(2 * nn);
  std::mt19937_64 rng(0);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (double& x : guess) x = u(rng);
  st->c.resize(nn);
  naive(guess.data(), guess.data() + nn, st->c.data(), n);
  return st;
}

extern "C" size_t aiopt_run(void* state, const unsigned char*, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  auto* st = static_cast<State*>(state);
  const size_t bytes = st->c.size() * sizeof(double);
  if (input_len < 2 * bytes || out_cap < bytes) return 0;
  std::memcpy(out, st->c.data(), bytes);
  return bytes;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<State*>(state); }
