#include "counter_injection.h"

#include <cstdlib>
#include <stdexcept>
#include <utility>

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
  InjectedErrors inject;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find(',', at);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(at, end - at);
    const size_t equals = item.find('=');
    if (equals == std::string::npos || equals == 0 || equals + 1 == item.size()) {
      throw std::invalid_argument("expected NAME=ERRNO, got '" + item + "'");
    }
    const std::string name = item.substr(0, equals);
    const std::string number = item.substr(equals + 1);
    char* rest = nullptr;
    const long err = std::strtol(number.c_str(), &rest, 10);
    if (*rest != '\0' || err <= 0 || err > 4095) {
      throw std::invalid_argument("bad errno value '" + number + "' for " + name);
    }
    if (!find_event(name)) throw std::invalid_argument("unknown perf event: " + name);
    inject[name] = static_cast<int>(err);
    at = end + 1;
  }
  return inject;
}

}  // namespace aiopt
