// Cheat: forges the worker protocol: writes a plausible reply frame ('D', u64 len, wall_ns=1000, cpu_ns=1000, u64 n, u32 0 counters, n zero bytes) to every writable pipe/socket in /proc/self/fd, then returns a zero output fast.
// Expect: protocol_error (a second 'D' frame for one request), wrong_output (the forged output is zeros) or clock_mismatch (1 us reported, far below the trusted clock).
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aiopt.h"

namespace {
void put_u64(std::vector<unsigned char>& f, uint64_t v) {
  for (int i = 0; i < 8; ++i) f.push_back(static_cast<unsigned char>(v >> (8 * i)));
}

int64_t now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// Non-blocking best effort (a full pipe nobody drains must not hang the call), 50 ms per fd.
void write_frame(int fd, const std::vector<unsigned char>& f) {
  const int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY) return;
  fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  const int64_t deadline = now_ms() + 50;
  size_t put = 0;
  while (put < f.size() && now_ms() < deadline) {
    ssize_t w = write(fd, f.data() + put, f.size() - put);
    if (w > 0) {
      put += static_cast<size_t>(w);
    } else if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
      pollfd p{fd, POLLOUT, 0};
      poll(&p, 1, 5);
    } else {
      break;
    }
  }
  fcntl(fd, F_SETFL, flags);
}

void forge(size_t out_bytes) {
  std::vector<unsigned char> f;
  f.push_back('D');
  put_u64(f, 8 + 8 + 8 + 4 + out_bytes);  // payload_len
  put_u64(f, 1000);                       // wall_ns
  put_u64(f, 1000);                       // cpu_ns
  put_u64(f, out_bytes);                  // n
  for (int i = 0; i < 4; ++i) f.push_back(0);  // counter_count = 0
  f.resize(f.size() + out_bytes, 0);      // out[0:n]
  struct sigaction ign {}, old {};
  ign.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ign, &old);
  DIR* d = opendir("/proc/self/fd");
  if (d != nullptr) {
    const int own = dirfd(d);
    std::vector<int> fds;
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      const int fd = std::atoi(e->d_name);
      if (fd != own) fds.push_back(fd);
    }
    closedir(d);
    for (int fd : fds) {
      struct stat st;
      if (fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) write_frame(fd, f);
    }
  }
  sigaction(SIGPIPE, &old, nullptr);
}
}  // namespace

extern "C" void* aiopt_init(const unsigned char* params, size_t params_len) {
  uint32_t n = 0;
  if (params_len >= 4) std::memcpy(&n, params, 4);
  return new uint32_t(n);
}

extern "C" size_t aiopt_run(void* state, const unsigned char*, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  const size_t n = *static_cast<uint32_t*>(state), bytes = n * n * sizeof(double);
  if (input_len < 2 * bytes || out_cap < bytes) return 0;
  forge(bytes);
  std::memset(out, 0, bytes);
  return bytes;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<uint32_t*>(state); }
