// Pinning the calling thread to one CPU, and which CPU it runs on.
#pragma once

#include <string>

namespace aiopt {

// Pins the calling thread to one CPU. Returns an empty string or the error.
std::string pin_current_thread(int cpu);

// The CPU the calling thread runs on now.
int current_cpu();

}  // namespace aiopt
