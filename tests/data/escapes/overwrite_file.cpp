// Escape: overwrite an existing file at PROBE_ARG (a cached shared object), or truncate it.
#include <fcntl.h>
#include <unistd.h>

static void attempt(const char* path) {
  int fd = open(path, O_WRONLY);
  if (fd >= 0) {
    (void)!write(fd, "poisoned", 8);
    close(fd);
  }
  (void)!truncate(path, 0);
  unlink(path);
}
