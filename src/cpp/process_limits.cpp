#include "process_limits.h"

#include <signal.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

namespace aiopt {
namespace {

// VmSize of this process in bytes (0 if /proc cannot tell).
uint64_t mapped_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    unsigned long long kib = 0;
    if (std::sscanf(line.c_str(), "VmSize: %llu kB", &kib) == 1) return kib * 1024;
  }
  return 0;
}

std::string set(int resource, const char* name, uint64_t soft, uint64_t hard) {
  const rlimit value{static_cast<rlim_t>(soft), static_cast<rlim_t>(hard)};
  if (setrlimit(resource, &value) != 0) {
    return std::string("setrlimit(") + name + "): " + std::strerror(errno);
  }
  return "";
}

}  // namespace

std::string apply_limits(const ProcessLimits& limits) {
  std::string error = set(RLIMIT_CORE, "RLIMIT_CORE", 0, 0);
  if (!error.empty()) return error;
  if (limits.file_bytes > 0) {
    signal(SIGXFSZ, SIG_DFL);
    error = set(RLIMIT_FSIZE, "RLIMIT_FSIZE", limits.file_bytes, limits.file_bytes);
    if (!error.empty()) return error;
  }
  if (limits.cpu_seconds > 0) {
    error = set(RLIMIT_CPU, "RLIMIT_CPU", limits.cpu_seconds, limits.cpu_seconds + 5);
    if (!error.empty()) return error;
  }
  if (limits.memory_bytes > 0) {
    const uint64_t total = mapped_bytes() + limits.memory_bytes;
    error = set(RLIMIT_AS, "RLIMIT_AS", total, total);
  }
  return error;
}

}  // namespace aiopt
