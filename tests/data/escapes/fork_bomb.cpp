// Escape: a fork bomb; every process names itself PROBE_ARG (so a test can count them).
#include <sys/prctl.h>
#include <unistd.h>

static void attempt(const char* name) {
  prctl(PR_SET_NAME, name);
  for (int i = 0; i < 100000; ++i) fork();
}
