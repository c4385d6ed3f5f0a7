// aiopt-worker: the sandboxed timing process. Exec'd by the trusted Python side with an
// explicit minimal environment, it loads ONE candidate shared object and answers requests
// on a pipe (the frames and ops: worker_protocol.h). The trusted side verifies everything
// it reports; the worker reports only what a request asks for.
//
//   aiopt-worker --so FILE.so --cpu N --out-cap BYTES --request-fd R --reply-fd W
//                [--counters GROUPS] [--layout-seed S]
//                [--inject-counter-errno NAME=ERRNO,...]
//
//   --counters      "none", or ';'-separated groups of ','-separated events
//                   ("task-clock,page-faults;cycles,instructions"); default: the
//                   default event groups.
//   --layout-seed   a heap block of (S % 4096) bytes stays allocated and the serve loop
//                   runs (S >> 12) % 4096 bytes deeper in the stack: each process places
//                   the candidate's data differently. Default 0.
//   --inject-counter-errno
//                   test hook: perf_event_open of these events fails with these errno
//                   values (the sandbox's own hook: --inject-sandbox-errno).
//   --memory-limit-mb, --file-limit-mb, --cpu-limit-s
//                   rlimits set before the candidate is loaded (process_limits.h): address
//                   space beyond what the worker maps at start, file size, CPU time.
//   --crash-note    a file for one line about a fatal signal (crash_note.h).
//
// Start: PR_SET_PDEATHSIG(SIGKILL), then the parent check; pin to --cpu (a failure is
// kept: 'P' and 'R' are then answered 'E' with it, 'S' shows it); counters (opened
// disabled); limits; the sandbox (sandbox.h: no new privileges, no capabilities,
// Landlock, seccomp; its report written to --sandbox-report); dlopen; the output buffer
// (out_cap bytes, once); the serve loop.
// stdout and stderr are left as given; the protocol uses only the two fds.
//
// Exit codes:
//   0    after 'Q' (its reply written)
//   110  usage: bad or missing arguments, unknown event, fd not open
//   111  the parent was already gone at start (or PR_SET_PDEATHSIG failed)
//   112  short read on the request fd (the parent went away)
//   113  a reply could not be written
//   114  dlopen failed (dlerror() on stderr)
//   115  the shared object lacks an ABI symbol (stderr: "missing ABI symbol: NAME")
//   116  out of memory for the output buffer or a request payload
//   117  the limits or the crash note could not be set up
//   118  the sandbox report could not be written, or a sandbox layer is missing and
//        --require-containment yes was given (the candidate was never loaded)
//   120  a protocol descriptor no longer refers to the pipe it was at start (closed or
//        replaced by the candidate): checked after every request, before the reply
// (the codes and their texts: worker_wire.def)
// A candidate can end the process however it likes (exit(), signals, these very codes):
// the trusted side treats every exit as a claim.
#include <alloca.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "counter_injection.h"
#include "cpu_pinning.h"
#include "crash_note.h"
#include "perf_counters.h"
#include "process_limits.h"
#include "sandbox_options.h"
#include "shared_library.h"
#include "worker_protocol.h"
#include "worker_session.h"

namespace {

using aiopt::protocol::kExitAbiError;
using aiopt::protocol::kExitDescriptorsTampered;
using aiopt::protocol::kExitLoadError;
using aiopt::protocol::kExitNoMemory;
using aiopt::protocol::kExitParentGone;
using aiopt::protocol::kExitReplyFailed;
using aiopt::protocol::kExitSetupFailed;
using aiopt::protocol::kExitShortRead;
using aiopt::protocol::kExitUsage;
static_assert(aiopt::protocol::kExitContainment == aiopt::kExitContainment,
              "worker_wire.def and sandbox_options.h agree");

// What a descriptor refers to (fstat's device and inode); {0, 0} when it is not open.
struct FileIdentity {
  uint64_t device = 0;
  uint64_t inode = 0;
  bool same(const FileIdentity& other) const {
    return device == other.device && inode == other.inode;
  }
};

FileIdentity identity_of(int fd) {
  struct stat status {};
  if (fstat(fd, &status) != 0) return {};
  return {static_cast<uint64_t>(status.st_dev), static_cast<uint64_t>(status.st_ino)};
}

struct Options {
  std::string shared_object;
  int cpu = -1;
  size_t out_cap = 0;
  int request_fd = -1;
  int reply_fd = -1;
  bool counters = true;
  std::vector<std::vector<std::string>> groups = aiopt::default_event_groups();
  uint64_t layout_seed = 0;
  aiopt::InjectedErrors inject_counter_errors;
  aiopt::ProcessLimits limits;
  std::string crash_note;
  aiopt::SandboxOptions sandbox;
};

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr,
               "aiopt-worker: %s\n"
               "usage: aiopt-worker --so FILE.so --cpu N --out-cap BYTES --request-fd R "
               "--reply-fd W [--counters GROUPS] [--layout-seed S] "
               "[--inject-counter-errno NAME=ERRNO,...] [--memory-limit-mb N] "
               "[--file-limit-mb N] [--cpu-limit-s N] [--crash-note FILE] "
               "[sandbox options: sandbox_options.h]\n",
               problem.c_str());
  std::_Exit(kExitUsage);
}

