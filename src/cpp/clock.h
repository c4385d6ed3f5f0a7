// The one clock reading of the measurement core (vDSO clock_gettime, nanoseconds).
#pragma once

#include <time.h>

#include <cstdint>

namespace aiopt {

inline int64_t now_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace aiopt
