#include "sandbox.h"

#include <stdexcept>

#include "errno_list.h"
#include "privileges.h"

namespace aiopt {

std::string SandboxReport::text() const {
  std::string out;
  for (const auto& [name, value] : layers) out += name + "=" + value + "\n";
  return out;
}

LandlockRules base_rules() {
  LandlockRules rules;
  // /lib, /lib64 and /bin are symlinks into /usr on Debian 12: rules follow them.
  rules.read = {"/usr", "/lib", "/lib64", "/etc/ld.so.cache", "/etc/ld.so.preload",
                "/sys/devices/system/cpu", "/proc/cpuinfo"};
  rules.devices = {"/dev/null", "/dev/zero", "/dev/urandom", "/dev/random"};
  return rules;
}

SandboxReport enter_sandbox(const SandboxPolicy& policy) {
  SandboxReport report;
  auto add = [&report](const std::string& name, const std::string& error, std::string on) {
    if (error.empty()) {
      report.layers.emplace_back(name, std::move(on));
    } else {
      report.layers.emplace_back(name, "unavailable: " + error);
      report.full = false;
    }
  };
  const std::string no_new_privs = forbid_new_privileges();
  add("no_new_privs", no_new_privs, "on");

  if (policy.keep_capabilities) {
    report.layers.emplace_back("capabilities", "kept (trusted tool)");
  } else {
    bool held = false;
    const std::string error = drop_capabilities(&held);
    add("capabilities", error, held ? "dropped" : "none held");
  }

  if (!no_new_privs.empty()) {
    add("landlock", "needs no_new_privs", "");
    add("seccomp", "needs no_new_privs", "");
    return report;
  }
  const LandlockOutcome landlock = apply_landlock(policy.files, policy.inject_landlock_errno);
  std::string landlock_on = "on (abi " + std::to_string(landlock.abi) + ")";
  if (landlock.error.empty() && !landlock.missing.empty()) {
    add("landlock", "no " + landlock.missing, "");
  } else {
    add("landlock", landlock.error, landlock_on);
  }
  const SeccompOutcome seccomp = apply_seccomp(policy.calls, policy.inject_seccomp_errno);
  add("seccomp", seccomp.error, policy.calls.trap ? "on (escapes trap)" : "on (escapes fail)");
  return report;
}

std::string parse_injected_sandbox_errors(const std::string& text, SandboxPolicy& policy) {
  try {
    for (const auto& [layer, error] : parse_errno_list(text)) {
      if (layer == "landlock") {
        policy.inject_landlock_errno = error;
      } else if (layer == "seccomp") {
        policy.inject_seccomp_errno = error;
      } else {
        return "unknown layer '" + layer + "' (landlock, seccomp)";
      }
    }
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace aiopt
