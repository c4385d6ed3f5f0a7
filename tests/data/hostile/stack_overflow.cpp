// Hostile test candidate: recurses without bound in aiopt_run.
#include <cstdint>
#include <cstring>
#include <vector>

#include "aiopt.h"

struct State {
  std::vector<unsigned char> data;
  uint64_t sum = 0;
};

extern "C" void* aiopt_init(const unsigned char* input, size_t len) {
  return new State{std::vector<unsigned char>(input, input + len), 0};
}

static uint64_t recurse(uint64_t depth) {
  volatile char pad[256];
  pad[0] = static_cast<char>(depth);
  return recurse(depth + 1) + pad[0];
}

extern "C" void aiopt_run(void* p) {
  static_cast<State*>(p)->sum = recurse(1);
}

extern "C" size_t aiopt_output(void* p, unsigned char* out, size_t cap) {
  if (cap >= 8) std::memcpy(out, &static_cast<State*>(p)->sum, 8);
  return 8;
}

extern "C" void aiopt_fini(void* p) { delete static_cast<State*>(p); }
