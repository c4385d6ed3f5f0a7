// Test hook: perf_event_open failures injected per event name (errno values), so the
// failure paths run on machines with or without a PMU alike.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "perf_counters.h"

namespace aiopt {

using InjectedErrors = std::map<std::string, int>;  // event name -> errno

// The system's perf_event_open, failing with the given errno for the named events.
// Throws std::invalid_argument for a name that is not a known event.
PerfOpenFn open_fn_with_injected_errors(const InjectedErrors& inject);

// Statuses with " [injected failure]" appended to the reason of every injected failure.
std::vector<CounterStatus> mark_injected(std::vector<CounterStatus> statuses,
                                         const InjectedErrors& inject);

// Parses "NAME=ERRNO,NAME=ERRNO" (decimal errno values; "" is none). Throws
// std::invalid_argument on malformed text or unknown events.
InjectedErrors parse_injected_errors(const std::string& text);

}  // namespace aiopt
