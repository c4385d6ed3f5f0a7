// A last word from a crashing measurement process: on SIGSEGV/SIGBUS/SIGILL/SIGFPE it
// writes one line (signal, fault address, whether the address lies at the stack limit)
// to a file, then dies of the same signal. The supervising process reads the line.
#pragma once

#include <string>

namespace aiopt {

// Installs the handlers on an alternate signal stack. Returns an empty string or the error.
// Signal handlers are process-wide by nature: this keeps one static record for them.
std::string install_crash_note(const std::string& path);

}  // namespace aiopt
