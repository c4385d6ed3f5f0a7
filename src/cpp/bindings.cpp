// Python bindings of the measurement core. The only file that knows about Python.
#include <cxxabi.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <new>
#include <string>
#include <typeinfo>
#include <vector>

#include "call_timer.h"
#include "crash_note.h"
#include "perf_counters.h"
#include "shared_library.h"

namespace py = pybind11;

namespace aiopt {
namespace {

// Thrown (to Python) when candidate code throws; CandidateOutOfMemory for std::bad_alloc.
struct CandidateThrew {
  std::string message;
  bool out_of_memory;
};

std::string demangled_type(const std::type_info& type) {
  int status = 0;
  char* name = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  std::string result = status == 0 && name != nullptr ? name : type.name();
  std::free(name);
  return result;
}

// Runs candidate code, turning whatever it throws into CandidateThrew.
template <typename F>
auto guarded(const char* where, F&& call) -> decltype(call()) {
  try {
    return call();
  } catch (const CounterReadError&) {
    throw;  // the harness's own failure
  } catch (const std::bad_alloc& e) {
    throw CandidateThrew{std::string(where) + " threw std::bad_alloc (allocation failed)", true};
  } catch (const std::exception& e) {
    throw CandidateThrew{std::string(where) + " threw " + demangled_type(typeid(e)) + ": " +
                             e.what(),
                         false};
  } catch (...) {
    throw CandidateThrew{std::string(where) + " threw a non-standard exception", false};
  }
}

struct PyProgram {
  explicit PyProgram(const std::string& path) : library(std::make_shared<SharedLibrary>(path)) {}
  std::shared_ptr<SharedLibrary> library;
};

struct PyState {
  PyState(const PyProgram& program, const py::bytes& input) : library(program.library) {
    std::string data = input;
    std::vector<unsigned char> bytes(data.begin(), data.end());
    state = guarded("aiopt_init", [&] { return std::make_unique<CandidateState>(*library, bytes); });
  }
  std::shared_ptr<SharedLibrary> library;  // the code must outlive the state
  std::unique_ptr<CandidateState> state;
};

PerfOpenFn open_fn_with_injected_errors(const std::map<std::string, int>& inject) {
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

struct PyCounters {
  PyCounters(const std::vector<std::vector<std::string>>& groups,
             const std::map<std::string, int>& inject)
      : set(groups, open_fn_with_injected_errors(inject)) {
    for (const auto& entry : inject) {
      if (!find_event(entry.first)) throw std::invalid_argument("unknown perf event: " + entry.first);
    }
    injected = inject;
  }
  CounterSet set;
  std::map<std::string, int> injected;
};

py::list counter_statuses(const PyCounters& counters) {
  py::list list;
  for (const CounterStatus& status : counters.set.statuses()) {
    py::dict entry;
    entry["name"] = status.name;
    entry["available"] = status.available;
    entry["user_space_only"] = status.user_space_only;
    std::string reason = status.reason;
    if (!reason.empty() && counters.injected.count(status.name) != 0) {
      reason += " [injected failure]";
    }
    entry["reason"] = reason;
    list.append(entry);
  }
  return list;
}

template <typename T>
py::array_t<T> to_array(const std::vector<T>& values) {
  py::array_t<T> array(static_cast<py::ssize_t>(values.size()));
  if (!values.empty()) std::memcpy(array.mutable_data(), values.data(), values.size() * sizeof(T));
  return array;
}

py::dict py_time_calls(const std::vector<PyState*>& states, const std::vector<int>& order,
                       const PyCounters* counters) {
  check_call_order(order, states.size());
  std::vector<CandidateState*> raw;
  for (PyState* state : states) {
    if (!state->state) throw std::invalid_argument("time_calls got a closed state");
    raw.push_back(state->state.get());
  }
  TimedCalls calls;
  {
    py::gil_scoped_release release;
    calls = guarded("aiopt_run", [&] {
      return time_calls(raw, order, counters != nullptr ? &counters->set : nullptr);
    });
  }
  py::dict result;
  result["wall_ns"] = to_array(calls.wall_ns);
  result["cpu_ns"] = to_array(calls.cpu_ns);
  py::array_t<double> matrix({static_cast<py::ssize_t>(order.size()),
                              static_cast<py::ssize_t>(calls.counter_count)});
  if (!calls.counters.empty()) {
    std::memcpy(matrix.mutable_data(), calls.counters.data(), calls.counters.size() * sizeof(double));
  }
  result["counters"] = matrix;
  return result;
}

}  // namespace
}  // namespace aiopt

PYBIND11_MODULE(_core, m) {
  using namespace aiopt;
  m.doc() = "aiopt-harness measurement core: load candidates, time calls, count perf events";

  auto add_error = [&m](const char* name, PyObject* base, const char* doc) {
    const std::string qualified = std::string("aiopt_harness._core.") + name;
    PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, base, nullptr);
    if (type == nullptr) throw py::error_already_set();
    m.attr(name) = py::reinterpret_steal<py::object>(type);
    return m.attr(name);
  };
  add_error("LoadError", PyExc_RuntimeError, "dlopen() of a candidate failed");
  add_error("AbiError", PyExc_RuntimeError, "a candidate lacks an ABI symbol (see .symbol)");
  py::object candidate_error =
      add_error("CandidateError", PyExc_RuntimeError, "candidate code threw a C++ exception");
  add_error("CandidateOutOfMemory", candidate_error.ptr(), "candidate code threw std::bad_alloc");
  py::register_exception_translator([](std::exception_ptr thrown) {
    auto raise = [](const char* type_name, const std::string& message, const char* symbol) {
      py::object type = py::module_::import("aiopt_harness._core").attr(type_name);
      py::object error = type(message);
      if (symbol != nullptr) error.attr("symbol") = symbol;
      PyErr_SetObject(type.ptr(), error.ptr());
    };
    try {
      if (thrown) std::rethrow_exception(thrown);
    } catch (const AbiError& e) {
      raise("AbiError", e.what(), e.symbol().c_str());
    } catch (const LoadError& e) {
      raise("LoadError", e.what(), nullptr);
    } catch (const CandidateThrew& e) {
      raise(e.out_of_memory ? "CandidateOutOfMemory" : "CandidateError", e.message, nullptr);
    }
  });

