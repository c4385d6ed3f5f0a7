#include "errno_list.h"

#include <cstdlib>
#include <stdexcept>

namespace aiopt {

std::map<std::string, int> parse_errno_list(const std::string& text) {
  std::map<std::string, int> errors;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find(',', at);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(at, end - at);
    const size_t equals = item.find('=');
    if (equals == std::string::npos || equals == 0 || equals + 1 == item.size()) {
      throw std::invalid_argument("expected NAME=ERRNO, got '" + item + "'");
    }
    const std::string name = item.substr(0, equals);
    const std::string number = item.substr(equals + 1);
    char* rest = nullptr;
    const long value = std::strtol(number.c_str(), &rest, 10);
    if (*rest != '\0' || value <= 0 || value > 4095) {
      throw std::invalid_argument("bad errno value '" + number + "' for " + name);
    }
    errors[name] = static_cast<int>(value);
    at = end + 1;
  }
  return errors;
}

}  // namespace aiopt
