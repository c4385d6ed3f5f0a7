// One timed call of aiopt_run: a counter window around two clock readings around the call.
// Only the aiopt-worker links it: no process but a sandboxed worker runs candidate code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "perf_counters.h"
#include "shared_library.h"

namespace aiopt {

struct CallTiming {
  int64_t wall_ns = 0;  // CLOCK_MONOTONIC
  int64_t cpu_ns = 0;   // CLOCK_THREAD_CPUTIME_ID of the calling thread
  size_t n = 0;         // what aiopt_run returned (may exceed out_cap: the caller checks)
};

// counters->start(); thread CPU clock; wall clock; n = aiopt_run(...); wall clock; thread
// CPU clock; counters->stop_and_read(counter_values). The wall interval holds only the
// call and two vDSO clock reads. counters may be null (counter_values is then unused).
// Throws whatever the candidate throws (the counter window closed first) and
// CounterReadError when a counter ioctl or read fails.
CallTiming timed_call(CandidateState& state, const unsigned char* input, size_t input_len,
                      unsigned char* out, size_t out_cap, CounterSet* counters,
                      double* counter_values);

}  // namespace aiopt
