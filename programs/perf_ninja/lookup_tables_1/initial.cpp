// perf-ninja lab bad_speculation/lookup_tables_1 (github.com/dendibakh/perf-ninja,
// CC BY 4.0, see ../NOTICE). The lab's solution.cpp is verbatim in the EVOLVE block; its
// solution.hpp is above it. params: none. Input: NUM_VALUES int32 in [0, 150].
// Output: the histogram, NUM_BUCKETS uint64.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <vector>

#include "aiopt.h"

// ---- solution.hpp ----
constexpr std::size_t NUM_BUCKETS = 8;
constexpr std::size_t DEFAULT_BUCKET = NUM_BUCKETS - 1;
constexpr std::size_t NUM_VALUES = 1024 * 1024;

// EVOLVE-BLOCK-START
static std::size_t mapToBucket(std::size_t v) {
                              //   size of a bucket
  if      (v < 13)  return 0; //   13
  else if (v < 29)  return 1; //   16
  else if (v < 41)  return 2; //   12
  else if (v < 53)  return 3; //   12
  else if (v < 71)  return 4; //   18
  else if (v < 83)  return 5; //   12
  else if (v < 100) return 6; //   17
  return DEFAULT_BUCKET;
}

std::array<std::size_t, NUM_BUCKETS> histogram(const std::vector<int> &values) {
  std::array<std::size_t, NUM_BUCKETS> retBuckets{0};
  for (auto v : values) {
    retBuckets[mapToBucket(v)]++;
  }
  return retBuckets;
}
// EVOLVE-BLOCK-END

extern "C" void* aiopt_init(const unsigned char*, size_t) {
  auto* values = new (std::nothrow) std::vector<int>();
  if (values != nullptr) values->reserve(NUM_VALUES);
  return values;
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  auto* values = static_cast<std::vector<int>*>(state);
  if (values == nullptr || input_len != NUM_VALUES * sizeof(int)) return 0;
  values->resize(NUM_VALUES);
  std::memcpy(values->data(), input, input_len);  // the lab's std::vector<int> of values
  const std::array<std::size_t, NUM_BUCKETS> buckets = histogram(*values);
  if (out_cap < NUM_BUCKETS * sizeof(std::uint64_t)) return out_cap + 1;
  for (std::size_t b = 0; b < NUM_BUCKETS; ++b) {
    const std::uint64_t count = buckets[b];
    std::memcpy(out + b * sizeof count, &count, sizeof count);
  }
  return NUM_BUCKETS * sizeof(std::uint64_t);
}

extern "C" void aiopt_fini(void* state) { delete static_cast<std::vector<int>*>(state); }
