#include "call_timer.h"

#include <sched.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace aiopt {
namespace {

int64_t now_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace

void check_call_order(const std::vector<int>& order, size_t count) {
  for (int index : order) {
    if (index < 0 || static_cast<size_t>(index) >= count) {
      throw std::out_of_range("call order names a state that does not exist");
    }
  }
}

TimedCalls time_calls(const std::vector<CandidateState*>& states, const std::vector<int>& order,
                      const CounterSet* counters) {
  check_call_order(order, states.size());
  TimedCalls calls;
  calls.wall_ns.resize(order.size());
  calls.cpu_ns.resize(order.size());
  calls.counter_count = counters != nullptr ? counters->counter_count() : 0;
  calls.counters.resize(order.size() * calls.counter_count);
  std::vector<uint64_t> before;
  std::vector<uint64_t> after;
  if (counters != nullptr) {
    before.reserve(counters->snapshot_words());
    after.reserve(counters->snapshot_words());
  }
  for (size_t i = 0; i < order.size(); ++i) {
    CandidateState* state = states[static_cast<size_t>(order[i])];
    // Counters are read outside the clock readings: the wall time holds only the call
    // and two vDSO clock reads.
    if (counters != nullptr && !counters->snapshot(before)) {
      throw CounterReadError(std::string("perf counter read failed: ") + std::strerror(errno));
    }
    const int64_t cpu0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
    const int64_t wall0 = now_ns(CLOCK_MONOTONIC);
    state->run();
    const int64_t wall1 = now_ns(CLOCK_MONOTONIC);
    const int64_t cpu1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
    if (counters != nullptr) {
      if (!counters->snapshot(after)) {
        throw CounterReadError(std::string("perf counter read failed: ") +
                                 std::strerror(errno));
      }
      counters->deltas(before, after, calls.counters.data() + i * calls.counter_count);
    }
    calls.wall_ns[i] = wall1 - wall0;
    calls.cpu_ns[i] = cpu1 - cpu0;
  }
  return calls;
}

std::string pin_current_thread(int cpu) {
  if (cpu < 0 || cpu >= CPU_SETSIZE) return "CPU number out of range: " + std::to_string(cpu);
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof(set), &set) != 0) {
    return "sched_setaffinity(CPU " + std::to_string(cpu) + "): " + std::strerror(errno);
  }
  return "";
}

int current_cpu() { return sched_getcpu(); }

}  // namespace aiopt
