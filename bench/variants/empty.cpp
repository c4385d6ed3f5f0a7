// The empty candidate: aiopt_run copies its 8-byte input to its output and returns.
// Measures the harness's per-call overhead (its output follows the seed, as a task's must).
#include <cstring>

#include "aiopt.h"

extern "C" void* aiopt_init(const unsigned char*, size_t) { return nullptr; }
extern "C" size_t aiopt_run(void*, const unsigned char* input, size_t len, unsigned char* out,
                            size_t cap) {
  const size_t n = len < cap ? len : cap;
  std::memcpy(out, input, n);
  return n;
}
extern "C" void aiopt_fini(void*) {}
