// Planted: matmul's initial program, then 8 MiB of fresh pages per call (mmap, write, munmap).
// Dense matrix multiplication: C = A * B for n x n matrices of doubles.
// params: uint32 n. Input: A then B, n * n float64 each, row-major. Output: C, likewise.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <vector>

#include <sys/mman.h>

#include "aiopt.h"

struct Matmul {
  int n = 0;
  std::vector<double> a, b, c;
};

// EVOLVE-BLOCK-START
static double touch_fresh_pages() {
  const size_t bytes = size_t{8} << 20;
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 0.0;
  std::memset(p, 1, bytes);  // planted: page-faults
  const double first = static_cast<const unsigned char*>(p)[bytes - 1];
  munmap(p, bytes);
  return first;
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
  if (touch_fresh_pages() < 0.0) c[0] = 0.0;
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
