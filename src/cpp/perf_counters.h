// perf_event counters for the measuring thread: groups opened with perf_event_open,
// read with one read() per group, deltas scaled for multiplexing. Nothing else.
#pragma once

#include <linux/perf_event.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "file_descriptor.h"

namespace aiopt {

// One countable event, by the name the harness reports it under.
struct EventSpec {
  std::string name;
  uint32_t type;
  uint64_t config;
  bool needs_kernel;  // meaningless when only user space is counted (context switches)
};

// All events the harness knows, hardware first.
const std::vector<EventSpec>& known_events();
std::optional<EventSpec> find_event(const std::string& name);

// The default grouping: hardware events in groups small enough for any PMU, then software.
std::vector<std::vector<std::string>> default_event_groups();

// perf_event_open replacement: returns an fd, or -errno on failure. Tests inject failures.
using PerfOpenFn = std::function<int(perf_event_attr*, pid_t, int, int, unsigned long)>;
PerfOpenFn system_perf_open();

// What opening one event gave.
struct CounterStatus {
  std::string name;
  bool available = false;
  bool user_space_only = false;  // kernel counting was refused; counts user space only
  std::string reason;            // why it is unavailable (empty when available)
};

// The multiplex-scaled delta of one counter between two reads, or nothing when the
// counter was not scheduled at all in between.
std::optional<double> scaled_delta(uint64_t value_before, uint64_t value_after,
                                   uint64_t enabled_before, uint64_t enabled_after,
                                   uint64_t running_before, uint64_t running_after);

// One group of counters; the first event that opens becomes the leader.
class CounterGroup {
 public:
  CounterGroup(const std::vector<EventSpec>& events, const PerfOpenFn& open_fn);

  const std::vector<CounterStatus>& statuses() const { return statuses_; }
  size_t open_count() const { return members_.size(); }

  // Reads the group (one read()): time_enabled, time_running, then one value per status
  // entry (0 for unavailable ones) appended to out. Returns false on a failed read.
  bool read(std::vector<uint64_t>& out) const;
  size_t words_per_read() const { return 2 + statuses_.size(); }

 private:
  struct Member {
    size_t status_index;
    uint64_t id;
    FileDescriptor fd;
  };
  std::vector<CounterStatus> statuses_;
  std::vector<Member> members_;  // members_[0] is the leader
  mutable std::vector<uint64_t> buffer_;
};

// All groups of one measurement, enabled on construction.
class CounterSet {
 public:
  CounterSet(const std::vector<std::vector<std::string>>& groups, const PerfOpenFn& open_fn);

  std::vector<CounterStatus> statuses() const;
  size_t counter_count() const;
  size_t snapshot_words() const;
  // Reads every group into snapshot (snapshot_words() entries).
  bool snapshot(std::vector<uint64_t>& snapshot) const;
  // Scaled per-counter deltas between two snapshots; NaN where not scheduled.
  void deltas(const std::vector<uint64_t>& before, const std::vector<uint64_t>& after,
              double* out) const;

 private:
  std::vector<CounterGroup> groups_;
};

// A human-readable reason for a failed perf_event_open.
std::string describe_open_error(int err, const EventSpec& event);

}  // namespace aiopt
