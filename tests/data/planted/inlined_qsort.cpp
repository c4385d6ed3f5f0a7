// Planted (perf-ninja's function_inlining_1, adapted): matmul's initial program, then a qsort
// of 10000 keys with a comparison callback, in a function the compiler inlines into the
// wrapper outside the EVOLVE block; the sort's call is the last thing it does.
// Dense matrix multiplication: C = A * B for n x n matrices of doubles.
// params: uint32 n. Input: A then B, n * n float64 each, row-major. Output: C, likewise.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "aiopt.h"

struct Matmul {
  int n = 0;
  std::vector<double> a, b, c;
};

// EVOLVE-BLOCK-START
struct Keys {
  uint32_t key1, key2;
};

static Keys keys[10000];

static int compare(const void* lhs, const void* rhs) {
  const Keys& a = *static_cast<const Keys*>(lhs);
  const Keys& b = *static_cast<const Keys*>(rhs);
  if (a.key1 != b.key1) return a.key1 < b.key1 ? -1 : 1;
  if (a.key2 != b.key2) return a.key2 < b.key2 ? -1 : 1;
  return 0;
}

static void sort_keys(const double* a, int count) {
  for (int i = 0; i < 10000; ++i) {
    keys[i].key1 = static_cast<uint32_t>(a[i % count] * 9000.0) % 9001u;
    keys[i].key2 = static_cast<uint32_t>(i * 2654435761u) % 9001u;
  }
  qsort(keys, 10000, sizeof(Keys), compare);  // planted: inlined-qsort
}

static void multiply(int n, const double* a, const double* b, double* c) {
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      double sum = 0.0;
      for (int k = 0; k < n; ++k) {
        sum += a[i * n + k] * b[k * n + j];
      }
      c[i * n + j] = sum;
    }
  }
  sort_keys(a, n * n);
}
// EVOLVE-BLOCK-END

extern "C" void* aiopt_init(const unsigned char* params, size_t len) {
  uint32_t n = 0;
  if (len != sizeof n) return nullptr;
  std::memcpy(&n, params, sizeof n);  // little-endian uint32
  if (n == 0 || n > 4096) return nullptr;
  auto* m = new (std::nothrow) Matmul;
  if (m == nullptr) return nullptr;
  m->n = static_cast<int>(n);
  const size_t count = static_cast<size_t>(n) * n;
  m->a.resize(count);
  m->b.resize(count);
  m->c.resize(count);
  return m;
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  auto* m = static_cast<Matmul*>(state);
  if (m == nullptr) return 0;
  const size_t bytes = m->c.size() * sizeof(double);
  if (input_len != 2 * bytes) return 0;
  if (bytes > out_cap) return bytes;
  const double* a = reinterpret_cast<const double*>(input);
  if (reinterpret_cast<uintptr_t>(input) % alignof(double) != 0) {
    // A misaligned input buffer: copy A and B into aligned scratch first.
    std::memcpy(m->a.data(), input, bytes);
    std::memcpy(m->b.data(), input + bytes, bytes);
    a = m->a.data();
  }
  const double* b = a == m->a.data() ? m->b.data() : a + m->c.size();
  const bool aligned_out = reinterpret_cast<uintptr_t>(out) % alignof(double) == 0;
  double* c = aligned_out ? reinterpret_cast<double*>(out) : m->c.data();
  multiply(m->n, a, b, c);
  if (!aligned_out) std::memcpy(out, m->c.data(), bytes);
  return bytes;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<Matmul*>(state); }
