// Hostile test candidate: lacks aiopt_fini.
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

extern "C" void aiopt_run(void* p) {
  auto* s = static_cast<State*>(p);
  uint64_t sum = 0;
  for (int round = 0; round < 200; ++round) {
    for (unsigned char c : s->data) sum = sum * 1099511628211ULL + c + round;
  }
  s->sum = sum;
}

extern "C" size_t aiopt_output(void* p, unsigned char* out, size_t cap) {
  if (cap >= 8) std::memcpy(out, &static_cast<State*>(p)->sum, 8);
  return 8;
}

