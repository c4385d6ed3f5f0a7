// Escape: leave the CPU the harness pinned the worker to (PROBE_ARG unused), so that a
// helper thread could run beside the measured one on another CPU. Leaks the CPUs it got.
#include <sched.h>

#include <string>

static void attempt(const char*) {
  cpu_set_t all;
  CPU_ZERO(&all);
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) CPU_SET(cpu, &all);
  sched_setaffinity(0, sizeof all, &all);
  cpu_set_t now;
  CPU_ZERO(&now);
  if (sched_getaffinity(0, sizeof now, &now) == 0 && CPU_COUNT(&now) > 1) {
    leak("affinity", (std::to_string(CPU_COUNT(&now)) + " CPUs").c_str());
  }
}

