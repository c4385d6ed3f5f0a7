#include "privileges.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace aiopt {
namespace {

std::string failed(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

int last_capability() {
  std::ifstream file("/proc/sys/kernel/cap_last_cap");
  int last = 40;
  file >> last;
  return last;
}

}  // namespace

std::string forbid_new_privileges() {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return failed("PR_SET_NO_NEW_PRIVS");
  return "";
}

std::string drop_capabilities(bool* held) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capget, &header, data) != 0) return failed("capget");
  *held = false;
  for (const auto& half : data) *held = *held || half.effective || half.permitted;
  // The bounding set first: dropping from it needs CAP_SETPCAP, held until capset below.
  for (int cap = 0; cap <= last_capability(); ++cap) {
    if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1) {
      if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EPERM) {
        return failed("PR_CAPBSET_DROP");
      }
    }
  }
  if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    return failed("PR_CAP_AMBIENT_CLEAR_ALL");
  }
  __user_cap_data_struct none[2]{};
  if (syscall(SYS_capset, &header, none) != 0) return failed("capset");
  return "";
}

}  // namespace aiopt
