// Escape: run forever under the name PROBE_ARG, hoping to outlive a caller killed with
// SIGKILL (the trusted side must take it down too).
#include <sys/prctl.h>

static void attempt(const char* name) {
  prctl(PR_SET_NAME, name);
  for (volatile unsigned long i = 0;; ++i) {
  }
}
