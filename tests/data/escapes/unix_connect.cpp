// Escape: connect to a unix stream socket: a pathname, or abstract when PROBE_ARG starts
// with '@' (the '@' stands for the leading NUL byte).
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void attempt(const char* name) {
  const int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) return;
  sockaddr_un to{};
  to.sun_family = AF_UNIX;
  std::strncpy(to.sun_path, name, sizeof(to.sun_path) - 1);
  socklen_t length = sizeof(to);
  if (name[0] == '@') {
    to.sun_path[0] = '\0';
    length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + std::strlen(name));
  }
  if (connect(fd, reinterpret_cast<sockaddr*>(&to), length) == 0) (void)!write(fd, "hello", 5);
  close(fd);
}
