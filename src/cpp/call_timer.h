// The timed loop: calls aiopt_run of one or more candidate states in a given order and
// records wall time, thread CPU time and counter deltas of every call.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "perf_counters.h"
#include "shared_library.h"

namespace aiopt {

// A perf counter read failed: the harness's problem, not the candidate's.
class CounterReadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws std::out_of_range unless every index in order names one of count states.
void check_call_order(const std::vector<int>& order, size_t count);

struct TimedCalls {
  std::vector<int64_t> wall_ns;
  std::vector<int64_t> cpu_ns;
  std::vector<double> counters;  // calls x counter_count, row-major; NaN = not scheduled
  size_t counter_count = 0;
};

// Calls states[order[i]]->run() for every i. counters may be null.
// Throws whatever the candidate throws; CounterReadError when a counter read fails.
TimedCalls time_calls(const std::vector<CandidateState*>& states, const std::vector<int>& order,
                      const CounterSet* counters);

// Pins the calling thread to one CPU. Returns an empty string or the error.
std::string pin_current_thread(int cpu);

// The CPU the calling thread runs on now.
int current_cpu();

}  // namespace aiopt
