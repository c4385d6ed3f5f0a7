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
#include <utility>
#include <vector>

#include "call_timer.h"
#include "counter_injection.h"
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

std::vector<unsigned char> to_vector(const py::bytes& data) {
  char* buffer = nullptr;
  py::ssize_t length = 0;
  if (PyBytes_AsStringAndSize(data.ptr(), &buffer, &length) != 0) throw py::error_already_set();
  return std::vector<unsigned char>(buffer, buffer + length);
}

struct PyState {
  PyState(const PyProgram& program, const py::bytes& params) : library(program.library) {
    std::vector<unsigned char> bytes = to_vector(params);
    state = guarded("aiopt_init",
                    [&] { return std::make_unique<CandidateState>(*library, std::move(bytes)); });
  }
  CandidateState& open_state() {
    if (!state) throw std::invalid_argument("the state is closed");
    return *state;
  }
  std::shared_ptr<SharedLibrary> library;  // the code must outlive the state
  std::unique_ptr<CandidateState> state;
};

void check_output_length(size_t n, size_t out_cap) {
  if (n > out_cap) throw CandidateThrew{output_overflow_message(n, out_cap), false};
}

// One untimed aiopt_run on a private copy of the input (a candidate cannot write into the
// caller's bytes object); returns out[:n].
py::bytes py_run(PyState& s, const py::bytes& input, size_t out_cap) {
  CandidateState& state = s.open_state();
  const std::vector<unsigned char> in = to_vector(input);
  std::vector<unsigned char> out(out_cap);
  size_t n = 0;
  {
    py::gil_scoped_release release;
    n = guarded("aiopt_run", [&] { return state.run(in.data(), in.size(), out.data(), out_cap); });
  }
  check_output_length(n, out_cap);
  return py::bytes(reinterpret_cast<const char*>(out.data()), n);
}

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

template <typename T>
py::array_t<T> to_array(const std::vector<T>& values) {
  py::array_t<T> array(static_cast<py::ssize_t>(values.size()));
  if (!values.empty()) std::memcpy(array.mutable_data(), values.data(), values.size() * sizeof(T));
  return array;
}

// Call i: states[order[i][0]] on inputs[order[i][1]], each input copied into a fresh
// buffer before its call (as the worker does).
py::dict py_time_calls(const std::vector<PyState*>& states, const std::vector<py::bytes>& inputs,
                       const std::vector<std::pair<int, int>>& order, size_t out_cap,
                       PyCounters* counters) {
  std::vector<CandidateState*> raw;
  for (PyState* state : states) raw.push_back(&state->open_state());
  std::vector<std::pair<const char*, size_t>> data;
  for (const py::bytes& input : inputs) {
    char* buffer = nullptr;
    py::ssize_t length = 0;
    if (PyBytes_AsStringAndSize(input.ptr(), &buffer, &length) != 0) throw py::error_already_set();
    data.emplace_back(buffer, static_cast<size_t>(length));
  }
  for (const auto& call : order) {
    if (call.first < 0 || static_cast<size_t>(call.first) >= raw.size() || call.second < 0 ||
        static_cast<size_t>(call.second) >= data.size()) {
      throw std::out_of_range("call order names a state or input that does not exist");
    }
  }
  CounterSet* set = counters != nullptr ? &counters->set : nullptr;
  const size_t counter_count = set != nullptr ? set->counter_count() : 0;
  std::vector<int64_t> wall_ns(order.size());
  std::vector<int64_t> cpu_ns(order.size());
  std::vector<int64_t> out_len(order.size());
  std::vector<double> values(order.size() * counter_count);
  std::vector<unsigned char> out(out_cap);
  {
    py::gil_scoped_release release;
    for (size_t i = 0; i < order.size(); ++i) {
      const auto& source = data[static_cast<size_t>(order[i].second)];
      const std::vector<unsigned char> in(source.first, source.first + source.second);
      const CallTiming timing = guarded("aiopt_run", [&] {
        return timed_call(*raw[static_cast<size_t>(order[i].first)], in.data(), in.size(),
                          out.data(), out_cap, set, values.data() + i * counter_count);
      });
      check_output_length(timing.n, out_cap);
      wall_ns[i] = timing.wall_ns;
      cpu_ns[i] = timing.cpu_ns;
      out_len[i] = static_cast<int64_t>(timing.n);
    }
  }
  py::dict result;
  result["wall_ns"] = to_array(wall_ns);
  result["cpu_ns"] = to_array(cpu_ns);
  result["out_len"] = to_array(out_len);
  py::array_t<double> matrix({static_cast<py::ssize_t>(order.size()),
                              static_cast<py::ssize_t>(counter_count)});
  if (!values.empty()) std::memcpy(matrix.mutable_data(), values.data(), values.size() * sizeof(double));
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

  py::class_<PyState>(m, "State", "aiopt_init(params) on construction; aiopt_fini on close()")
      .def(py::init<const PyProgram&, const py::bytes&>(), py::arg("program"), py::arg("params"))
      .def("run", &py_run, py::arg("input"), py::arg("out_cap"),
           "aiopt_run on input (GIL released); returns out[:n]")
      .def("close", [](PyState& s) {
        if (!s.state) return;
        std::unique_ptr<CandidateState> state = std::move(s.state);
        guarded("aiopt_fini", [&] { state->fini(); });
      });

  py::class_<PyCounters>(m, "Counters", "perf_event counter groups of the calling thread")
      .def(py::init<const std::vector<std::vector<std::string>>&, const InjectedErrors&>(),
           py::arg("groups"), py::arg("inject_errno") = InjectedErrors{})
      .def("statuses", &counter_statuses)
      .def("names", [](const PyCounters& c) {
        std::vector<std::string> names;
        for (const CounterStatus& s : c.set.statuses()) names.push_back(s.name);
        return names;
      });

  m.def("time_calls", &py_time_calls, py::arg("states"), py::arg("inputs"), py::arg("order"),
        py::arg("out_cap"), py::arg("counters") = nullptr,
        "Timed aiopt_run of states[s] on inputs[k] for each (s, k) in order; returns wall_ns, "
        "cpu_ns, out_len arrays and a calls x counters matrix");
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
