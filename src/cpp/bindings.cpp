// Python bindings of the measurement core. The only file that knows about Python.
//
// The module never loads or runs candidate code: candidates run only in sandboxed
// aiopt-worker processes (worker_main.cpp), and this module links neither the loader
// (shared_library) nor the timed call (call_timer). It gives Python the perf_event
// counters' names, statuses and arithmetic, CPU pinning and the crash note.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "counter_injection.h"
#include "cpu_pinning.h"
#include "crash_note.h"
#include "perf_counters.h"

namespace py = pybind11;

namespace aiopt {
namespace {

struct PyCounters {
  PyCounters(const std::vector<std::vector<std::string>>& groups, const InjectedErrors& inject)
      : set(groups, open_fn_with_injected_errors(inject)), injected(inject) {}
  CounterSet set;
  InjectedErrors injected;
};

py::list counter_statuses(const PyCounters& counters) {
  py::list list;
  for (const CounterStatus& status : mark_injected(counters.set.statuses(), counters.injected)) {
    py::dict entry;
    entry["name"] = status.name;
    entry["available"] = status.available;
    entry["user_space_only"] = status.user_space_only;
    entry["reason"] = status.reason;
    list.append(entry);
  }
  return list;
}

}  // namespace
}  // namespace aiopt

PYBIND11_MODULE(_core, m) {
  using namespace aiopt;
  m.doc() = "aiopt-harness measurement core: perf_event counters, CPU pinning, crash note";

  py::class_<PyCounters>(m, "Counters", "perf_event counter groups of the calling thread")
      .def(py::init<const std::vector<std::vector<std::string>>&, const InjectedErrors&>(),
           py::arg("groups"), py::arg("inject_counter_errno") = InjectedErrors{})
      .def("statuses", &counter_statuses)
      .def("names", [](const PyCounters& c) {
        std::vector<std::string> names;
        for (const CounterStatus& s : c.set.statuses()) names.push_back(s.name);
        return names;
      });

  m.def("default_event_groups", &default_event_groups);
  m.def("known_events", [] {
    std::vector<std::string> names;
    for (const EventSpec& e : known_events()) names.push_back(e.name);
    return names;
  });
  m.def("scaled_delta", &scaled_delta, py::arg("value_before"), py::arg("value_after"),
        py::arg("enabled_before"), py::arg("enabled_after"), py::arg("running_before"),
        py::arg("running_after"));
  m.def("describe_open_error", [](int err, const std::string& name) {
    std::optional<EventSpec> event = find_event(name);
    if (!event) throw std::invalid_argument("unknown perf event: " + name);
    return describe_open_error(err, *event);
  });
  m.def("pin_current_thread", &pin_current_thread, py::arg("cpu"));
  m.def("current_cpu", &current_cpu);
  m.def("install_crash_note", &install_crash_note, py::arg("path"));
}
