// A seccomp filter (raw classic BPF, no library) that denies what a process running
// candidate code must never do: network sockets, new processes, exec, ptrace, signals to
// other processes, namespaces and mounts, io_uring, bpf, keyrings, raising its own limits,
// changing file modes or owners. x86-64 only; elsewhere it reports itself unavailable.
#pragma once

#include <string>

namespace aiopt {

struct SeccompProfile {
  // Candidate code runs in this very process (the worker, the profilers' driver): the
  // escapes trap (SIGSYS, the crash note names the call) instead of failing quietly.
  bool trap = true;
  bool allow_exec = false;         // execve/execveat (a tool launcher; Landlock limits what)
  bool allow_fork = false;         // clone without CLONE_THREAD, fork, vfork
  bool allow_perf_events = false;  // perf_event_open (perf, Coz)
};

struct SeccompOutcome {
  bool active = false;
  std::string error;  // why not, empty when active
};

// Installs the filter on the calling thread (needs no_new_privs). `injected_errno` (test
// hook) makes the install fail with that errno.
SeccompOutcome apply_seccomp(const SeccompProfile& profile, int injected_errno);

}  // namespace aiopt
