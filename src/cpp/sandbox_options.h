// The sandbox options the worker, the driver and the tool launcher share:
//
//   --read PATH        also readable (a file or a directory); repeatable
//   --execute PATH     also readable and executable; repeatable
//   --write DIR        a private scratch directory: create, write, remove (no execute)
//   --allow LIST       ','-separated: exec, fork, perf (perf_event_open), capabilities
//                      (keep them: a trusted tool only); the default allows none
//   --escapes trap|fail  a forbidden call raises SIGSYS (default) or fails with EPERM
//   --sandbox-report FILE   one "layer=state" line per layer, written before any
//                      untrusted code runs (the file is opened before the sandbox)
//   --sandbox-report-fd N   the same, to an inherited fd (closed once written): for a
//                      process inside another's sandbox, which cannot open files outside
//   --require-containment yes   exit 118 instead of going on with a partial sandbox
//   --inject-sandbox-errno landlock=N,seccomp=N   test hook: those layers fail
#pragma once

#include <string>

#include "sandbox.h"

namespace aiopt {

constexpr int kExitContainment = 118;  // a layer failed and --require-containment was given

struct SandboxOptions {
  SandboxPolicy policy{base_rules(), {}, false, 0, 0};
  std::string report_path;
  int report_fd = -1;
  bool require = false;
};

// Takes `option value` when it is a sandbox option: returns true (error set on a bad
// value), or false when the option is not one of these.
bool parse_sandbox_option(const std::string& option, const char* value, SandboxOptions& options,
                          std::string& error);

// Enters the sandbox and writes the report. Returns "" or why the process must stop
// (the report could not be written; a layer is missing and containment is required).
std::string enter_sandbox_and_report(const SandboxOptions& options);

}  // namespace aiopt
