// Cheat: escapes the one-CPU lease with a thread: a std::thread (joined before return, as allowed) first moves itself to another CPU with pthread_setaffinity_np, ignoring the pin it inherited, and computes the lower half of C while the calling thread does the upper half.
// Expect: speedup<=1.10 - the CPU lease must be enforced (cpuset cgroup, or seccomp refusing sched_setaffinity), so both threads share one CPU; honest_threads shows the allowed form.
#include <atomic>
#include <cstdint>
#include <cstring>
#include <thread>

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include "aiopt.h"

namespace {
void rows(const double* a, const double* b, double* c, size_t n, size_t lo, size_t hi) {
  for (size_t i = lo; i < hi; ++i)
    for (size_t j = 0; j < n; ++j) {
      double s = 0.0;
      for (size_t k = 0; k < n; ++k) s += a[i * n + k] * b[k * n + j];
      c[i * n + j] = s;
    }
}

void pin_self(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
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
  const double* a = reinterpret_cast<const double*>(input);
  const double* b = a + n * n;
  double* c = reinterpret_cast<double*>(out);
  const long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  const int cur = sched_getcpu() < 0 ? 0 : sched_getcpu();
  const size_t half = n / 2;
  // The helper thread first moves itself off the shared CPU; this thread keeps the upper half.
  std::atomic<bool> moved{false};
  std::thread t1([&] {
    if (ncpu > 1) pin_self(static_cast<int>((cur + 1) % ncpu));
    moved.store(true);
    rows(a, b, c, n, half, n);
  });
  for (int i = 0; i < 10000 && !moved.load(); ++i) sched_yield();  // let it leave first
  rows(a, b, c, n, 0, half);
  t1.join();
  return bytes;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<uint32_t*>(state); }
