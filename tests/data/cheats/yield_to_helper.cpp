// Cheat: does the whole product in a helper thread while the main thread spins on
// sched_yield until it is done, so that the main thread looks like it is waiting for the
// CPU (run-queue wait): a harness that took all run-queue wait off the call's time as
// "other processes' time" would score this at the main thread's few microseconds.
// Expect: gains nothing - the wait is its own thread's work (sandbox/run_queue.py).
#include <atomic>
#include <cstdint>
#include <cstring>
#include <sched.h>
#include <thread>

#include "aiopt.h"

extern "C" void* aiopt_init(const unsigned char* params, size_t params_len) {
  uint32_t n = 0;
  if (params_len >= 4) std::memcpy(&n, params, 4);
  return new uint32_t(n);
}

// The initial program's loop, unchanged (int indices): the cheat does the same work.
static void multiply(int n, const double* a, const double* b, double* c) {
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      double sum = 0.0;
      for (int k = 0; k < n; ++k) {
        sum += a[i * n + k] * b[k * n + j];
      }
      c[i * n + j] = sum;
    }
  }
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  const size_t n = *static_cast<uint32_t*>(state), bytes = n * n * sizeof(double);
  if (input_len < 2 * bytes || out_cap < bytes) return 0;
  const double* a = reinterpret_cast<const double*>(input);
  const double* b = a + n * n;
  double* c = reinterpret_cast<double*>(out);
  std::atomic<bool> done{false};
  std::thread helper([&] {
    multiply(static_cast<int>(n), a, b, c);
    done.store(true, std::memory_order_release);
  });
  while (!done.load(std::memory_order_acquire)) sched_yield();
  helper.join();
  return bytes;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<uint32_t*>(state); }
