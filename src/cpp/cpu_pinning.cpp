#include "cpu_pinning.h"

#include <sched.h>

#include <cerrno>
#include <cstring>

namespace aiopt {

std::string pin_current_thread(int cpu) {
  if (cpu < 0 || cpu >= CPU_SETSIZE) return "CPU number out of range: " + std::to_string(cpu);
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof(set), &set) != 0) {
    return "sched_setaffinity(CPU " + std::to_string(cpu) + "): " + std::strerror(errno);
  }
  return "";
}

int current_cpu() { return sched_getcpu(); }

}  // namespace aiopt