  py::class_<PyProgram>(m, "Program", "A candidate shared object, dlopen()ed with RTLD_NOW|RTLD_LOCAL")
      .def(py::init<const std::string&>(), py::arg("path"))
      .def_property_readonly("path", [](const PyProgram& p) { return p.library->path(); });

  py::class_<PyState>(m, "State", "aiopt_init on construction; aiopt_fini on close()")
      .def(py::init<const PyProgram&, const py::bytes&>(), py::arg("program"), py::arg("input"))
      .def("run", [](PyState& s) {
        py::gil_scoped_release release;
        guarded("aiopt_run", [&] { s.state->run(); });
      })
      .def("output", [](PyState& s) {
        std::vector<unsigned char> out = guarded("aiopt_output", [&] { return s.state->output(); });
        return py::bytes(reinterpret_cast<const char*>(out.data()), out.size());
      })
      .def("close", [](PyState& s) { guarded("aiopt_fini", [&] { s.state.reset(); }); });

  py::class_<PyCounters>(m, "Counters", "perf_event counter groups of the calling thread")
      .def(py::init<const std::vector<std::vector<std::string>>&, const std::map<std::string, int>&>(),
           py::arg("groups"), py::arg("inject_errno") = std::map<std::string, int>{})
      .def("statuses", &counter_statuses)
      .def("names", [](const PyCounters& c) {
        std::vector<std::string> names;
        for (const CounterStatus& s : c.set.statuses()) names.push_back(s.name);
        return names;
      });

  m.def("time_calls", &py_time_calls, py::arg("states"), py::arg("order"),
        py::arg("counters") = nullptr,
        "Call states[order[i]].run() for each i; returns wall_ns, cpu_ns, counters arrays");
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