uint64_t parse_unsigned(const std::string& option, const char* text, uint64_t max) {
  errno = 0;
  char* rest = nullptr;
  const unsigned long long value = std::strtoull(text, &rest, 10);
  if (*text == '\0' || *text == '-' || *rest != '\0' || errno != 0 || value > max) {
    usage("bad value for " + option + ": '" + text + "'");
  }
  return value;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t at = 0;
  for (;;) {
    const size_t end = text.find(separator, at);
    parts.push_back(text.substr(at, end == std::string::npos ? std::string::npos : end - at));
    if (end == std::string::npos) return parts;
    at = end + 1;
  }
}

std::vector<std::vector<std::string>> parse_groups(const std::string& text) {
  std::vector<std::vector<std::string>> groups;
  for (const std::string& group : split(text, ';')) {
    std::vector<std::string> names = split(group, ',');
    for (const std::string& name : names) {
      if (!aiopt::find_event(name)) usage("unknown perf event in --counters: '" + name + "'");
    }
    groups.push_back(names);
  }
  return groups;
}

Options parse(int argc, char** argv) {
  Options options;
  bool have_cpu = false;
  bool have_cap = false;
  for (int i = 1; i < argc; i += 2) {
    const std::string option = argv[i];
    if (i + 1 >= argc) usage("missing value for " + option);
    const char* value = argv[i + 1];
    std::string sandbox_error;
    if (aiopt::parse_sandbox_option(option, value, options.sandbox, sandbox_error)) {
      if (!sandbox_error.empty()) usage(sandbox_error);
    } else if (option == "--so") {
      options.shared_object = value;
    } else if (option == "--cpu") {
      options.cpu = static_cast<int>(parse_unsigned(option, value, 1 << 20));
      have_cpu = true;
    } else if (option == "--out-cap") {
      options.out_cap = static_cast<size_t>(parse_unsigned(option, value, SIZE_MAX));
      have_cap = true;
    } else if (option == "--request-fd") {
      options.request_fd = static_cast<int>(parse_unsigned(option, value, 1 << 30));
    } else if (option == "--reply-fd") {
      options.reply_fd = static_cast<int>(parse_unsigned(option, value, 1 << 30));
    } else if (option == "--counters") {
      options.counters = std::strcmp(value, "none") != 0;
      options.groups = options.counters ? parse_groups(value) : decltype(options.groups){};
    } else if (option == "--layout-seed") {
      options.layout_seed = parse_unsigned(option, value, UINT64_MAX);
    } else if (option == "--memory-limit-mb") {
      options.limits.memory_bytes = parse_unsigned(option, value, 1ULL << 30) << 20;
    } else if (option == "--file-limit-mb") {
      options.limits.file_bytes = parse_unsigned(option, value, 1ULL << 30) << 20;
    } else if (option == "--cpu-limit-s") {
      options.limits.cpu_seconds = parse_unsigned(option, value, 1ULL << 30);
    } else if (option == "--crash-note") {
      options.crash_note = value;
    } else if (option == "--inject-counter-errno") {
      try {
        options.inject_counter_errors = aiopt::parse_injected_errors(value);
      } catch (const std::invalid_argument& e) {
        usage(std::string("--inject-counter-errno: ") + e.what());
      }
    } else {
      usage("unknown option " + option);
    }
  }
  if (options.shared_object.empty() || !have_cpu || !have_cap || options.request_fd < 0 ||
      options.reply_fd < 0) {
    usage("--so, --cpu, --out-cap, --request-fd and --reply-fd are required");
  }
  options.sandbox.policy.files.read.push_back(options.shared_object);
  for (int fd : {options.request_fd, options.reply_fd}) {
    const int flags = fcntl(fd, F_GETFD);
    // Close-on-exec: nothing the candidate might exec inherits the protocol.
    if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) != 0) {
      usage("fd " + std::to_string(fd) + " is not open");
    }
  }
  return options;
}

// Keeps the compiler from dropping an allocation whose address is otherwise unused.
void keep(const void* address) { asm volatile("" : : "g"(address) : "memory"); }

