// perf-ninja lab core_bound/compiler_intrinsics_1 (github.com/dendibakh/perf-ninja,
// CC BY 4.0, see ../NOTICE). The lab's solution.cpp is verbatim in the EVOLVE block; its
// solution.h is above it. params: none. Input: images of 40,000 uint8 pixels.
// Output: the smoothed images, one uint16 per pixel.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <vector>

#include "aiopt.h"

// ---- solution.h ----
using InputVector = std::vector<uint8_t>;
using OutputVector = std::vector<uint16_t>;
constexpr uint8_t radius = 13; // assume diameter (2 * radius + 1) to be less
                               // than 256 so results fits in uint16_t

// EVOLVE-BLOCK-START
#include <memory>

void imageSmoothing(const InputVector &input, uint8_t radius,
                    OutputVector &output) {
  int pos = 0;
  int currentSum = 0;
  int size = static_cast<int>(input.size());

  // 1. left border - time spend in this loop can be ignored, no need to
  // optimize it
  for (int i = 0; i < std::min<int>(size, radius); ++i) {
    currentSum += input[i];
  }

  int limit = std::min(radius + 1, size - radius);
  for (pos = 0; pos < limit; ++pos) {
    currentSum += input[pos + radius];
    output[pos] = currentSum;
  }

  // 2. main loop.
  limit = size - radius;
  for (; pos < limit; ++pos) {
    currentSum -= input[pos - radius - 1];
    currentSum += input[pos + radius];
    output[pos] = currentSum;
  }

  // 3. special case, executed only if size <= 2*radius + 1
  limit = std::min(radius + 1, size);
  for (; pos < limit; pos++) {
    output[pos] = currentSum;
  }

  // 4. right border - time spend in this loop can be ignored, no need to
  // optimize it
  for (; pos < size; ++pos) {
    currentSum -= input[pos - radius - 1];
    output[pos] = currentSum;
  }
}
// EVOLVE-BLOCK-END

namespace {
constexpr size_t kImage = 40000;  // pixels per image (the lab's init.cpp N)

struct State {
  InputVector input;
  OutputVector output;
};
}  // namespace

extern "C" void* aiopt_init(const unsigned char*, size_t) { return new (std::nothrow) State; }

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  auto* st = static_cast<State*>(state);
  if (st == nullptr || input_len == 0 || input_len % kImage != 0) return 0;
  if (input_len * sizeof(uint16_t) > out_cap) return out_cap + 1;
  for (size_t image = 0; image < input_len / kImage; ++image) {
    const unsigned char* pixels = input + image * kImage;
    st->input.assign(pixels, pixels + kImage);
    if (st->output.size() != kImage) st->output.assign(kImage, 0);  // the lab's zero()
    imageSmoothing(st->input, radius, st->output);
    std::memcpy(out + image * kImage * sizeof(uint16_t), st->output.data(),
                kImage * sizeof(uint16_t));
  }
  return input_len * sizeof(uint16_t);
}

extern "C" void aiopt_fini(void* state) { delete static_cast<State*>(state); }
