// Escape: run a program (/bin/sh) that creates the file PROBE_ARG.
#include <unistd.h>

#include <string>

static void attempt(const char* marker) {
  const std::string command = std::string("touch ") + marker;
  char* const argv[] = {const_cast<char*>("/bin/sh"), const_cast<char*>("-c"),
                        const_cast<char*>(command.c_str()), nullptr};
  execv("/bin/sh", argv);
}
