// perf-ninja lab core_bound/dep_chains_1 (github.com/dendibakh/perf-ninja, CC BY 4.0, see
// ../NOTICE). The lab's solution.cpp is verbatim in the EVOLVE block; its solution.hpp and
// arena.hpp are above it (N is smaller here: see NOTES.md). params: none.
// Input: uint32 n1, n2, then n1 and n2 uint32 values (each list's values, in list order).
// Output: uint32, the lab's solution(l1, l2).
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <new>
#include <vector>

#include "aiopt.h"

// ---- arena.hpp ----
// Simplest one-time arena allocator
// T - type of objects.
// N - size in bytes.
// Allocate objects of T consecutively.
template <class T, size_t N> class Arena {
public:
  Arena() : curPtr(arena) {}

  Arena(const Arena &) = delete;
  Arena &operator=(const Arena &) = delete;

  T *allocate() {
    auto endPtr = arena + N;
    if (endPtr - curPtr < sizeof(T))
      return nullptr;

    T *savePtr = (T *)curPtr;
    curPtr += sizeof(T);
    return savePtr;
  }
  // no dealloc method - rely on RAII to dealloc arena

private:
  alignas(128) std::byte arena[N];
  std::byte *curPtr = nullptr;
};

// ---- solution.hpp ----
constexpr unsigned N = 3000;
using RandomRangeT = unsigned short;

struct List {
  List *next;
  unsigned value;
};

using ArenaListAllocator = Arena<List, sizeof(List) * N>;

// EVOLVE-BLOCK-START
unsigned getSumOfDigits(unsigned n) {
  unsigned sum = 0;
  while (n != 0) {
    sum = sum + n % 10;
    n = n / 10;
  }
  return sum;
}

// Task: lookup all the values from l2 in l1.
// For every found value, find the sum of its digits.
// Return the sum of all digits in every found number.
// Both lists have no duplicates and elements placed in *random* order.
// Do NOT sort any of the lists. Do NOT store elements in a hash_map/sets.

// Hint: Traversing a linked list is a long data dependency chain:
//       to get the node N+1 you need to retrieve the node N first.
//       Think how you can execute multiple dependency chains in parallel.
unsigned solution(List *l1, List *l2) {
  unsigned retVal = 0;

  List *head2 = l2;
  // O(N^2) algorithm:
  while (l1) {
    unsigned v = l1->value;
    l2 = head2;
    while (l2) {
      if (l2->value == v) {
        retVal += getSumOfDigits(v);
        break;
      }
      l2 = l2->next;
    }
    l1 = l1->next;
  }

  return retVal;
}
// EVOLVE-BLOCK-END

namespace {
struct State {
  ArenaListAllocator arena1;
  ArenaListAllocator arena2;
};

// The lab's getRandomList (init.cpp), with the values from the input: a head node of
// value 0, then one node per value, allocated consecutively in the arena.
List *buildList(ArenaListAllocator &allocator, const unsigned char *values, uint32_t n) {
  List *head = allocator.allocate();
  if (!head) return nullptr;
  head->value = 0;
  head->next = nullptr;
  List *l = head;
  for (uint32_t i = 0; i < n; ++i) {
    List *node = allocator.allocate();
    if (!node) return nullptr;
    std::memcpy(&node->value, values + 4 * size_t{i}, 4);
    node->next = nullptr;
    l->next = node;
    l = node;
  }
  return head;
}
}  // namespace

extern "C" void* aiopt_init(const unsigned char*, size_t) {
  return ::operator new(sizeof(State), std::align_val_t{128}, std::nothrow);
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  if (state == nullptr || input_len < 8 || out_cap < 4) return 0;
  uint32_t n1 = 0, n2 = 0;
  std::memcpy(&n1, input, 4);
  std::memcpy(&n2, input + 4, 4);
  if (n1 >= N || n2 >= N || input_len != 8 + 4 * (size_t{n1} + n2)) return 0;
  auto *st = static_cast<State *>(state);
  auto *arena1 = new (&st->arena1) ArenaListAllocator;  // fresh arenas every call
  auto *arena2 = new (&st->arena2) ArenaListAllocator;
  List *l1 = buildList(*arena1, input + 8, n1);
  List *l2 = buildList(*arena2, input + 8 + 4 * size_t{n1}, n2);
  if (!l1 || !l2) return 0;
  const uint32_t result = solution(l1, l2);
  std::memcpy(out, &result, 4);
  return 4;
}

extern "C" void aiopt_fini(void* state) {
  ::operator delete(state, std::align_val_t{128}, std::nothrow);
}