[[noreturn]] __attribute__((noinline)) void serve(aiopt::WorkerSession& session,
                                                  aiopt::protocol::Reply& reply, int request_fd,
                                                  int reply_fd) {
  const FileIdentity request_pipe = identity_of(request_fd);
  const FileIdentity reply_pipe = identity_of(reply_fd);
  for (;;) {
    aiopt::protocol::Request request;  // a fresh payload buffer for every request
    switch (aiopt::protocol::read_request(request_fd, request)) {
      case aiopt::protocol::ReadOutcome::kShortRead:
        _exit(kExitShortRead);
      case aiopt::protocol::ReadOutcome::kNoMemory:
        std::fprintf(stderr, "aiopt-worker: no memory for a request payload\n");
        _exit(kExitNoMemory);
      case aiopt::protocol::ReadOutcome::kRequest:
        break;
    }
    const bool quit = session.handle(request, reply);
    if (!identity_of(request_fd).same(request_pipe) || !identity_of(reply_fd).same(reply_pipe)) {
      _exit(kExitDescriptorsTampered);  // a reply into the candidate's own pipe could block
    }
    const std::vector<unsigned char>& frame = reply.finish();
    if (!aiopt::protocol::write_all(reply_fd, frame.data(), frame.size())) _exit(kExitReplyFailed);
    if (quit) {
      close(request_fd);
      close(reply_fd);
      _exit(0);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const pid_t parent = getppid();
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
    std::fprintf(stderr, "aiopt-worker: PR_SET_PDEATHSIG: %s\n", std::strerror(errno));
    return kExitParentGone;
  }
  if (getppid() != parent) return kExitParentGone;
  signal(SIGPIPE, SIG_IGN);  // a closed reply pipe is a failed write (exit 113), not a signal

  const Options options = parse(argc, argv);
  const std::string pin_error = aiopt::pin_current_thread(options.cpu);

  if (!options.crash_note.empty()) {
    const std::string error = aiopt::install_crash_note(options.crash_note);
    if (!error.empty()) {
      std::fprintf(stderr, "aiopt-worker: crash note: %s\n", error.c_str());
      return kExitSetupFailed;
    }
  }
  void* heap_pad = std::malloc(static_cast<size_t>(options.layout_seed % 4096));
  keep(heap_pad);  // never freed: it stays where it is for the whole process

  // Counters are opened before the sandbox (which forbids perf_event_open) and before
  // the candidate is loaded; they count only while a call is timed.
  std::unique_ptr<aiopt::CounterSet> counters;
  try {
    if (options.counters) {
      counters = std::make_unique<aiopt::CounterSet>(
          options.groups, aiopt::open_fn_with_injected_errors(options.inject_counter_errors));
    }
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "aiopt-worker: out of memory for the counters\n");
    return kExitNoMemory;
  }

  // Limits, then the sandbox, last before the candidate is loaded: its static
  // constructors run in dlopen.
  const std::string limit_error = aiopt::apply_limits(options.limits);
  if (!limit_error.empty()) {
    std::fprintf(stderr, "aiopt-worker: %s\n", limit_error.c_str());
    return kExitSetupFailed;
  }
  const std::string sandbox_error = aiopt::enter_sandbox_and_report(options.sandbox);
  if (!sandbox_error.empty()) {
    std::fprintf(stderr, "aiopt-worker: %s\n", sandbox_error.c_str());
    return aiopt::kExitContainment;
  }
  try {
    aiopt::SharedLibrary library(options.shared_object);
    const size_t counter_count = counters ? counters->counter_count() : 0;
    aiopt::WorkerSession session(library, std::move(counters), options.inject_counter_errors,
                                 options.out_cap, pin_error);
    aiopt::protocol::Reply reply;
    reply.reserve(aiopt::protocol::kHeaderBytes + aiopt::protocol::kDoneFixedBytes +
                  8 * counter_count + options.out_cap);

    void* stack_pad = alloca(static_cast<size_t>((options.layout_seed >> 12) % 4096));
    keep(stack_pad);
    serve(session, reply, options.request_fd, options.reply_fd);
  } catch (const aiopt::AbiError& e) {
    std::fprintf(stderr, "aiopt-worker: %s\n", e.what());
    return kExitAbiError;
  } catch (const aiopt::LoadError& e) {
    std::fprintf(stderr, "aiopt-worker: %s\n", e.what());
    return kExitLoadError;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "aiopt-worker: out of memory (out_cap %zu)\n", options.out_cap);
    return kExitNoMemory;
  } catch (const std::length_error&) {
    std::fprintf(stderr, "aiopt-worker: out of memory (out_cap %zu)\n", options.out_cap);
    return kExitNoMemory;
  }
}
