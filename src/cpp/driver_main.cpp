// aiopt-driver: runs one candidate outside Python, for external profilers (valgrind,
// perf, coz). Loads the shared object through the ABI, calls aiopt_init on the params
// file, then aiopt_run --warmup times uncounted and --runs times (or for --seconds),
// marking a Coz progress point after every counted run. Call i (warmup calls included)
// gets frame i % count of the inputs file: a sequence of u64 little-endian length, then
// that many bytes. Prints one JSON line with what it did.
//
//   aiopt-driver --so FILE.so --params FILE --inputs FILE [--runs N] [--warmup N]
//                [--seconds S] [--out-cap BYTES] [sandbox options: sandbox_options.h]
//
// The files are read, then the driver enters its sandbox (PR_SET_PDEATHSIG too: under
// perf its parent is perf, which dies with the caller), then it loads the candidate.
// Under valgrind the guest cannot install Landlock or seccomp (ENOSYS): the report says
// so, and the launcher's sandbox around valgrind is what holds.
//
// Exit codes: 0 done, 2 usage or unreadable/malformed file, 3 load or ABI error,
// 4 the candidate threw, 5 aiopt_run returned more than --out-cap bytes, 118 the sandbox
// report failed or containment was required and is partial.
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "clock.h"
#include "sandbox_options.h"
#include "shared_library.h"

#ifdef AIOPT_HAVE_COZ
#include <coz.h>
#define AIOPT_PROGRESS() COZ_PROGRESS_NAMED("aiopt_run")
#else
#define AIOPT_PROGRESS() ((void)0)
#endif

namespace {

using aiopt::now_ns;

struct Options {
  std::string shared_object;
  std::string params;
  std::string inputs;
  long runs = 1;
  long warmup = 1;
  double seconds = 0.0;  // > 0: run until this much time has passed (runs is then a minimum)
  size_t out_cap = size_t{64} << 20;
  aiopt::SandboxOptions sandbox;
};

bool parse(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return false;
    const char* value = argv[++i];
    std::string sandbox_error;
    if (aiopt::parse_sandbox_option(arg, value, options.sandbox, sandbox_error)) {
      if (!sandbox_error.empty()) {
        std::fprintf(stderr, "aiopt-driver: %s\n", sandbox_error.c_str());
        return false;
      }
    } else if (arg == "--so") {
      options.shared_object = value;
    } else if (arg == "--params") {
      options.params = value;
    } else if (arg == "--inputs") {
      options.inputs = value;
    } else if (arg == "--runs") {
      options.runs = std::strtol(value, nullptr, 10);
    } else if (arg == "--warmup") {
      options.warmup = std::strtol(value, nullptr, 10);
    } else if (arg == "--seconds") {
      options.seconds = std::strtod(value, nullptr);
    } else if (arg == "--out-cap") {
      options.out_cap = static_cast<size_t>(std::strtoull(value, nullptr, 10));
    } else {
      return false;
    }
  }
  return !options.shared_object.empty() && !options.params.empty() && !options.inputs.empty() &&
         options.runs >= 0 && options.warmup >= 0 && options.seconds >= 0.0;
}

bool read_file(const std::string& path, std::vector<unsigned char>& bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

struct OutputOverflow {
  size_t n;
};

struct Frame {
  const unsigned char* data;
  size_t size;
};

// The frames of an inputs file (pointing into bytes); empty when it is malformed.
std::vector<Frame> split_frames(const std::vector<unsigned char>& bytes) {
  std::vector<Frame> frames;
  size_t at = 0;
  while (at < bytes.size()) {
    if (bytes.size() - at < 8) return {};
    uint64_t length = 0;
    for (int i = 7; i >= 0; --i) length = (length << 8) | bytes[at + static_cast<size_t>(i)];
    at += 8;
    if (length > bytes.size() - at) return {};
    frames.push_back(Frame{bytes.data() + at, static_cast<size_t>(length)});
    at += static_cast<size_t>(length);
  }
  return frames;
}

}  // namespace

int main(int argc, char** argv) {
  const pid_t parent = getppid();
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) return 2;
  Options options;
  if (!parse(argc, argv, options)) {
    std::fprintf(stderr,
                 "usage: aiopt-driver --so FILE.so --params FILE --inputs FILE [--runs N] "
                 "[--warmup N] [--seconds S] [--out-cap BYTES] [sandbox options]\n");
    return 2;
  }
  std::vector<unsigned char> params;
  std::vector<unsigned char> inputs;
  if (!read_file(options.params, params)) {
    std::fprintf(stderr, "aiopt-driver: cannot read %s\n", options.params.c_str());
    return 2;
  }
  if (!read_file(options.inputs, inputs)) {
    std::fprintf(stderr, "aiopt-driver: cannot read %s\n", options.inputs.c_str());
    return 2;
  }
  const std::vector<Frame> frames = split_frames(inputs);
  if (frames.empty()) {
    std::fprintf(stderr, "aiopt-driver: %s holds no well-formed input frames\n",
                 options.inputs.c_str());
    return 2;
  }
  // Not zero-filled: its pages are first touched by the candidate's warmup writes.
  const std::unique_ptr<unsigned char[]> out(
      new unsigned char[options.out_cap > 0 ? options.out_cap : 1]);
  options.sandbox.policy.files.read.push_back(options.shared_object);
  const std::string sandbox_error = aiopt::enter_sandbox_and_report(options.sandbox);
  if (!sandbox_error.empty()) {
    std::fprintf(stderr, "aiopt-driver: %s\n", sandbox_error.c_str());
    return aiopt::kExitContainment;
  }
  size_t call = 0;
  try {
    aiopt::SharedLibrary library(options.shared_object);
    aiopt::CandidateState state(library, std::move(params));
    auto run = [&] {
      const Frame& frame = frames[call++ % frames.size()];
      const size_t n = state.run(frame.data, frame.size, out.get(), options.out_cap);
      if (n > options.out_cap) throw OutputOverflow{n};
    };
    for (long i = 0; i < options.warmup; ++i) run();
    const int64_t wall0 = now_ns(CLOCK_MONOTONIC);
    const int64_t cpu0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
    const int64_t deadline = wall0 + static_cast<int64_t>(options.seconds * 1e9);
    long runs = 0;
    while (runs < options.runs || (options.seconds > 0 && now_ns(CLOCK_MONOTONIC) < deadline)) {
      run();
      AIOPT_PROGRESS();
      ++runs;
    }
    const int64_t wall = now_ns(CLOCK_MONOTONIC) - wall0;
    const int64_t cpu = now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
    state.fini();
    std::printf("{\"runs\": %ld, \"wall_ns\": %lld, \"cpu_ns\": %lld}\n", runs,
                static_cast<long long>(wall), static_cast<long long>(cpu));
  } catch (const OutputOverflow& e) {
    std::fprintf(stderr, "aiopt-driver: %s\n",
                 aiopt::output_overflow_message(e.n, options.out_cap).c_str());
    return 5;
  } catch (const aiopt::AbiError& e) {
    std::fprintf(stderr, "aiopt-driver: %s\n", e.what());
    return 3;
  } catch (const aiopt::LoadError& e) {
    std::fprintf(stderr, "aiopt-driver: %s\n", e.what());
    return 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "aiopt-driver: the candidate threw: %s\n", e.what());
    return 4;
  }
  return 0;
}
