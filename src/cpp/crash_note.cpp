#include "crash_note.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace aiopt {
namespace {

struct CrashNoteState {
  int fd = -1;
  uintptr_t stack_low = 0;   // lowest address the main thread's stack may grow to
  uintptr_t stack_high = 0;
};

CrashNoteState& note_state() {
  static CrashNoteState state;
  return state;
}

// Async-signal-safe formatting helpers.
size_t append(char* buffer, size_t at, const char* text) {
  while (*text != '\0' && at < 255) buffer[at++] = *text++;
  return at;
}

size_t append_number(char* buffer, size_t at, uintptr_t value, unsigned base) {
  char digits[32];
  size_t count = 0;
  do {
    digits[count++] = "0123456789abcdef"[value % base];
    value /= base;
  } while (value != 0 && count < sizeof(digits));
  if (base == 16) at = append(buffer, at, "0x");
  while (count > 0 && at < 255) buffer[at++] = digits[--count];
  return at;
}

void on_fatal_signal(int signo, siginfo_t* info, void*) {
  const CrashNoteState& state = note_state();
  if (state.fd >= 0) {
    const auto address = reinterpret_cast<uintptr_t>(info->si_addr);
    // The kernel keeps a guard gap of up to 1 MiB below the stack; a fault in or near it
    // is the stack hitting its limit.
    constexpr uintptr_t kGuard = uintptr_t{2} << 20;
    const bool stack_overflow = (signo == SIGSEGV || signo == SIGBUS) && state.stack_low != 0 &&
                                address + kGuard >= state.stack_low &&
                                address < state.stack_low + (uintptr_t{64} << 10);
    char line[256];
    size_t at = append(line, 0, "signal=");
    at = append_number(line, at, static_cast<uintptr_t>(signo), 10);
    at = append(line, at, " address=");
    at = append_number(line, at, address, 16);
    if (signo == SIGSYS) {  // a system call the seccomp filter traps
      at = append(line, at, " syscall=");
      at = append_number(line, at, static_cast<uintptr_t>(info->si_syscall), 10);
    }
    at = append(line, at, stack_overflow ? " stack_overflow=1\n" : " stack_overflow=0\n");
    ssize_t ignored = write(state.fd, line, at);
    (void)ignored;
  }
  // SA_RESETHAND restored the default action: die of the same signal.
  raise(signo);
}

}  // namespace

std::string install_crash_note(const std::string& path) {
  CrashNoteState& state = note_state();
  state.fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (state.fd < 0) return "open(" + path + "): " + std::strerror(errno);

  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void* low = nullptr;
    size_t size = 0;
    if (pthread_attr_getstack(&attr, &low, &size) == 0) {
      state.stack_low = reinterpret_cast<uintptr_t>(low);
      state.stack_high = state.stack_low + size;
    }
    pthread_attr_destroy(&attr);
  }

  // The alternate stack lives as long as the process: handlers may run at any time.
  static char alternate_stack[1 << 16];
  stack_t stack{};
  stack.ss_sp = alternate_stack;
  stack.ss_size = sizeof(alternate_stack);
  if (sigaltstack(&stack, nullptr) != 0) return std::string("sigaltstack: ") + std::strerror(errno);

  struct sigaction action {};
  action.sa_sigaction = on_fatal_signal;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  for (int signo : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGSYS}) {
    if (sigaction(signo, &action, nullptr) != 0) {
      return std::string("sigaction: ") + std::strerror(errno);
    }
  }
  return "";
}

}  // namespace aiopt
