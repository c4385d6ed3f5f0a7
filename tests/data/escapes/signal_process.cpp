// Escape: kill the unrelated process PROBE_ARG (a pid), by every signal call there is.
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

static void attempt(const char* pid_text) {
  const pid_t pid = static_cast<pid_t>(std::atol(pid_text));
  syscall(SYS_tgkill, pid, pid, SIGKILL);
  syscall(SYS_tkill, pid, SIGKILL);
  kill(pid, SIGKILL);
}
