// Resource limits a worker sets on itself before it loads any candidate code (a
// candidate's static constructors run inside dlopen): address space, file size, CPU time,
// no core files. SIGXFSZ is restored to its default so an output flood ends the process.
#pragma once

#include <cstdint>
#include <string>

namespace aiopt {

struct ProcessLimits {
  uint64_t memory_bytes = 0;    // address space on top of what the process maps now; 0: none
  uint64_t file_bytes = 0;      // largest file the process may write; 0: none
  uint64_t cpu_seconds = 0;     // CPU time (SIGXCPU at the soft limit); 0: none
};

// Applies the limits to the calling process. Returns an empty string or the error.
std::string apply_limits(const ProcessLimits& limits);

}  // namespace aiopt
