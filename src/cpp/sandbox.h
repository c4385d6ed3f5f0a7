// The sandbox a process puts itself in before candidate code runs (the worker and the
// profilers' driver before dlopen, the tool launcher before exec): no new privileges, no
// capabilities, Landlock (files, TCP, signal and abstract-socket scopes), seccomp.
// Every layer is attempted; the report says which are active and why the others are not.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "landlock_rules.h"
#include "seccomp_filter.h"

namespace aiopt {

struct SandboxPolicy {
  LandlockRules files;
  SeccompProfile calls;
  bool keep_capabilities = false;  // a trusted tool (perf) that needs them; never for candidates
  int inject_landlock_errno = 0;   // test hooks: the layer fails with this errno
  int inject_seccomp_errno = 0;
};

struct SandboxReport {
  std::vector<std::pair<std::string, std::string>> layers;  // name, "on ..." or "unavailable: ..."
  bool full = true;

  // One "name=value" line per layer.
  std::string text() const;
};

// The system paths every sandboxed process reads (libraries, the loader cache, CPU
// topology) and the harmless devices it may open.
LandlockRules base_rules();

// Enters the sandbox. Never throws; a layer that fails is reported, the others still apply.
SandboxReport enter_sandbox(const SandboxPolicy& policy);

// Parses "landlock=ERRNO,seccomp=ERRNO" into the policy's test hooks. Returns "" or the error.
std::string parse_injected_sandbox_errors(const std::string& text, SandboxPolicy& policy);

}  // namespace aiopt
