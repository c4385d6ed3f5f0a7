// Escape: take real-time priority (SCHED_FIFO, which root's CAP_SYS_NICE allows), so the
// process named PROBE_ARG starves the baseline and everything else on its CPU; then spin.
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>

static void attempt(const char* name) {
  prctl(PR_SET_NAME, name);
  sched_param param{};
  param.sched_priority = 1;
  sched_setscheduler(0, SCHED_FIFO, &param);
  setpriority(PRIO_PROCESS, 0, -20);
  for (volatile unsigned long i = 0;; ++i) {
  }
}
