// perf-ninja lab core_bound/vectorization_2 (github.com/dendibakh/perf-ninja, CC BY 4.0,
// see ../NOTICE). The lab's solution.cpp is verbatim in the EVOLVE block; its solution.hpp
// is above it. params: none. Input: K blobs of N uint16. Output: K uint16 checksums.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

#include "aiopt.h"

// ---- solution.hpp ----
// Assume this constant never changes
constexpr std::size_t N = 64 * 1024;

using Blob = std::array<uint16_t, N>;

// EVOLVE-BLOCK-START
uint16_t checksum(const Blob &blob) {
  uint16_t acc = 0;
  for (auto value : blob) {
    acc += value;
    acc += acc < value; // add carry
  }
  return acc;
}
// EVOLVE-BLOCK-END

extern "C" void* aiopt_init(const unsigned char*, size_t) { return new (std::nothrow) Blob; }

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  auto* scratch = static_cast<Blob*>(state);
  constexpr size_t bytes = sizeof(Blob);
  if (scratch == nullptr || input_len == 0 || input_len % bytes != 0) return 0;
  const size_t blobs = input_len / bytes;
  if (blobs * sizeof(uint16_t) > out_cap) return out_cap + 1;
  for (size_t b = 0; b < blobs; ++b) {
    const unsigned char* src = input + b * bytes;
    const Blob* blob = scratch;
    if (reinterpret_cast<uintptr_t>(src) % alignof(Blob) == 0) {
      blob = reinterpret_cast<const Blob*>(src);
    } else {
      std::memcpy(scratch->data(), src, bytes);
    }
    const uint16_t sum = checksum(*blob);
    std::memcpy(out + b * sizeof sum, &sum, sizeof sum);
  }
  return blobs * sizeof(uint16_t);
}

extern "C" void aiopt_fini(void* state) { delete static_cast<Blob*>(state); }
