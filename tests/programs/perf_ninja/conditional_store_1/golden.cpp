// perf-ninja lab bad_speculation/conditional_store_1 (github.com/dendibakh/perf-ninja,
// CC BY 4.0, see ../NOTICE). The lab's solution.cpp is verbatim in the EVOLVE block; its
// solution.h is above it. THIS IS THE EXPERT'S GOLDEN (branch golden). params: none. Input: K arrays of N (first, second) uint32 pairs.
// Output: per array, uint64 count then the count selected pairs (8 bytes each).
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <utility>

#include "aiopt.h"

// ---- solution.h ----
// Assume this constant never changes
constexpr std::size_t N = 64 * 1024;

// "first" contains a metric
// "second" contains associated data
using S = std::pair<std::uint32_t, std::uint32_t>;

// EVOLVE-BLOCK-START
// Select items which have S.first in range [lower..upper]
std::size_t select(std::array<S, N> &output, const std::array<S, N> &input,
                   const std::uint32_t lower, const std::uint32_t upper) {
  std::size_t count = 0;
  for (const auto item : input) {
    output[count] = item;
    count += lower <= item.first && item.first <= upper;
  }
  return count;
}
// EVOLVE-BLOCK-END

namespace {
struct State {
  std::array<S, N> input;
  std::array<S, N> output;
};
constexpr std::uint32_t kMax = 0xffffffffu;
constexpr std::uint32_t kLower = (kMax / 4) + 1;  // the lab's bench.cpp bounds
constexpr std::uint32_t kUpper = (kMax / 2) + kLower;
}  // namespace

extern "C" void* aiopt_init(const unsigned char*, size_t) { return new (std::nothrow) State; }

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  auto* st = static_cast<State*>(state);
  constexpr size_t bytes = N * sizeof(S);
  if (st == nullptr || input_len == 0 || input_len % bytes != 0) return 0;
  const size_t arrays = input_len / bytes;
  size_t written = 0;
  for (size_t a = 0; a < arrays; ++a) {
    const unsigned char* src = input + a * bytes;
    const std::array<S, N>* in = &st->input;
    if (reinterpret_cast<uintptr_t>(src) % alignof(S) == 0) {
      in = reinterpret_cast<const std::array<S, N>*>(src);
    } else {
      std::memcpy(st->input.data(), src, bytes);
    }
    const std::uint64_t count = select(st->output, *in, kLower, kUpper);
    if (count > N) return out_cap + 1;
    const size_t need = sizeof count + count * sizeof(S);
    if (written + need > out_cap) return out_cap + 1;
    std::memcpy(out + written, &count, sizeof count);
    std::memcpy(out + written + sizeof count, st->output.data(), count * sizeof(S));
    written += need;
  }
  return written;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<State*>(state); }
