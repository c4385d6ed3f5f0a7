// aiopt-driver: runs one candidate outside Python, for external profilers (valgrind,
// perf, coz). Loads the shared object through the ABI, calls aiopt_init on the input,
// then aiopt_run --warmup times untimed and --runs times (or for --seconds), marking a
// Coz progress point after every timed run. Prints one JSON line with what it did.
//
// Exit codes: 0 done, 2 usage, 3 load or ABI error, 4 the candidate threw.
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "shared_library.h"

#ifdef AIOPT_HAVE_COZ
#include <coz.h>
#define AIOPT_PROGRESS() COZ_PROGRESS_NAMED("aiopt_run")
#else
#define AIOPT_PROGRESS() ((void)0)
#endif

namespace {

struct Options {
  std::string shared_object;
  std::string input;
  long runs = 1;
  long warmup = 1;
  double seconds = 0.0;  // > 0: run until this much time has passed (runs is then a minimum)
};

int64_t now_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

bool parse(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return false;
    const char* value = argv[++i];
    if (arg == "--so") {
      options.shared_object = value;
    } else if (arg == "--input") {
      options.input = value;
    } else if (arg == "--runs") {
      options.runs = std::strtol(value, nullptr, 10);
    } else if (arg == "--warmup") {
      options.warmup = std::strtol(value, nullptr, 10);
    } else if (arg == "--seconds") {
      options.seconds = std::strtod(value, nullptr);
    } else {
      return false;
    }
  }
  return !options.shared_object.empty() && !options.input.empty() && options.runs >= 0 &&
         options.warmup >= 0 && options.seconds >= 0.0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!parse(argc, argv, options)) {
    std::fprintf(stderr,
                 "usage: aiopt-driver --so FILE.so --input FILE [--runs N] [--warmup N] "
                 "[--seconds S]\n");
    return 2;
  }
  std::ifstream in(options.input, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "aiopt-driver: cannot read %s\n", options.input.c_str());
    return 2;
  }
  const std::vector<unsigned char> input((std::istreambuf_iterator<char>(in)),
                                         std::istreambuf_iterator<char>());
  try {
    aiopt::SharedLibrary library(options.shared_object);
    aiopt::CandidateState state(library, input);
    for (long i = 0; i < options.warmup; ++i) state.run();
    const int64_t wall0 = now_ns(CLOCK_MONOTONIC);
    const int64_t cpu0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
    const int64_t deadline = wall0 + static_cast<int64_t>(options.seconds * 1e9);
    long runs = 0;
    while (runs < options.runs || (options.seconds > 0 && now_ns(CLOCK_MONOTONIC) < deadline)) {
      state.run();
      AIOPT_PROGRESS();
      ++runs;
    }
    const int64_t wall = now_ns(CLOCK_MONOTONIC) - wall0;
    const int64_t cpu = now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
    std::printf("{\"runs\": %ld, \"wall_ns\": %lld, \"cpu_ns\": %lld}\n", runs,
                static_cast<long long>(wall), static_cast<long long>(cpu));
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
