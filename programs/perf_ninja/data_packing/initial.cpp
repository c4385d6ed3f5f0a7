// perf-ninja lab memory_bound/data_packing (github.com/dendibakh/perf-ninja, CC BY 4.0, see
// ../NOTICE). The lab's solution.h (N is smaller here: see NOTES.md) and solution.cpp are
// verbatim in the EVOLVE block; its create_entry (init.cpp) follows it. params: none.
// Input: N (first, second) uint8 pairs, each in [0, 99]. Output: an order-free digest of
// the sorted array, int64: per key, count and sums of l, s, b and d * 100; then 1 if the
// keys are in order (solution() shuffles with std::random_device: equal keys reorder).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

#include "aiopt.h"

// EVOLVE-BLOCK-START
#include <vector>

// Assume those constants never change
constexpr int N = 300000;
constexpr int minRandom = 0;
constexpr int maxRandom = 100;

// FIXME: this data structure can be reduced in size
struct S {
  int i;
  long long l;
  short s;
  double d;
  bool b;

  bool operator<(const S &s) const { return this->i < s.i; }
};

#include <algorithm>
#include <array>
#include <random>

void solution(std::vector<S> &arr) {
  // 1. shuffle
  static std::random_device rd;
  static std::mt19937 g(rd());
  std::shuffle(arr.begin(), arr.end(), g);

  // 2. counting sort
  constexpr int cntSize = maxRandom - minRandom + 1;
  std::array<int, cntSize> cnt{};
  for (const auto& v : arr) {
    ++cnt[v.i - minRandom + 1];
  }
  for (int i = 1; i < cntSize; ++i) {
    cnt[i] += cnt[i - 1];
  }
  std::vector<S> sorted(N);
  for (const auto& v : arr) {
    sorted[cnt[v.i - minRandom]++] = v;
  }
  arr = sorted;
}
// EVOLVE-BLOCK-END

// ---- init.cpp ----
S create_entry(int first_value, int second_value) {
  S entry;

  entry.i = first_value;
  entry.s = static_cast<short>(second_value);
  entry.l = static_cast<long long>(first_value * second_value);
  entry.d = static_cast<double>(first_value) / maxRandom;
  entry.b = first_value < second_value;

  return entry;
}

namespace {
constexpr size_t kFields = 5;  // count, l, s, b, d * 100
constexpr size_t kDigest = (maxRandom * kFields + 1) * sizeof(int64_t);
}  // namespace

extern "C" void* aiopt_init(const unsigned char*, size_t) {
  return new (std::nothrow) std::vector<S>(N);
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  auto* arr = static_cast<std::vector<S>*>(state);
  if (arr == nullptr || input_len != 2 * size_t{N}) return 0;
  if (out_cap < kDigest) return out_cap + 1;
  arr->resize(N);
  for (int k = 0; k < N; k++) {
    const int first = input[2 * k], second = input[2 * k + 1];
    if (first >= maxRandom || second >= maxRandom) return 0;
    (*arr)[k] = create_entry(first, second);
  }
  solution(*arr);
  int64_t digest[maxRandom * kFields + 1] = {};
  int64_t in_order = arr->size() == static_cast<size_t>(N) ? 1 : 0;
  int previous = minRandom;
  for (const S& v : *arr) {
    const int key = v.i;
    if (key < minRandom || key >= maxRandom || key < previous) {
      in_order = 0;
      break;
    }
    previous = key;
    int64_t* slot = digest + kFields * static_cast<size_t>(key - minRandom);
    slot[0] += 1;
    slot[1] += static_cast<int64_t>(v.l);
    slot[2] += static_cast<int64_t>(v.s);
    slot[3] += v.b ? 1 : 0;
    slot[4] += std::llround(static_cast<double>(v.d) * maxRandom);
  }
  digest[maxRandom * kFields] = in_order;
  std::memcpy(out, digest, kDigest);
  return kDigest;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<std::vector<S>*>(state); }
