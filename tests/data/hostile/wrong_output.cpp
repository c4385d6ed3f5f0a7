// Hostile test candidate: an off-by-one: skips the last input byte.
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
    for (size_t i = 0; i + 1 < s->data.size(); ++i) sum = sum * 1099511628211ULL + s->data[i] + round;
  }
  s->sum = sum;
}

extern "C" size_t aiopt_output(void* p, unsigned char* out, size_t cap) {
  if (cap >= 8) std::memcpy(out, &static_cast<State*>(p)->sum, 8);
  return 8;
}

extern "C" void aiopt_fini(void* p) { delete static_cast<State*>(p); }
