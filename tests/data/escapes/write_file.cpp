// Escape: create a file at PROBE_ARG (the cache, the task directory, home, /tmp).
#include <fcntl.h>
#include <unistd.h>

static void attempt(const char* path) {
  const int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    (void)!write(fd, "escaped\n", 8);
    close(fd);
  }
}
