// The protocol comparisons' kernel: a dependent chain of multiply-adds, bound by the
// latency of each step, so its speed does not depend on where its code is placed (a
// small loop bound by throughput ran 50% slower in one of four 16-byte alignments on
// this machine's AMD EPYC). The builds "2% / 5% slower" differ only in kExtraPercent (a
// volatile constant, read at run time: every build compiles to the same instructions):
// the same function runs again for that share of the steps, after the result is taken.
// params: uint32 steps. Input: 64 float64 coefficients in [0.5, 1) then x0. Output: x.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "aiopt.h"

struct Chain {
  uint32_t steps = 0;
};

// EVOLVE-BLOCK-START
// volatile: read at run time, so every build compiles to the same instructions
static volatile const int kExtraPercent = 0;

__attribute__((noinline)) static double chain(const double* c, double x, long steps) {
  for (long i = 0; i < steps; ++i) x = x * c[i & 63] + 0.5;
  return x;
}

static double evaluate(const double* c, double x, long steps) {
  const double result = chain(c, x, steps);
  const long extra = steps * kExtraPercent / 100;  // the slower builds' extra work
  if (extra > 0) {
    const double ignored = chain(c, result, extra);
    asm volatile("" : : "x"(ignored));
  }
  return result;
}
// EVOLVE-BLOCK-END

extern "C" void* aiopt_init(const unsigned char* params, size_t len) {
  uint32_t steps = 0;
  if (len != sizeof steps) return nullptr;
  std::memcpy(&steps, params, sizeof steps);
  if (steps == 0) return nullptr;
  return new Chain{steps};
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  auto* s = static_cast<Chain*>(state);
  if (s == nullptr || input_len != 65 * sizeof(double)) return 0;
  if (out_cap < sizeof(double)) return sizeof(double);
  double values[65];
  std::memcpy(values, input, sizeof values);
  const double x = evaluate(values, values[64], s->steps);
  std::memcpy(out, &x, sizeof x);
  return sizeof x;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<Chain*>(state); }
