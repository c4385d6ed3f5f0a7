// Escape: system() (a child the candidate waits for itself) that creates PROBE_ARG.
#include <string>

static void attempt(const char* marker) {
  const std::string command = std::string("touch ") + marker;
  (void)!std::system(command.c_str());
}
