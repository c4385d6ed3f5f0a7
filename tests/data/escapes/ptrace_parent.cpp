// Escape: attach to the parent (the trusted side) with ptrace and read its memory.
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <unistd.h>

static void attempt(const char*) {
  const pid_t parent = getppid();
  ptrace(PTRACE_SEIZE, parent, nullptr, nullptr);
  char buffer[64];
  iovec local{buffer, sizeof(buffer)};
  iovec remote{reinterpret_cast<void*>(0x400000), sizeof(buffer)};
  process_vm_readv(parent, &local, 1, &remote, 1, 0);
}
