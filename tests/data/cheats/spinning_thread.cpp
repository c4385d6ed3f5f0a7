// Cheat: on the first aiopt_run starts a detached std::thread that spins forever, so that the baseline sharing the pinned CPU runs slower; its own result is computed honestly (naive).
// Expect: thread_left_running - /proc/<pid>/task shows the spinner between calls (without that check the baseline would look ~2x slower).
#include <atomic>
#include <cstdint>
#include <cstring>
#include <thread>

#include "aiopt.h"

namespace {
std::atomic<bool> g_started{false};
std::atomic<uint64_t> g_sink{0};

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
  if (!g_started.exchange(true)) {
    std::thread([] {
      uint64_t x = 1;
      for (;;) {  // burn the shared CPU while the other program is timed
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        g_sink.store(x, std::memory_order_relaxed);
      }
    }).detach();
  }
  const double* a = reinterpret_cast<const double*>(input);
  naive(a, a + n * n, reinterpret_cast<double*>(out), n);
  return bytes;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<uint32_t*>(state); }
