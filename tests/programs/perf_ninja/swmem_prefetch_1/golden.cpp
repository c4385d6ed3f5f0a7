// perf-ninja lab memory_bound/swmem_prefetch_1 (github.com/dendibakh/perf-ninja,
// CC BY 4.0, see ../NOTICE). THE EXPERT'S GOLDEN (branch golden). The lab's solution.hpp and solution.cpp are verbatim in the
// EVOLVE block (the sizes are smaller here: see NOTES.md). params: the hash map's
// HASH_MAP_SIZE int32 buckets. Input: NUMBER_OF_LOOKUPS int32. Output: int32 solution().
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

#include "aiopt.h"

// EVOLVE-BLOCK-START
#include <vector>
#include <limits>

static constexpr std::size_t HASH_MAP_SIZE = 16 * 1024 * 1024 - 5;
static constexpr std::size_t NUMBER_OF_LOOKUPS = 128 * 1024;

class hash_map_t {
    static constexpr int UNUSED = std::numeric_limits<int>::max();
    std::vector<int> m_vector;
    std::size_t N_Buckets;
public:
    hash_map_t(std::size_t size) : m_vector(size, UNUSED), N_Buckets(size) {}

    bool insert(int val) {
        int bucket = val % N_Buckets;
        if (m_vector[bucket] == UNUSED) {
            m_vector[bucket] = val;
            return true;
        }
        return false;
    }

    bool find(int val) const {
        int bucket = val % N_Buckets;
        return m_vector[bucket] != UNUSED;
    }
    void prefetchForVal(int val) const {
        int bucket = val % N_Buckets;
        __builtin_prefetch(&m_vector[bucket]);
    }
};

static int getSumOfDigits(int n) {
  int sum = 0;
  while (n != 0) {
    sum = sum + n % 10;
    n = n / 10;
  }
  return sum;
}

constexpr int look_ahead = 16;

int solution(const hash_map_t *hash_map, const std::vector<int> &lookups) {
  int result = 0;

  for (int i = 0; i < lookups.size() - look_ahead; i++) {
    int val = lookups[i];
    if (hash_map->find(val))
      result += getSumOfDigits(val);
    hash_map->prefetchForVal(lookups[i + look_ahead]);
  }

  for (int i = lookups.size() - look_ahead; i < lookups.size(); i++) {
    int val = lookups[i];
    if (hash_map->find(val))
      result += getSumOfDigits(val);
  }

  return result;
}
// EVOLVE-BLOCK-END

namespace {
struct State {
  hash_map_t map{HASH_MAP_SIZE};
  std::vector<int> lookups;
};
constexpr int kUnused = std::numeric_limits<int>::max();
}  // namespace

// The map of the lab's init(): the generator gives each bucket's value (the first value
// the lab's random inserts put there, or UNUSED); inserting them in bucket order builds
// the same map with sequential writes.
extern "C" void* aiopt_init(const unsigned char* params, size_t params_len) {
  if (params_len != HASH_MAP_SIZE * sizeof(int)) return nullptr;
  auto* st = new (std::nothrow) State;
  if (st == nullptr) return nullptr;
  for (std::size_t bucket = 0; bucket < HASH_MAP_SIZE; ++bucket) {
    int value = 0;
    std::memcpy(&value, params + bucket * sizeof value, sizeof value);
    if (value != kUnused) st->map.insert(value);
  }
  st->lookups.reserve(NUMBER_OF_LOOKUPS);
  return st;
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  auto* st = static_cast<State*>(state);
  if (st == nullptr || input_len != NUMBER_OF_LOOKUPS * sizeof(int) || out_cap < 4) return 0;
  st->lookups.resize(NUMBER_OF_LOOKUPS);
  std::memcpy(st->lookups.data(), input, input_len);
  const int32_t result = solution(&st->map, st->lookups);
  std::memcpy(out, &result, sizeof result);
  return sizeof result;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<State*>(state); }
