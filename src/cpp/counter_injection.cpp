#include "counter_injection.h"

#include <cstdlib>
#include <stdexcept>
#include <utility>

#include "errno_list.h"

namespace aiopt {

PerfOpenFn open_fn_with_injected_errors(const InjectedErrors& inject) {
  for (const auto& entry : inject) {
    if (!find_event(entry.first)) throw std::invalid_argument("unknown perf event: " + entry.first);
  }
  PerfOpenFn real = system_perf_open();
  if (inject.empty()) return real;
  return [real, inject](perf_event_attr* attr, pid_t pid, int cpu, int group, unsigned long f) {
    for (const EventSpec& event : known_events()) {
      if (event.type == attr->type && event.config == attr->config) {
        auto found = inject.find(event.name);
        if (found != inject.end()) return -found->second;
      }
    }
    return real(attr, pid, cpu, group, f);
  };
}

std::vector<CounterStatus> mark_injected(std::vector<CounterStatus> statuses,
                                         const InjectedErrors& inject) {
  for (CounterStatus& status : statuses) {
    if (!status.reason.empty() && inject.count(status.name) != 0) {
      status.reason += " [injected failure]";
    }
  }
  return statuses;
}

InjectedErrors parse_injected_errors(const std::string& text) {
  InjectedErrors inject = parse_errno_list(text);
  for (const auto& [name, error] : inject) {
    if (!find_event(name)) throw std::invalid_argument("unknown perf event: " + name);
  }
  return inject;
}

}  // namespace aiopt
