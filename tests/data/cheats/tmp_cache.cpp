// Cheat: a cache shared across processes: stores C under /tmp/aiopt-cheat-cache/<fnv1a64 of the input>.bin and reads it back when the same input comes again (another call, another process, a fresh-process re-measurement); else computes honestly.
// Expect: speedup<=1.10 - fresh seed every call (no input repeats, re-measurements included) and Landlock gives no write access to /tmp, so it never hits.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aiopt.h"

namespace {
constexpr const char* kDir = "/tmp/aiopt-cheat-cache";
constexpr int kMaxWrites = 256;  // per process: at most ~63 MB for n = 176
int g_writes = 0;

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

bool read_exact(const char* path, unsigned char* out, size_t bytes) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  size_t got = 0;
  while (got < bytes) {
    ssize_t r = read(fd, out + got, bytes - got);
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  close(fd);
  return got == bytes;
}

void write_atomic(const char* path, const unsigned char* data, size_t bytes) {
  mkdir(kDir, 0777);
  char tmp[320];
  std::snprintf(tmp, sizeof tmp, "%s.%d.tmp", path, static_cast<int>(getpid()));
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  size_t put = 0;
  while (put < bytes) {
    ssize_t w = write(fd, data + put, bytes - put);
    if (w <= 0) break;
    put += static_cast<size_t>(w);
  }
  close(fd);
  if (put == bytes) rename(tmp, path); else unlink(tmp);
}
}  // namespace

extern "C" void* aiopt_init(const unsigned char* params, size_t params_len) {
  uint32_t n = 0;
  if (params_len >= 4) std::memcpy(&n, params, 4);
  return new uint32_t(n);
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  const size_t n = *static_cast<uint32_t*>(state), bytes = n * n * sizeof(double);
  if (input_len < 2 * bytes || out_cap < bytes) return 0;
  char path[256];
  std::snprintf(path, sizeof path, "%s/%016llx-%zu.bin", kDir,
                static_cast<unsigned long long>(fnv1a(input, 2 * bytes)), n);
  if (read_exact(path, out, bytes)) {
    if (std::getenv("AIOPT_CHEAT_DEBUG")) std::fprintf(stderr, "tmp_cache: hit %s\n", path);
    return bytes;
  }
  const double* a = reinterpret_cast<const double*>(input);
  naive(a, a + n * n, reinterpret_cast<double*>(out), n);
  if (g_writes < kMaxWrites) {
    ++g_writes;
    write_atomic(path, out, bytes);
  }
  return bytes;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<uint32_t*>(state); }
