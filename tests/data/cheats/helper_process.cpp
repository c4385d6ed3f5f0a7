// Cheat: a persistent helper process: aiopt_init forks a child that moves to another CPU and waits on a futex in MAP_SHARED memory; each aiopt_run hands it A and B, and it computes the lower half of C while the parent does the upper half; falls back to in-process work when fork fails.
// Expect: speedup<=1.10 - seccomp denies fork (fallback: no gain, or crash if the worker is killed); if fork got through, the /proc check finds the helper alive between calls (child_process).
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdint>
#include <cstring>

#include <linux/futex.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aiopt.h"

namespace {
struct Shm {
  uint32_t seq;
  uint32_t done;
  uint32_t quit;
  uint32_t pad;
};

struct State {
  size_t n = 0;
  pid_t helper = -1;
  Shm* shm = nullptr;
  size_t shm_bytes = 0;
  double* a = nullptr;
  double* b = nullptr;
  double* c = nullptr;
};

uint32_t load(const uint32_t* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
void store(uint32_t* p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
void futex_wait(uint32_t* p, uint32_t val, long ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1000000};
  syscall(SYS_futex, p, FUTEX_WAIT, val, &ts, nullptr, 0);
}
void futex_wake(uint32_t* p) { syscall(SYS_futex, p, FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0); }

void rows(const double* a, const double* b, double* c, size_t n, size_t lo, size_t hi) {
  for (size_t i = lo; i < hi; ++i)
    for (size_t j = 0; j < n; ++j) {
      double s = 0.0;
      for (size_t k = 0; k < n; ++k) s += a[i * n + k] * b[k * n + j];
      c[i * n + j] = s;
    }
}

void move_to_other_cpu() {
  const long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  const int cur = sched_getcpu();
  if (ncpu < 2 || cur < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(static_cast<int>((cur + 1) % ncpu), &set);
  sched_setaffinity(0, sizeof set, &set);
}

[[noreturn]] void helper_loop(State* st, pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  move_to_other_cpu();
  uint32_t seen = 0;
  for (;;) {
    if (getppid() != parent || load(&st->shm->quit)) _exit(0);
    const uint32_t s = load(&st->shm->seq);
    if (s == seen) {
      futex_wait(&st->shm->seq, s, 1000);
      continue;
    }
    seen = s;
    rows(st->a, st->b, st->c, st->n, st->n / 2, st->n);
    store(&st->shm->done, s);
    futex_wake(&st->shm->done);
  }
}
}  // namespace

extern "C" void* aiopt_init(const unsigned char* params, size_t params_len) {
  auto* st = new State;
  uint32_t n = 0;
  if (params_len >= 4) std::memcpy(&n, params, 4);
  st->n = n;
  const size_t nn = static_cast<size_t>(n) * n;
  st->shm_bytes = 64 + 3 * nn * sizeof(double);
  void* p = mmap(nullptr, st->shm_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return st;
  st->shm = static_cast<Shm*>(p);
  st->a = reinterpret_cast<double*>(static_cast<unsigned char*>(p) + 64);
  st->b = st->a + nn;
  st->c = st->b + nn;
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) helper_loop(st, parent);
  st->helper = pid;  // -1 when fork was refused
  return st;
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  auto* st = static_cast<State*>(state);
  const size_t n = st->n, bytes = n * n * sizeof(double), half = n / 2;
  if (input_len < 2 * bytes || out_cap < bytes) return 0;
  const double* a = reinterpret_cast<const double*>(input);
  const double* b = a + n * n;
  double* c = reinterpret_cast<double*>(out);
  if (st->helper <= 0) {
    rows(a, b, c, n, 0, n);
    return bytes;
  }
  std::memcpy(st->a, input, 2 * bytes);
  const uint32_t s = load(&st->shm->seq) + 1;
  store(&st->shm->seq, s);
  futex_wake(&st->shm->seq);
  rows(a, b, c, n, 0, half);
  for (;;) {
    const uint32_t d = load(&st->shm->done);
    if (d == s) break;
    int status = 0;
    if (waitpid(st->helper, &status, WNOHANG) != 0) {  // helper gone: do its half
      st->helper = -1;
      rows(a, b, c, n, half, n);
      return bytes;
    }
    futex_wait(&st->shm->done, d, 100);
  }
  std::memcpy(c + half * n, st->c + half * n, (n - half) * n * sizeof(double));
  return bytes;
}

extern "C" void aiopt_fini(void* state) {
  auto* st = static_cast<State*>(state);
  if (st->helper > 0) {
    store(&st->shm->quit, 1);
    store(&st->shm->seq, load(&st->shm->seq) + 1);
    futex_wake(&st->shm->seq);
    while (waitpid(st->helper, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  if (st->shm) munmap(st->shm, st->shm_bytes);
  delete st;
}
