#include "call_timer.h"

#include <cerrno>
#include <cstring>

#include "clock.h"
#include "worker_protocol.h"

namespace aiopt {
namespace {

// Why a counter ioctl or read failed: the counters' descriptors were closed or replaced
// since they were opened (only candidate code runs in the worker), or the harness's own
// fault.
CounterReadError counter_failure(const CounterSet& counters, const char* what) {
  const std::string cause = std::strerror(errno);
  if (!counters.descriptors_intact()) {
    return CounterReadError(std::string(protocol::kDescriptorsTampered) + what + cause +
                            "; the counters' file descriptors were closed or replaced");
  }
  return CounterReadError(what + cause);
}

}  // namespace

CallTiming timed_call(CandidateState& state, const unsigned char* input, size_t input_len,
                      unsigned char* out, size_t out_cap, CounterSet* counters,
                      double* counter_values) {
  if (counters != nullptr && !counters->start()) {
    throw counter_failure(*counters, "perf counter enable failed: ");
  }
  CallTiming timing;
  const int64_t cpu0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
  const int64_t wall0 = now_ns(CLOCK_MONOTONIC);
  try {
    timing.n = state.run(input, input_len, out, out_cap);
  } catch (...) {
    if (counters != nullptr) counters->stop();
    throw;
  }
  const int64_t wall1 = now_ns(CLOCK_MONOTONIC);
  const int64_t cpu1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
  if (counters != nullptr && !counters->descriptors_intact()) {
    // Not read: a descriptor replaced by one of the candidate's pipes could block.
    throw CounterReadError(std::string(protocol::kDescriptorsTampered) +
                           "the counters' file descriptors were closed or replaced");
  }
  if (counters != nullptr && !counters->stop_and_read(counter_values)) {
    throw counter_failure(*counters, "perf counter read failed: ");
  }
  timing.wall_ns = wall1 - wall0;
  timing.cpu_ns = cpu1 - cpu0;
  return timing;
}

}  // namespace aiopt
