// Hostile test candidate: forks a child that calls setsid() and sleeps; the child pid goes to $AIOPT_TEST_PIDFILE.
#include <cstdint>
#include <cstring>
#include <vector>

#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include "aiopt.h"

struct State {
  std::vector<unsigned char> data;
  uint64_t sum = 0;
};

extern "C" void* aiopt_init(const unsigned char* input, size_t len) {
  return new State{std::vector<unsigned char>(input, input + len), 0};
}

extern "C" void aiopt_run(void* p) {
  static bool forked = false;
  if (!forked) {
    forked = true;
    pid_t child = fork();
    if (child == 0) {
      setsid();
      for (;;) sleep(1);
    }
    if (const char* path = std::getenv("AIOPT_TEST_PIDFILE")) {
      if (FILE* f = std::fopen(path, "w")) {
        std::fprintf(f, "%d\n", static_cast<int>(child));
        std::fclose(f);
      }
    }
  }

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

extern "C" void aiopt_fini(void* p) { delete static_cast<State*>(p); }
