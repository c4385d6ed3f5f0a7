// Cheat: defers the work past the timer: aiopt_run copies A and B, starts a detached std::thread that computes C and writes it into `out` later, and returns out_cap immediately.
// Expect: wrong_output (out is read at return, before the thread is done), thread_left_running (/proc shows the thread between calls), or crash (the late write hits a freed buffer).
#include <cstdint>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "aiopt.h"

namespace {
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
  // The input is valid during the call only: take a copy for the late thread.
  auto ab = std::make_shared<std::vector<double>>(2 * n * n);
  std::memcpy(ab->data(), input, 2 * bytes);
  std::thread([ab, out, n, bytes] {
    std::vector<double> c(n * n);
    naive(ab->data(), ab->data() + n * n, c.data(), n);
    std::memcpy(out, c.data(), bytes);  // lands after aiopt_run returned
  }).detach();
  return bytes;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<uint32_t*>(state); }
