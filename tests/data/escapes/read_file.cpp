// Escape: read the file at PROBE_ARG (a secret) and leak it through stderr.
#include <fcntl.h>
#include <unistd.h>

static void attempt(const char* path) {
  const int fd = open(path, O_RDONLY);
  if (fd < 0) return;
  char text[256] = {};
  const ssize_t n = read(fd, text, sizeof(text) - 1);
  close(fd);
  if (n > 0) leak(path, text);
}
