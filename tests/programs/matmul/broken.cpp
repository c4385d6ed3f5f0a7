// Deliberately broken matmul: the sum skips k = 0.
// The input is a line "n=N seed=S"; the matrices are generated from the seed.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "aiopt.h"

struct Matmul {
  int n = 0;
  std::vector<double> a, b, c;
};

// EVOLVE-BLOCK-START
static void multiply(int n, const double* a, const double* b, double* c) {
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      double sum = 0.0;
      for (int k = 1; k < n; ++k) {  // off by one: skips k = 0
        sum += a[i * n + k] * b[k * n + j];
      }
      c[i * n + j] = sum;
    }
  }
}
// EVOLVE-BLOCK-END

static uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A value in [-1, 1) with 53 random bits.
static double next_value(uint64_t& state) {
  return static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-52 - 1.0;
}

extern "C" void* aiopt_init(const unsigned char* input, size_t len) {
  std::string text(reinterpret_cast<const char*>(input), len);
  int n = 0;
  unsigned long long seed = 0;
  if (std::sscanf(text.c_str(), "n=%d seed=%llu", &n, &seed) != 2 || n <= 0 || n > 4096) {
    return nullptr;
  }
  auto* m = new Matmul;
  m->n = n;
  uint64_t state = seed;
  m->a.resize(static_cast<size_t>(n) * n);
  m->b.resize(static_cast<size_t>(n) * n);
  m->c.assign(static_cast<size_t>(n) * n, 0.0);
  for (double& x : m->a) x = next_value(state);
  for (double& x : m->b) x = next_value(state);
  return m;
}

extern "C" void aiopt_run(void* state) {
  auto* m = static_cast<Matmul*>(state);
  multiply(m->n, m->a.data(), m->b.data(), m->c.data());
}

extern "C" size_t aiopt_output(void* state, unsigned char* out, size_t cap) {
  auto* m = static_cast<Matmul*>(state);
  const size_t bytes = m->c.size() * sizeof(double);
  if (bytes <= cap) std::memcpy(out, m->c.data(), bytes);
  return bytes;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<Matmul*>(state); }
