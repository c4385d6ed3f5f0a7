#include "landlock_rules.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "file_descriptor.h"

namespace aiopt {
namespace {

// From include/uapi/linux/landlock.h (Linux 6.12), declared here: Debian's header is ABI 2.
struct RulesetAttr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};
struct PathBeneathAttr {
  uint64_t allowed_access;
  int32_t parent_fd;
} __attribute__((packed));

constexpr long kCreateRuleset = 444;
constexpr long kAddRule = 445;
constexpr long kRestrictSelf = 446;
constexpr uint32_t kCreateRulesetVersion = 1U << 0;
constexpr int kRulePathBeneath = 1;

constexpr uint64_t kExecute = 1ULL << 0;
constexpr uint64_t kWriteFile = 1ULL << 1;
constexpr uint64_t kReadFile = 1ULL << 2;
constexpr uint64_t kReadDir = 1ULL << 3;
constexpr uint64_t kMakeChar = 1ULL << 6;
constexpr uint64_t kMakeBlock = 1ULL << 11;
constexpr uint64_t kFsAbi1 = (1ULL << 13) - 1;  // EXECUTE .. MAKE_SYM
constexpr uint64_t kRefer = 1ULL << 13;         // ABI 2
constexpr uint64_t kTruncate = 1ULL << 14;      // ABI 3
constexpr uint64_t kIoctlDev = 1ULL << 15;      // ABI 5
constexpr uint64_t kFileRights = kExecute | kWriteFile | kReadFile | kTruncate | kIoctlDev;

constexpr uint64_t kBindTcp = 1ULL << 0;     // ABI 4
constexpr uint64_t kConnectTcp = 1ULL << 1;  // ABI 4
constexpr uint64_t kScopeAbstractUnix = 1ULL << 0;  // ABI 6
constexpr uint64_t kScopeSignal = 1ULL << 1;        // ABI 6

uint64_t handled_fs(int abi) {
  uint64_t rights = kFsAbi1;
  if (abi >= 2) rights |= kRefer;
  if (abi >= 3) rights |= kTruncate;
  if (abi >= 5) rights |= kIoctlDev;
  return rights;
}

std::string errno_text(const char* call, int error) {
  const char* name = strerrorname_np(error);
  return std::string(call) + ": " + (name != nullptr ? name : std::to_string(error));
}

// Adds one path rule; `rights` are trimmed to what a file may hold when it is not a
// directory. Returns an error text, or "" (also for a path that does not exist).
std::string add_path(int ruleset, const std::string& path, uint64_t rights) {
  FileDescriptor fd(open(path.c_str(), O_PATH | O_CLOEXEC));
  if (!fd.valid()) return errno == ENOENT ? "" : errno_text(("open " + path).c_str(), errno);
  struct stat info {};
  if (fstat(fd.get(), &info) != 0) return errno_text(("fstat " + path).c_str(), errno);
  if (!S_ISDIR(info.st_mode)) rights &= kFileRights;
  PathBeneathAttr rule{rights, fd.get()};
  if (syscall(kAddRule, ruleset, kRulePathBeneath, &rule, 0) != 0) {
    return errno_text(("landlock_add_rule " + path).c_str(), errno);
  }
  return "";
}

}  // namespace

int landlock_abi(int injected_errno) {
  if (injected_errno != 0) return -injected_errno;
  const long abi = syscall(kCreateRuleset, nullptr, 0, kCreateRulesetVersion);
  return abi < 0 ? -errno : static_cast<int>(abi);
}

LandlockOutcome apply_landlock(const LandlockRules& rules, int injected_errno) {
  LandlockOutcome outcome;
  const int abi = landlock_abi(injected_errno);
  if (abi < 0) {
    outcome.error = errno_text("landlock_create_ruleset", -abi);
    return outcome;
  }
  const uint64_t fs = handled_fs(abi);
  RulesetAttr attr{fs, abi >= 4 ? kBindTcp | kConnectTcp : 0,
                   abi >= 6 ? kScopeAbstractUnix | kScopeSignal : 0};
  // The struct grew with the ABI; older kernels reject sizes they do not know.
  const size_t size = abi >= 6 ? sizeof(RulesetAttr)
                      : abi >= 4 ? offsetof(RulesetAttr, scoped)
                                 : offsetof(RulesetAttr, handled_access_net);
  FileDescriptor ruleset(static_cast<int>(syscall(kCreateRuleset, &attr, size, 0)));
  if (!ruleset.valid()) {
    outcome.error = errno_text("landlock_create_ruleset", errno);
    return outcome;
  }
  const uint64_t read = kReadFile | kReadDir;
  const uint64_t write = fs & ~(kExecute | kMakeChar | kMakeBlock);
  const uint64_t device = kReadFile | kWriteFile | (fs & kTruncate);
  const struct {
    const std::vector<std::string>& paths;
    uint64_t rights;
  } groups[] = {{rules.read, read}, {rules.execute, read | kExecute}, {rules.write, write},
                {rules.devices, device}};
  for (const auto& group : groups) {
    for (const std::string& path : group.paths) {
      const std::string error = add_path(ruleset.get(), path, group.rights);
      if (!error.empty()) {
        outcome.error = error;
        return outcome;
      }
    }
  }
  if (syscall(kRestrictSelf, ruleset.get(), 0) != 0) {
    outcome.error = errno_text("landlock_restrict_self", errno);
    return outcome;
  }
  outcome.abi = abi;
  if (abi < 4) {
    outcome.missing = "tcp and signal scopes (abi " + std::to_string(abi) + ")";
  } else if (abi < 6) {
    outcome.missing = "signal and abstract-socket scopes (abi " + std::to_string(abi) + ")";
  }
  return outcome;
}

}  // namespace aiopt
