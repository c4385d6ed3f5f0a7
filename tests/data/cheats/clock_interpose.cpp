// Cheat: fakes the timer: defines its own clock_gettime (monotonic and CPU clocks run 100x slow from their first reading) and, in aiopt_init, rewrites the clock_gettime GOT slots of every loaded object (the worker executable included, found with dl_iterate_phdr) to point at it; computes honestly.
// Expect: clock_mismatch - the trusted side's own clock sees the real duration of every call and rejects worker-reported times far below it.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "aiopt.h"

namespace {
constexpr int64_t kSlowdown = 100;
std::atomic<int64_t> g_base[16];

bool scaled(clockid_t id) {
  return id == CLOCK_MONOTONIC || id == CLOCK_PROCESS_CPUTIME_ID || id == CLOCK_THREAD_CPUTIME_ID ||
         id == CLOCK_MONOTONIC_RAW || id == CLOCK_MONOTONIC_COARSE || id == CLOCK_BOOTTIME;
}

void naive(const double* a, const double* b, double* c, size_t n) {
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) {
      double s = 0.0;
      for (size_t k = 0; k < n; ++k) s += a[i * n + k] * b[k * n + j];
      c[i * n + j] = s;
    }
}
}  // namespace

namespace {
// The fake clock. Internal linkage: &fake_clock_gettime is this code, whereas &clock_gettime
// taken in a shared object resolves through the GOT to libc's.
int fake_clock_gettime(clockid_t id, struct timespec* ts) noexcept {
  const int rc = static_cast<int>(syscall(SYS_clock_gettime, id, ts));  // the real clock, no vDSO
  if (rc != 0 || !scaled(id)) return rc;
  const int64_t now = static_cast<int64_t>(ts->tv_sec) * 1000000000 + ts->tv_nsec;
  int64_t base = g_base[id].load(std::memory_order_relaxed);
  if (base == 0) {
    int64_t expected = 0;
    base = g_base[id].compare_exchange_strong(expected, now) ? now : expected;
  }
  const int64_t fake = base + (now - base) / kSlowdown;
  ts->tv_sec = fake / 1000000000;
  ts->tv_nsec = fake % 1000000000;
  return 0;
}
}  // namespace

// The interposer: wins wherever the loader resolves clock_gettime to this object first
// (LD_PRELOAD, an RTLD_GLOBAL load ahead of libc); elsewhere the GOT patch below does it.
extern "C" __attribute__((visibility("default"))) int clock_gettime(clockid_t id, struct timespec* ts) noexcept {
  return fake_clock_gettime(id, ts);
}

namespace {
#if defined(__x86_64__)
constexpr unsigned kJumpSlot = R_X86_64_JUMP_SLOT, kGlobDat = R_X86_64_GLOB_DAT;
#define CHEAT_CAN_PATCH 1
#elif defined(__aarch64__)
constexpr unsigned kJumpSlot = R_AARCH64_JUMP_SLOT, kGlobDat = R_AARCH64_GLOB_DAT;
#define CHEAT_CAN_PATCH 1
#endif

struct PatchCtx {
  const char* self_name;
  int patched;
};

#ifdef CHEAT_CAN_PATCH
void patch_relocs(ElfW(Addr) base, const ElfW(Rela)* rel, size_t count, const ElfW(Sym)* symtab,
                  const char* strtab, PatchCtx* ctx) {
  const long page = sysconf(_SC_PAGESIZE);
  for (size_t i = 0; i < count; ++i) {
    const unsigned type = ELF64_R_TYPE(rel[i].r_info);
    if (type != kJumpSlot && type != kGlobDat) continue;
    const char* name = strtab + symtab[ELF64_R_SYM(rel[i].r_info)].st_name;
    if (std::strcmp(name, "clock_gettime") != 0 && std::strcmp(name, "__clock_gettime") != 0) continue;
    void** slot = reinterpret_cast<void**>(base + rel[i].r_offset);
    void* start = reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(slot) & ~static_cast<uintptr_t>(page - 1));
    if (mprotect(start, static_cast<size_t>(page), PROT_READ | PROT_WRITE) != 0) continue;  // RELRO
    *slot = reinterpret_cast<void*>(&fake_clock_gettime);
    ++ctx->patched;
  }
}

