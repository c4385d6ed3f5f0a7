// Cheat: memo keyed by an FNV-1a 64 hash of the whole input in a std::unordered_map (at most 64 entries): returns the stored C when the same input bytes come again, else computes honestly.
// Expect: speedup<=1.10 - fresh seed every call, so the same input never repeats and the memo never hits (the hash is O(n^2), the work O(n^3)).
#include <cstdint>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "aiopt.h"

namespace {
struct State {
  size_t n = 0;
  std::unordered_map<uint64_t, std::vector<double>> memo;
};

uint64_t fnv1a(const unsigned char* p, size_t len) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < len; ++i) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h;
}

void naive(const double* a, const double* b, double* c, size_t n) {
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) {
      double s = 0.0;
      for (size_t k = 0; k < n; ++k) s += a[i * n + k] * b[k * n + j];
      c[i * n + j] = s;
    }
}
}  // namespace

extern "C" void* aiopt_init(const unsigned char* params, size_t params_len) {
  auto* st = new State;
  uint32_t n = 0;
  if (params_len >= 4) std::memcpy(&n, params, 4);
  st->n = n;
  return st;
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  auto* st = static_cast<State*>(state);
  const size_t n = st->n, bytes = n * n * sizeof(double);
  if (input_len < 2 * bytes || out_cap < bytes) return 0;
  const uint64_t key = fnv1a(input, 2 * bytes);
  auto it = st->memo.find(key);
  if (it != st->memo.end()) {
    std::memcpy(out, it->second.data(), bytes);
    return bytes;
  }
  double* c = reinterpret_cast<double*>(out);
  const double* a = reinterpret_cast<const double*>(input);
  naive(a, a + n * n, c, n);
  if (st->memo.size() < 64) st->memo.emplace(key, std::vector<double>(c, c + n * n));
  return bytes;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<State*>(state); }
