#include "seccomp_filter.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

namespace aiopt {
namespace {

#if defined(__x86_64__)

constexpr uint32_t kAllow = SECCOMP_RET_ALLOW;
constexpr uint32_t errno_action(int error) { return SECCOMP_RET_ERRNO | (error & SECCOMP_RET_DATA); }

constexpr uint32_t kNr = offsetof(struct seccomp_data, nr);
constexpr uint32_t kArch = offsetof(struct seccomp_data, arch);
constexpr uint32_t arg_low(int index) {
  return static_cast<uint32_t>(offsetof(struct seccomp_data, args) + 8 * index);
}
constexpr uint32_t arg_high(int index) { return arg_low(index) + 4; }

class FilterBuilder {
 public:
  void load(uint32_t offset) { code_.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offset)); }
  void ret(uint32_t action) { code_.push_back(BPF_STMT(BPF_RET | BPF_K, action)); }
  // if (A == value) fall through to the next instruction, else skip `skip` instructions
  void if_equal(uint32_t value, uint8_t skip) {
    code_.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, value, 0, skip));
  }
  // the syscall `nr` gets `action` (A holds the syscall number)
  void rule(long nr, uint32_t action) {
    if_equal(static_cast<uint32_t>(nr), 1);
    ret(action);
  }
  // the syscall `nr` is allowed only when argument `index` (64 bits) equals `value`
  void allow_if_arg_is(long nr, int index, uint64_t value, uint32_t otherwise) {
    if_equal(static_cast<uint32_t>(nr), 6);
    load(arg_low(index));
    if_equal(static_cast<uint32_t>(value), 3);
    load(arg_high(index));
    if_equal(static_cast<uint32_t>(value >> 32), 1);
    ret(kAllow);
    ret(otherwise);
  }
  // the syscall `nr` gets `action` when argument `index` (low 32 bits) equals `value`
  void deny_if_arg_is(long nr, int index, uint32_t value, uint32_t action) {
    if_equal(static_cast<uint32_t>(nr), 4);
    load(arg_low(index));
    if_equal(value, 1);
    ret(action);
    ret(kAllow);
  }
  // the syscall `nr` is allowed only when every (argument index, value) pair holds
  // (64-bit compares); any other call gets `otherwise`
  void allow_if_args_are(long nr, const std::vector<std::pair<int, uint64_t>>& args,
                         uint32_t otherwise) {
    const size_t k = args.size();
    if_equal(static_cast<uint32_t>(nr), static_cast<uint8_t>(4 * k + 2));
    for (size_t j = 0; j < k; ++j) {
      const auto [index, value] = args[j];
      load(arg_low(index));
      code_.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(value), 0,
                               static_cast<uint8_t>(4 * (k - j) - 1)));
      load(arg_high(index));
      code_.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<uint32_t>(value >> 32), 0,
                               static_cast<uint8_t>(4 * (k - j) - 3)));
    }
    ret(kAllow);
    ret(otherwise);
  }
  std::vector<sock_filter>& code() { return code_; }

 private:
  std::vector<sock_filter> code_;
};

