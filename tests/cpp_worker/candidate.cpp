// Test candidate for aiopt-worker / aiopt-driver (tests/cpp_worker). The first input byte
// picks a behaviour:
//   'T' throws std::runtime_error("candidate gave up")     'M' throws std::bad_alloc
//   'O' returns out_cap + 1                                 'A' writes the heap address of
//   'E' returns 0 (empty output)                                a block allocated in init
//   anything else (or no byte): writes params + input and returns its length.
// -DAIOPT_TEST_NO_FINI leaves out aiopt_fini; -DAIOPT_TEST_EMPTY makes aiopt_run return 0.
#include <cstdint>
#include <cstring>
#include <new>
#include <stdexcept>
#include <vector>

#include "aiopt.h"

namespace {
struct State {
  std::vector<unsigned char> params;
  unsigned char* block;
};
}  // namespace

AIOPT_API void* aiopt_init(const unsigned char* params, size_t params_len) {
  return new State{std::vector<unsigned char>(params, params + params_len), new unsigned char[64]};
}

AIOPT_API size_t aiopt_run(void* p, const unsigned char* in, size_t len, unsigned char* out,
                           size_t cap) {
#ifdef AIOPT_TEST_EMPTY
  (void)p, (void)in, (void)len, (void)out, (void)cap;
  return 0;
#else
  auto* s = static_cast<State*>(p);
  const unsigned char mode = len > 0 ? in[0] : 0;
  if (mode == 'T') throw std::runtime_error("candidate gave up");
  if (mode == 'M') throw std::bad_alloc();
  if (mode == 'O') return cap + 1;
  if (mode == 'E') return 0;
  if (mode == 'A') {
    const auto address = reinterpret_cast<uintptr_t>(s->block);
    if (cap >= sizeof(address)) std::memcpy(out, &address, sizeof(address));
    return sizeof(address);
  }
  const size_t n = s->params.size() + len;
  if (n <= cap) {
    if (!s->params.empty()) std::memcpy(out, s->params.data(), s->params.size());
    if (len > 0) std::memcpy(out + s->params.size(), in, len);
  }
  return n;
#endif
}

#ifndef AIOPT_TEST_NO_FINI
AIOPT_API void aiopt_fini(void* p) {
  auto* s = static_cast<State*>(p);
  delete[] s->block;
  delete s;
}
#endif
