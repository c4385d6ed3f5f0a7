// aiopt-sandbox: runs one command (an external profiler running candidate code: valgrind,
// perf record, coz) inside the sandbox the worker uses (sandbox.h), then execs it.
//
//   aiopt-sandbox [sandbox options: sandbox_options.h] [--file-limit-mb N]
//                 [--cpu-limit-s N] [--keep-fd N] -- COMMAND [ARGS...]
//
//   --keep-fd N   an fd the command inherits (the driver's own --sandbox-report-fd)
//   --setenv NAME=VALUE   set for the command only (repeatable): LD_PRELOAD and the like
//                 must never reach this launcher's own loader, which runs unsandboxed
//
// Before exec: PR_SET_PDEATHSIG(SIGKILL) and the parent check (the command dies with its
// caller; the signal survives exec), every fd above 2 closed, the limits, the sandbox, its
// report. The environment is passed on as given: the caller gives a minimal one.
// COMMAND must be an absolute path, and executable under the sandbox (--execute).
//
// Exit codes: 110 usage, 111 the parent was gone, 117 the limits failed, 118 the sandbox
// report failed or containment was required and is partial, 119 exec failed; otherwise
// the command's own.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "process_limits.h"
#include "sandbox_options.h"

namespace {

constexpr int kExitUsage = 110;
constexpr int kExitParentGone = 111;
constexpr int kExitSetupFailed = 117;
constexpr int kExitExecFailed = 119;

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr,
               "aiopt-sandbox: %s\n"
               "usage: aiopt-sandbox [--read P] [--execute P] [--write DIR] [--allow LIST] "
               "[--escapes trap|fail] [--sandbox-report FILE] [--require-containment yes] "
               "[--file-limit-mb N] [--cpu-limit-s N] -- /ABSOLUTE/COMMAND [ARGS...]\n",
               problem.c_str());
  std::_Exit(kExitUsage);
}

uint64_t parse_count(const std::string& option, const char* text) {
  char* rest = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(text, &rest, 10);
  if (*text == '\0' || *text == '-' || *rest != '\0' || errno != 0 || value > (1ULL << 30)) {
    usage("bad value for " + option);
  }
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  const pid_t parent = getppid();
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) return kExitParentGone;

  aiopt::SandboxOptions sandbox;
  sandbox.policy.calls.trap = false;  // a tool's own calls fail, they do not kill it
  aiopt::ProcessLimits limits;
  int keep_fd = -1;
  std::vector<std::string> setenv_items;
  int i = 1;
  for (; i < argc; i += 2) {
    const std::string option = argv[i];
    if (option == "--") break;
    if (i + 1 >= argc) usage("missing value for " + option);
    std::string error;
    if (aiopt::parse_sandbox_option(option, argv[i + 1], sandbox, error)) {
      if (!error.empty()) usage(error);
    } else if (option == "--file-limit-mb") {
      limits.file_bytes = parse_count(option, argv[i + 1]) << 20;
    } else if (option == "--setenv") {
      if (std::strchr(argv[i + 1], '=') == nullptr) usage("--setenv takes NAME=VALUE");
      setenv_items.emplace_back(argv[i + 1]);
    } else if (option == "--keep-fd") {
      keep_fd = static_cast<int>(parse_count(option, argv[i + 1]));
      if (keep_fd < 3) usage("--keep-fd takes an fd above 2");
    } else if (option == "--cpu-limit-s") {
      limits.cpu_seconds = parse_count(option, argv[i + 1]);
    } else {
      usage("unknown option " + option);
    }
  }
  if (i + 1 >= argc || argv[i + 1][0] != '/') usage("expected -- /ABSOLUTE/COMMAND");
  char** command = argv + i + 1;
  if (sandbox.policy.calls.allow_exec) {
    // The kernel opens a dynamic executable's loader for execution too. (Anything the
    // loader can run stays inside this sandbox: the layers are inherited.)
    sandbox.policy.files.execute.emplace_back("/lib64/ld-linux-x86-64.so.2");
  }

  // Nothing inherited beyond stdin, stdout and stderr reaches the tool.
  auto close_from_to = [](unsigned first, unsigned last) {
    if (first > last) return;
    if (syscall(SYS_close_range, first, last, 0U) != 0) {
      for (unsigned fd = first; fd <= last && fd < 4096; ++fd) close(static_cast<int>(fd));
    }
  };
  if (keep_fd < 0) {
    close_from_to(3U, ~0U);
  } else {
    close_from_to(3U, static_cast<unsigned>(keep_fd) - 1);
    close_from_to(static_cast<unsigned>(keep_fd) + 1, ~0U);
  }
  const std::string limit_error = aiopt::apply_limits(limits);
  if (!limit_error.empty()) {
    std::fprintf(stderr, "aiopt-sandbox: %s\n", limit_error.c_str());
    return kExitSetupFailed;
  }
  const std::string sandbox_error = aiopt::enter_sandbox_and_report(sandbox);
  if (!sandbox_error.empty()) {
    std::fprintf(stderr, "aiopt-sandbox: %s\n", sandbox_error.c_str());
    return aiopt::kExitContainment;
  }
  for (const std::string& item : setenv_items) {
    const size_t equals = item.find('=');
    if (setenv(item.substr(0, equals).c_str(), item.c_str() + equals + 1, 1) != 0) {
      std::fprintf(stderr, "aiopt-sandbox: setenv: %s\n", std::strerror(errno));
      return kExitSetupFailed;
    }
  }
  execv(command[0], command);
  std::fprintf(stderr, "aiopt-sandbox: exec %s: %s\n", command[0], std::strerror(errno));
  return kExitExecFailed;
}
