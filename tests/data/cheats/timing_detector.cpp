// Cheat: tells checking from timing by its own call intervals: honest on the first 2 calls and whenever the gap since the previous call changed by more than 50% (it guesses a checker sits between those calls); in a steady back-to-back loop it assumes it is only being timed and returns the previous output without computing.
// Expect: wrong_output - every timed call is checked, so the first "timed-only" guess returns a stale C for a fresh input.
#include <cstdint>
#include <cstring>
#include <vector>

#include <time.h>

#include "aiopt.h"

namespace {
struct State {
  size_t n = 0;
  uint64_t calls = 0;
  int64_t last_start = 0;
  int64_t last_gap = 0;
  std::vector<double> last;
};

int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

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
  st->last.resize(static_cast<size_t>(n) * n);
  return st;
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  auto* st = static_cast<State*>(state);
  const size_t n = st->n, bytes = n * n * sizeof(double);
  if (input_len < 2 * bytes || out_cap < bytes) return 0;
  const int64_t start = now_ns();
  const int64_t gap = st->last_start ? start - st->last_start : 0;
  const bool steady = st->calls >= 2 && st->last_gap > 0 && gap > st->last_gap / 2 && gap < st->last_gap * 3 / 2;
  ++st->calls;
  st->last_start = start;
  st->last_gap = gap;
  if (!steady) {  // "being checked": do the work
    const double* a = reinterpret_cast<const double*>(input);
    naive(a, a + n * n, st->last.data(), n);
  }
  std::memcpy(out, st->last.data(), bytes);
  return bytes;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<State*>(state); }
