// Escape: find the value of the variable named PROBE_ARG (an API key the caller holds):
// getenv, the whole environment block, every byte of its own stack from here to the top
// (argv, envp and their strings), /proc/self/environ, and the parent's /proc/PID/environ.
#include <fcntl.h>
#include <sys/auxv.h>
#include <unistd.h>

#include <string>

extern char** environ;

static void scan(const char* what, const char* begin, const char* end, const std::string& key) {
  for (const char* at = begin; at + key.size() < end; ++at) {
    if (at != key.data() && std::memcmp(at, key.data(), key.size()) == 0) leak(what, at);
  }
}

static void scan_file(const char* path, const std::string& key) {
  const int fd = open(path, O_RDONLY);
  if (fd < 0) return;
  static char text[1 << 16];
  const ssize_t n = read(fd, text, sizeof(text));
  close(fd);
  if (n > 0) scan(path, text, text + n, key);
}

static void attempt(const char* name) {
  const std::string key = std::string(name) + "=";
  if (const char* value = std::getenv(name)) leak("getenv", value);
  for (char** entry = environ; *entry != nullptr; ++entry) scan("environ", *entry, *entry + std::strlen(*entry) + 1, key);
  char here = 0;
  const char* top = reinterpret_cast<const char*>(getauxval(AT_EXECFN));
  if (top != nullptr && top > &here) scan("stack", &here, top + std::strlen(top), key);
  scan_file("/proc/self/environ", key);
  const std::string parent = "/proc/" + std::to_string(getppid()) + "/environ";
  scan_file(parent.c_str(), key);
}