std::vector<sock_filter> build(const SeccompProfile& profile) {
  const uint32_t escape = profile.trap ? SECCOMP_RET_TRAP : errno_action(EPERM);
  const uint32_t refuse = errno_action(EPERM);
  FilterBuilder filter;
  filter.load(kArch);
  filter.code().push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0));
  filter.ret(SECCOMP_RET_KILL_PROCESS);
  filter.load(kNr);
  // x32 system calls (bit 30) would bypass every rule below.
  filter.code().push_back(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000U, 0, 1));  // jt: kill
  filter.ret(SECCOMP_RET_KILL_PROCESS);

  // glibc falls back from clone3 to clone, whose flags a filter can read.
  filter.rule(__NR_clone3, errno_action(ENOSYS));
  if (!profile.allow_fork) {
    filter.if_equal(__NR_clone, 4);
    filter.load(arg_low(0));
    filter.code().push_back(BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 0, 1));
    filter.ret(kAllow);
    filter.ret(escape);
    for (long nr : {__NR_fork, __NR_vfork}) filter.rule(nr, escape);
  }
  if (!profile.allow_exec) {
    for (long nr : {__NR_execve, __NR_execveat}) filter.rule(nr, escape);
  }
  if (!profile.allow_perf_events) filter.rule(__NR_perf_event_open, escape);
  for (int nr : {__NR_socket, __NR_socketpair, __NR_connect, __NR_bind, __NR_listen,
                  __NR_accept, __NR_accept4, __NR_sendto, __NR_sendmsg, __NR_sendmmsg,
                  __NR_ptrace, __NR_process_vm_readv, __NR_process_vm_writev, __NR_pidfd_open,
                  __NR_pidfd_getfd, __NR_pidfd_send_signal, __NR_kcmp, __NR_tkill,
                  __NR_setsid, __NR_setpgid, __NR_unshare, __NR_setns, __NR_mount,
                  __NR_umount2, __NR_pivot_root, __NR_chroot, __NR_move_mount, __NR_open_tree,
                  __NR_fsopen, __NR_fsmount, __NR_fsconfig, __NR_fspick, __NR_io_uring_setup,
                  __NR_io_uring_enter, __NR_io_uring_register, __NR_bpf, __NR_userfaultfd,
                  __NR_keyctl, __NR_add_key, __NR_request_key, __NR_personality}) {
    filter.rule(nr, escape);
  }
  // Signals: only to this process (Landlock's signal scope covers what a fork may do).
  if (!profile.allow_fork) {
    const uint64_t self = static_cast<uint64_t>(getpid());
    for (long nr : {__NR_kill, __NR_tgkill, __NR_rt_sigqueueinfo, __NR_rt_tgsigqueueinfo}) {
      filter.allow_if_arg_is(nr, 0, self, escape);
    }
  }
  // The CPU pin, set before the sandbox, stays: a thread that moved itself to another CPU
  // would run beside the measured one (the lease gives one CPU, and a loaded machine hides
  // the extra CPU time that the outside check looks for). Measured by the cheat
  // tests/data/cheats/affinity_escape.cpp while an LLM server loaded the other CPU.
  if (!profile.allow_fork) filter.rule(__NR_sched_setaffinity, refuse);
  // Scheduling and memory placement: of this process only. Otherwise a candidate could
  // renice or idle-schedule the baseline's worker (the same user: no capability needed),
  // which slows it on a loaded machine, or every process of its user, the harness
  // included (tests/data/cheats/renice_others.cpp). who == 0 / pid == 0 is the caller.
  filter.allow_if_args_are(__NR_setpriority, {{0, 0 /* PRIO_PROCESS */}, {1, 0}}, refuse);
  filter.allow_if_args_are(__NR_ioprio_set, {{0, 1 /* IOPRIO_WHO_PROCESS */}, {1, 0}}, refuse);
  for (long nr : {__NR_sched_setscheduler, __NR_sched_setparam, __NR_sched_setattr,
                  __NR_migrate_pages, __NR_move_pages}) {
    filter.allow_if_arg_is(nr, 0, 0, refuse);
  }
  // The crash note's SIGSYS handler stays: it names a trapped call.
  if (profile.trap) filter.deny_if_arg_is(__NR_rt_sigaction, 0, SIGSYS, refuse);
  // Limits: read, never raise (root could).
  filter.rule(__NR_setrlimit, refuse);
  filter.allow_if_arg_is(__NR_prlimit64, 2, 0, refuse);
  // What Landlock does not cover, and what needs privileges a candidate must not use.
  for (int nr : {__NR_chmod, __NR_fchmod, __NR_fchmodat, 452 /* fchmodat2 */, __NR_chown,
                  __NR_fchown, __NR_lchown, __NR_fchownat, __NR_utime, __NR_utimes,
                  __NR_futimesat, __NR_utimensat, __NR_setxattr, __NR_lsetxattr,
                  __NR_fsetxattr, __NR_removexattr, __NR_lremovexattr, __NR_fremovexattr,
                  __NR_mknod, __NR_mknodat, __NR_iopl, __NR_ioperm, __NR_reboot,
                  __NR_kexec_load, __NR_kexec_file_load, __NR_init_module, __NR_finit_module,
                  __NR_delete_module, __NR_swapon, __NR_swapoff, __NR_acct, __NR_settimeofday,
                  __NR_clock_settime, __NR_clock_adjtime, __NR_adjtimex, __NR_sethostname,
                  __NR_setdomainname, __NR_syslog, __NR_quotactl, __NR_vhangup}) {
    filter.rule(nr, refuse);
  }
  filter.ret(kAllow);
  return filter.code();
}

#endif

}  // namespace

SeccompOutcome apply_seccomp(const SeccompProfile& profile, int injected_errno) {
  SeccompOutcome outcome;
#if defined(__x86_64__)
  if (injected_errno != 0) {
    outcome.error = std::string("seccomp: ") + strerrorname_np(injected_errno);
    return outcome;
  }
  std::vector<sock_filter> code = build(profile);
  sock_fprog program{static_cast<unsigned short>(code.size()), code.data()};
  // SPEC_ALLOW: older kernels otherwise force speculation mitigations on the process.
  long done = syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_SPEC_ALLOW,
                      &program);
  if (done != 0 && errno == EINVAL) done = syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program);
  if (done != 0) {
    const char* name = strerrorname_np(errno);
    outcome.error = std::string("seccomp: ") + (name != nullptr ? name : "error");
    return outcome;
  }
  outcome.active = true;
#else
  (void)profile;
  (void)injected_errno;
  outcome.error = "seccomp: no filter for this architecture";
#endif
  return outcome;
}

}  // namespace aiopt
