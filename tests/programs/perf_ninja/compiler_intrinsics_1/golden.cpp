// perf-ninja lab core_bound/compiler_intrinsics_1 (github.com/dendibakh/perf-ninja,
// CC BY 4.0, see ../NOTICE). The lab's solution.cpp is verbatim in the EVOLVE block; its
// solution.h is above it. THIS IS THE EXPERT'S GOLDEN (branch golden; its ARM branch left out). params: none. Input: the image, uint8 pixels.
// Output: the smoothed image, one uint16 per pixel.
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
#ifdef __x86_64__
  #include <immintrin.h>
#else
  #include <arm_neon.h>
#endif

constexpr int UNROLL = 8;

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
#ifdef __x86_64__
  // SSE4.1 solution
  const uint8_t* subtractPtr = input.data() + pos - radius - 1;
  const uint8_t* addPtr = input.data() + pos + radius;
  const uint16_t* outputPtr = output.data() + pos;
  __m128i current = _mm_set1_epi16(currentSum);

  int i = 0;
  // loop processes 8 elements per iteration
  for (; i + UNROLL - 1 < limit - pos; i += UNROLL) {
    // 1. Calculate vector diff: input[i+radius] - input[i-radius-1]
    __m128i sub_u8 = _mm_loadu_si64(subtractPtr + i);
    __m128i sub = _mm_cvtepu8_epi16(sub_u8);
    __m128i add_u8 = _mm_loadu_si64(addPtr + i);
    __m128i add = _mm_cvtepu8_epi16(add_u8);

    __m128i diff = _mm_sub_epi16(add, sub);

    // 2. Calculate vector prefix sum for 8 elements
    __m128i s = _mm_add_epi16(diff, _mm_slli_si128(diff, 2));
    s = _mm_add_epi16(s, _mm_slli_si128(s, 4));
    s = _mm_add_epi16(s, _mm_slli_si128(s, 8));

    // 3. Store the result
    __m128i result = _mm_add_epi16(s, current);
    _mm_storeu_si128((__m128i*)(outputPtr + i), result);

    // 4. Broadcast currentSum for the next iteration
    currentSum = (uint16_t)_mm_extract_epi16(result, 7);
    current = _mm_set1_epi16(currentSum);
  }
  pos += i;
#endif
  // Still keep the sequential loop to process the remainder.
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
