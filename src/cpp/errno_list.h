// Test hooks name failures as "NAME=ERRNO,NAME=ERRNO" (decimal errno values; "" is none).
#pragma once

#include <map>
#include <string>

namespace aiopt {

// Throws std::invalid_argument on malformed text or an errno outside 1..4095.
std::map<std::string, int> parse_errno_list(const std::string& text);

}  // namespace aiopt
