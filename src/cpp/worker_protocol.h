// The aiopt-worker wire format (its op codes, sizes and exit codes are defined once, in
// src/aiopt_harness/sandbox/worker_wire.def, which the Python side parses too). Both
// directions use the same frame (little-endian):
//
//   u8 op | u64 payload_len | payload_len bytes of payload
//
// Requests (trusted side -> worker):
//   'P' params   payload = the task's params; calls aiopt_init once.
//   'R' run      payload = one input; one timed aiopt_run.
//   'S' status   empty payload.
//   'Q' quit     empty payload; aiopt_fini, then the worker exits.
// Replies (worker -> trusted side), exactly one per request:
//   'K' ok       empty (after 'P').
//   'D' done     after 'R': u64 wall_ns | u64 cpu_ns | u64 n | u32 counter_count |
//                counter_count x f64 counter value (NaN: unavailable or not scheduled) |
//                out[0:n] (n <= out_cap here).
//   'S' status   a JSON object (UTF-8): {"cpu": N, "pin_error": "...", "counters": [{"name":
//                "...", "available": bool, "user_space_only": bool, "reason": "..."}, ...]}.
//   'B' bye      empty (after 'Q').
//   'E' error    UTF-8 text: a request the worker refuses or a harness-side failure.
//   'X' threw    UTF-8 text: what() of the C++ exception the candidate threw.
//   'M' no mem   UTF-8 text: the candidate threw std::bad_alloc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "perf_counters.h"

namespace aiopt {
namespace protocol {

// The op codes, sizes, exit codes and fixed texts: worker_wire.def, shared with Python.
#define AIOPT_SIZE(name, bytes) constexpr size_t name = bytes;
#define AIOPT_OP(name, code, what) constexpr uint8_t name = code;
#define AIOPT_EXIT(name, code, what) constexpr int name = code;
#define AIOPT_TEXT(name, text, what) inline constexpr const char* name = text;
#include "../aiopt_harness/sandbox/worker_wire.def"
#undef AIOPT_SIZE
#undef AIOPT_OP
#undef AIOPT_EXIT
#undef AIOPT_TEXT

static_assert(kHeaderBytes == sizeof(uint8_t) + sizeof(uint64_t), "u8 op + u64 payload_len");
static_assert(kDoneFixedBytes == 3 * sizeof(uint64_t) + sizeof(uint32_t),
              "wall_ns, cpu_ns, n, counter_count");

struct Request {
  uint8_t op = 0;
  std::vector<unsigned char> payload;  // a fresh buffer for every request
};

enum class ReadOutcome {
  kRequest,     // a whole frame was read
  kShortRead,   // end of file or a read error before the frame was complete
  kNoMemory,    // the payload did not fit in memory
};

// Reads one whole frame (retrying on EINTR and partial reads).
ReadOutcome read_request(int fd, Request& request);

// One reply frame under construction; the buffer is reused between replies.
class Reply {
 public:
  void reserve(size_t frame_bytes) { frame_.reserve(frame_bytes); }
  void begin(uint8_t op);
  void put_u32(uint32_t value);
  void put_u64(uint64_t value);
  void put_f64(double value);
  void put_bytes(const void* data, size_t size);
  void put_text(const std::string& text) { put_bytes(text.data(), text.size()); }
  // Patches the payload length into the header; returns the whole frame.
  const std::vector<unsigned char>& finish();

 private:
  std::vector<unsigned char> frame_;
};

// Writes all bytes (retrying on EINTR and partial writes). False on failure.
bool write_all(int fd, const unsigned char* data, size_t size);

// The 'S' reply's JSON object.
std::string status_json(int cpu, const std::string& pin_error,
                        const std::vector<CounterStatus>& counters);

}  // namespace protocol
}  // namespace aiopt
