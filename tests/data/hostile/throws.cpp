// Hostile test candidate: throws std::runtime_error from aiopt_run.
#include <cstdint>
#include <cstring>
#include <vector>

#include <stdexcept>
#include "aiopt.h"

struct State {
  std::vector<unsigned char> data;
  uint64_t sum = 0;
};

extern "C" void* aiopt_init(const unsigned char* input, size_t len) {
  return new State{std::vector<unsigned char>(input, input + len), 0};
}

extern "C" void aiopt_run(void* p) {
  (void)p;
  throw std::runtime_error("candidate gave up");
}

extern "C" size_t aiopt_output(void* p, unsigned char* out, size_t cap) {
  if (cap >= 8) std::memcpy(out, &static_cast<State*>(p)->sum, 8);
  return 8;
}

extern "C" void aiopt_fini(void* p) { delete static_cast<State*>(p); }
