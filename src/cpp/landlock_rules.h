// Landlock (Linux >= 5.13) restricts the calling process and all it starts to the paths
// and rights given here; it works unprivileged and confines root. Debian 12's
// <linux/landlock.h> stops at ABI 2, so the ABI up to 6 (TCP rules: 4, scopes: 6) is
// declared in landlock_rules.cpp. Rights the running kernel does not know are left out,
// and the ABI that was enforced is reported.
#pragma once

#include <string>
#include <vector>

namespace aiopt {

struct LandlockRules {
  std::vector<std::string> read;     // files or directories: read files, list directories
  std::vector<std::string> execute;  // as read, plus execute
  std::vector<std::string> write;    // directories: everything but execute and device nodes
  std::vector<std::string> devices;  // files such as /dev/null: read and write
};

struct LandlockOutcome {
  int abi = 0;          // the ABI enforced; 0 when not enforced
  std::string error;    // why not ("landlock_create_ruleset: ENOSYS"), empty when enforced
  std::string missing;  // what the kernel's ABI cannot restrict ("tcp (abi 3)"), or empty
};

// The kernel's Landlock ABI version, or -errno.
int landlock_abi(int injected_errno);

// Restricts the calling thread (and what it starts later) to `rules`: every filesystem
// right not granted is denied, TCP bind and connect are denied (ABI >= 4), signals and
// abstract unix sockets outside the domain are denied (ABI >= 6). Needs no_new_privs set.
// Paths that do not exist are skipped. `injected_errno` (test hook) makes the first call
// fail with that errno.
LandlockOutcome apply_landlock(const LandlockRules& rules, int injected_errno);

}  // namespace aiopt
