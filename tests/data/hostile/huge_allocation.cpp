// Hostile test candidate: allocates 64 GiB with new in aiopt_run.
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

// The pointer escapes through a volatile global, so the compiler cannot elide the allocation.
char* volatile escaped_block = nullptr;

extern "C" void aiopt_run(void* p) {
  escaped_block = new char[size_t{64} << 30];
  escaped_block[0] = 1;
  static_cast<State*>(p)->sum = escaped_block[0];
  delete[] escaped_block;
}

extern "C" size_t aiopt_output(void* p, unsigned char* out, size_t cap) {
  if (cap >= 8) std::memcpy(out, &static_cast<State*>(p)->sum, 8);
  return 8;
}

extern "C" void aiopt_fini(void* p) { delete static_cast<State*>(p); }
