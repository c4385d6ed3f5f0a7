// The empty candidate: aiopt_run does nothing. Measures the harness's per-call overhead.
#include "aiopt.h"

extern "C" void* aiopt_init(const unsigned char*, size_t) { return nullptr; }
extern "C" void aiopt_run(void*) {}
extern "C" size_t aiopt_output(void*, unsigned char*, size_t) { return 0; }
extern "C" void aiopt_fini(void*) {}