int patch_object(struct dl_phdr_info* info, size_t, void* data) {
  auto* ctx = static_cast<PatchCtx*>(data);
  const char* name = info->dlpi_name ? info->dlpi_name : "";
  if (std::strstr(name, "linux-vdso") || std::strstr(name, "linux-gate") || std::strstr(name, "/libc.so") ||
      std::strstr(name, "/ld-linux") || (ctx->self_name && std::strcmp(name, ctx->self_name) == 0))
    return 0;
  const ElfW(Addr) base = info->dlpi_addr;
  const ElfW(Dyn)* dyn = nullptr;
  for (int i = 0; i < info->dlpi_phnum; ++i)
    if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
      dyn = reinterpret_cast<const ElfW(Dyn)*>(base + info->dlpi_phdr[i].p_vaddr);
  if (dyn == nullptr) return 0;
  ElfW(Addr) symtab = 0, strtab = 0, jmprel = 0, rela = 0;
  size_t pltrelsz = 0, relasz = 0;
  for (const ElfW(Dyn)* d = dyn; d->d_tag != DT_NULL; ++d) {
    switch (d->d_tag) {
      case DT_SYMTAB: symtab = d->d_un.d_ptr; break;
      case DT_STRTAB: strtab = d->d_un.d_ptr; break;
      case DT_JMPREL: jmprel = d->d_un.d_ptr; break;
      case DT_PLTRELSZ: pltrelsz = d->d_un.d_val; break;
      case DT_RELA: rela = d->d_un.d_ptr; break;
      case DT_RELASZ: relasz = d->d_un.d_val; break;
      default: break;
    }
  }
  // ld.so relocates these in place unless the dynamic section is read-only.
  auto fix = [base](ElfW(Addr) p) { return p != 0 && p < base ? p + base : p; };
  symtab = fix(symtab);
  strtab = fix(strtab);
  jmprel = fix(jmprel);
  rela = fix(rela);
  if (symtab == 0 || strtab == 0) return 0;
  const auto* sym = reinterpret_cast<const ElfW(Sym)*>(symtab);
  const auto* str = reinterpret_cast<const char*>(strtab);
  if (jmprel) patch_relocs(base, reinterpret_cast<const ElfW(Rela)*>(jmprel), pltrelsz / sizeof(ElfW(Rela)), sym, str, ctx);
  if (rela) patch_relocs(base, reinterpret_cast<const ElfW(Rela)*>(rela), relasz / sizeof(ElfW(Rela)), sym, str, ctx);
  return 0;
}
#endif

int patch_all() {
  PatchCtx ctx{nullptr, 0};
  Dl_info self{};
  if (dladdr(reinterpret_cast<void*>(&aiopt_init), &self) != 0) ctx.self_name = self.dli_fname;
#ifdef CHEAT_CAN_PATCH
  dl_iterate_phdr(patch_object, &ctx);
#endif
  if (std::getenv("AIOPT_CHEAT_DEBUG")) std::fprintf(stderr, "clock_interpose: patched %d GOT slots\n", ctx.patched);
  return ctx.patched;
}
}  // namespace

extern "C" void* aiopt_init(const unsigned char* params, size_t params_len) {
  uint32_t n = 0;
  if (params_len >= 4) std::memcpy(&n, params, 4);
  patch_all();
  return new uint32_t(n);
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t input_len,
                            unsigned char* out, size_t out_cap) {
  const size_t n = *static_cast<uint32_t*>(state), bytes = n * n * sizeof(double);
  if (input_len < 2 * bytes || out_cap < bytes) return 0;
  const double* a = reinterpret_cast<const double*>(input);
  naive(a, a + n * n, reinterpret_cast<double*>(out), n);
  return bytes;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<uint32_t*>(state); }
