// perf_event counters for the measuring thread: groups opened with perf_event_open,
// counting only inside explicit windows (reset+enable ... disable+read, one read() per
// group), values scaled for multiplexing. Nothing else.
#pragma once

#include <linux/perf_event.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "file_descriptor.h"

namespace aiopt {

// A perf counter ioctl or read failed: the harness's problem, not the candidate's, unless
// its message starts with protocol::kDescriptorsTampered (worker_wire.def: the counters'
// descriptors were closed or replaced after they were opened; only code running in the
// worker, the candidate's, can).
class CounterReadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};


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

// One group of counters; the first event that opens becomes the leader. Opened disabled.
class CounterGroup {
 public:
  CounterGroup(const std::vector<EventSpec>& events, const PerfOpenFn& open_fn);

  const std::vector<CounterStatus>& statuses() const { return statuses_; }
  size_t open_count() const { return members_.size(); }

  // PERF_EVENT_IOC_RESET then PERF_EVENT_IOC_ENABLE on the whole group (two ioctls).
  bool reset_and_enable() const;
  // PERF_EVENT_IOC_DISABLE on the whole group.
  bool disable() const;

  // Reads the group (one read()): time_enabled, time_running, then one value per status
  // entry (0 for unavailable ones) appended to out. Returns false on a failed read.
  bool read(std::vector<uint64_t>& out) const;
  size_t words_per_read() const { return 2 + statuses_.size(); }
  // Whether every member's descriptor still refers to the event it opened (fstat's
  // device and inode as at open).
  bool intact() const;

 private:
  struct Member {
    size_t status_index;
    uint64_t id;
    FileDescriptor fd;
    uint64_t device = 0;
    uint64_t inode = 0;
  };
  std::vector<CounterStatus> statuses_;
  std::vector<Member> members_;  // members_[0] is the leader
  mutable std::vector<uint64_t> buffer_;
};

// All groups of one measurement. They count only inside a window:
//   start()          resets and enables every group;
//   stop_and_read()  disables every group, then reads each one and gives every counter's
//                    multiplex-scaled count for the window (NaN when the counter is
//                    unavailable or was not scheduled at all during the window);
//   stop()           ends a window without reading it (after a failure in between).
// Nothing counts between windows, so a window's time_enabled/time_running are the
// difference to the reading that ended the previous window.
class CounterSet {
 public:
  CounterSet(const std::vector<std::vector<std::string>>& groups, const PerfOpenFn& open_fn);

  std::vector<CounterStatus> statuses() const;
  size_t counter_count() const;

  bool start();
  // Writes counter_count() values to out.
  bool stop_and_read(double* out);
  void stop();
  // Whether every counter descriptor is still the one opened (CounterGroup::intact).
  bool descriptors_intact() const;

 private:
  bool disable_all() const;
  bool read_all(std::vector<uint64_t>& words) const;

  std::vector<CounterGroup> groups_;
  std::vector<uint64_t> last_;  // the reading that ended the previous window
  std::vector<uint64_t> now_;
  bool synced_ = false;         // last_ holds the current times of every group
};

// A human-readable reason for a failed perf_event_open.
std::string describe_open_error(int err, const EventSpec& event);

}  // namespace aiopt
