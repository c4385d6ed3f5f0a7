#include "worker_session.h"

#include <cxxabi.h>

#include <cstdlib>
#include <exception>
#include <string>
#include <typeinfo>
#include <new>
#include <utility>

#include "call_timer.h"
#include "cpu_pinning.h"

namespace aiopt {
namespace {

// The demangled dynamic type of an exception ("std::runtime_error").
std::string type_name(const std::exception& e) {
  int status = 0;
  char* name = abi::__cxa_demangle(typeid(e).name(), nullptr, nullptr, &status);
  std::string text = status == 0 && name != nullptr ? name : typeid(e).name();
  std::free(name);
  return text;
}

// Runs candidate code; a C++ exception from it becomes an 'X' (std::bad_alloc: 'M') reply
// with its what(). Returns true when the call returned normally.
template <typename F>
bool candidate_call(protocol::Reply& reply, F&& call) {
  try {
    call();
    return true;
  } catch (const CounterReadError& e) {
    reply.begin(protocol::kError);  // the worker's own failure, not the candidate's
    reply.put_text(e.what());
  } catch (const std::bad_alloc& e) {
    reply.begin(protocol::kOutOfMemory);
    reply.put_text(e.what());
  } catch (const std::exception& e) {
    reply.begin(protocol::kThrew);
    reply.put_text(type_name(e) + ": " + e.what());
  } catch (...) {
    reply.begin(protocol::kThrew);
    reply.put_text("a non-standard exception");
  }
  return false;
}

void error(protocol::Reply& reply, const std::string& text) {
  reply.begin(protocol::kError);
  reply.put_text(text);
}

}  // namespace

WorkerSession::WorkerSession(const SharedLibrary& library, std::unique_ptr<CounterSet> counters,
                             InjectedErrors injected, size_t out_cap, std::string pin_error)
    : library_(library),
      counters_(std::move(counters)),
      injected_(std::move(injected)),
      pin_error_(std::move(pin_error)),
      out_cap_(out_cap),
      out_(out_cap > 0 ? out_cap : 1),  // zero-filled: its pages are faulted in now
      counter_values_(counters_ ? counters_->counter_count() : 0) {}

bool WorkerSession::handle(const protocol::Request& request, protocol::Reply& reply) {
  switch (request.op) {
    case protocol::kParams:
      params(request, reply);
      return false;
    case protocol::kRun:
      run(request, reply);
      return false;
    case protocol::kStatus:
      status(reply);
      return false;
    case protocol::kQuit:
      quit(reply);
      return true;
    default:
      error(reply, "unknown request op " + std::to_string(request.op));
      return false;
  }
}

void WorkerSession::params(const protocol::Request& request, protocol::Reply& reply) {
  if (!pin_error_.empty()) return error(reply, pin_error_);
  if (state_) return error(reply, "params were already given");
  std::unique_ptr<CandidateState> state;
  if (!candidate_call(reply, [&] {
        state = std::make_unique<CandidateState>(library_, request.payload);
      })) {
    return;
  }
  state_ = std::move(state);
  reply.begin(protocol::kOk);
}

void WorkerSession::run(const protocol::Request& request, protocol::Reply& reply) {
  if (!pin_error_.empty()) return error(reply, pin_error_);
  if (!state_) return error(reply, "no params yet: send 'P' first");
  CallTiming timing;
  if (!candidate_call(reply, [&] {
        timing = timed_call(*state_, request.payload.data(), request.payload.size(), out_.data(),
                            out_cap_, counters_.get(), counter_values_.data());
      })) {
    return;
  }
  if (timing.n > out_cap_) return error(reply, output_overflow_message(timing.n, out_cap_));
  reply.begin(protocol::kDone);
  reply.put_u64(static_cast<uint64_t>(timing.wall_ns));
  reply.put_u64(static_cast<uint64_t>(timing.cpu_ns));
  reply.put_u64(timing.n);
  reply.put_u32(static_cast<uint32_t>(counter_values_.size()));
  for (double value : counter_values_) reply.put_f64(value);
  reply.put_bytes(out_.data(), timing.n);
}

void WorkerSession::status(protocol::Reply& reply) const {
  std::vector<CounterStatus> statuses;
  if (counters_) statuses = mark_injected(counters_->statuses(), injected_);
  reply.begin(protocol::kStatusReply);
  reply.put_text(protocol::status_json(current_cpu(), pin_error_, statuses));
}

void WorkerSession::quit(protocol::Reply& reply) {
  std::unique_ptr<CandidateState> state = std::move(state_);
  if (state && !candidate_call(reply, [&] { state->fini(); })) return;
  reply.begin(protocol::kBye);
}

}  // namespace aiopt
