// What aiopt-worker does with each request (worker_protocol.h): one loaded program, at
// most one candidate state, one output buffer, one counter set. It reports only what a
// request asks for.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "counter_injection.h"
#include "perf_counters.h"
#include "shared_library.h"
#include "worker_protocol.h"

namespace aiopt {

class WorkerSession {
 public:
  // counters may be null (--counters none). pin_error is "" when the worker is pinned;
  // otherwise 'P' and 'R' are refused with it.
  WorkerSession(const SharedLibrary& library, std::unique_ptr<CounterSet> counters,
                InjectedErrors injected, size_t out_cap, std::string pin_error);

  // Builds the reply to one request. Returns true when the worker should exit now
  // (after the reply to 'Q' is written).
  bool handle(const protocol::Request& request, protocol::Reply& reply);

 private:
  void params(const protocol::Request& request, protocol::Reply& reply);
  void run(const protocol::Request& request, protocol::Reply& reply);
  void status(protocol::Reply& reply) const;
  void quit(protocol::Reply& reply);

  const SharedLibrary& library_;
  std::unique_ptr<CounterSet> counters_;
  InjectedErrors injected_;
  std::string pin_error_;
  size_t out_cap_;
  std::vector<unsigned char> out_;      // out_cap bytes (at least 1), allocated once
  std::vector<double> counter_values_;  // one per counter
  std::unique_ptr<CandidateState> state_;
};

}  // namespace aiopt
