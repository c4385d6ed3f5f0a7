// Honest: two std::threads joined inside the call, a 256 MiB scratch allocation touched in
// aiopt_init, and a file written, read back and removed in its own working directory.
#include <stdio.h>
#include <unistd.h>

#include <thread>
#include <vector>

static std::vector<unsigned char>* scratch = nullptr;

static void attempt(const char*) {
  scratch = new std::vector<unsigned char>(size_t{256} << 20, 1);
  FILE* file = std::fopen("notes.txt", "w");
  if (file == nullptr) std::abort();
  std::fputs("scratch works\n", file);
  std::fclose(file);
  char line[64] = {};
  file = std::fopen("notes.txt", "r");
  if (file == nullptr || std::fgets(line, sizeof(line), file) == nullptr) std::abort();
  std::fclose(file);
  if (std::strcmp(line, "scratch works\n") != 0 || unlink("notes.txt") != 0) std::abort();
  unsigned long sum = 0;
  std::thread a([&sum] { sum += 1; });
  a.join();
  std::thread b([] { (void)std::thread::hardware_concurrency(); });
  b.join();
  if (sum != 1 || (*scratch)[12345] != 1) std::abort();
}
