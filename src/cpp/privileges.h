// What a process gives up before candidate code runs: new privileges through exec
// (setuid binaries, file capabilities), and every capability it holds (root keeps uid 0
// but loses CAP_SYS_ADMIN, CAP_KILL, CAP_SYS_PTRACE, CAP_DAC_OVERRIDE, ...).
#pragma once

#include <string>

namespace aiopt {

// PR_SET_NO_NEW_PRIVS: needed by Landlock and seccomp without CAP_SYS_ADMIN.
std::string forbid_new_privileges();

// Empties the bounding, ambient, inheritable, permitted and effective capability sets.
// Returns "" or the error; `held` says whether there was anything to drop.
std::string drop_capabilities(bool* held);

}  // namespace aiopt
