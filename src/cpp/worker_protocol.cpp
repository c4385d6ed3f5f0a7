#include "worker_protocol.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>
#include <stdexcept>

namespace aiopt {
namespace protocol {
namespace {

// False on end of file or error before size bytes arrived.
bool read_exact(int fd, unsigned char* data, size_t size) {
  while (size > 0) {
    const ssize_t got = ::read(fd, data, size);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    data += got;
    size -= static_cast<size_t>(got);
  }
  return true;
}

uint64_t load_u64(const unsigned char* bytes) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | bytes[i];
  return value;
}

void store_u64(unsigned char* bytes, uint64_t value) {
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<unsigned char>(value >> (8 * i));
}

void append_json_string(std::string& out, const std::string& text) {
  out += '"';
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\u%04x", byte);
      out += escaped;
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace

ReadOutcome read_request(int fd, Request& request) {
  unsigned char header[kHeaderBytes];
  if (!read_exact(fd, header, sizeof(header))) return ReadOutcome::kShortRead;
  request.op = header[0];
  const uint64_t length = load_u64(header + 1);
  try {
    request.payload = std::vector<unsigned char>(static_cast<size_t>(length));
  } catch (const std::bad_alloc&) {
    return ReadOutcome::kNoMemory;
  } catch (const std::length_error&) {
    return ReadOutcome::kNoMemory;
  }
  if (!read_exact(fd, request.payload.data(), request.payload.size())) {
    return ReadOutcome::kShortRead;
  }
  return ReadOutcome::kRequest;
}

void Reply::begin(uint8_t op) {
  frame_.assign(kHeaderBytes, 0);
  frame_[0] = op;
}

void Reply::put_u32(uint32_t value) {
  for (int i = 0; i < 4; ++i) frame_.push_back(static_cast<unsigned char>(value >> (8 * i)));
}

void Reply::put_u64(uint64_t value) {
  unsigned char bytes[8];
  store_u64(bytes, value);
  frame_.insert(frame_.end(), bytes, bytes + 8);
}

void Reply::put_f64(double value) {
  static_assert(sizeof(double) == sizeof(uint64_t), "IEEE 754 binary64 expected");
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof(bits));
  put_u64(bits);
}

void Reply::put_bytes(const void* data, size_t size) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  frame_.insert(frame_.end(), bytes, bytes + size);
}

const std::vector<unsigned char>& Reply::finish() {
  store_u64(frame_.data() + 1, frame_.size() - kHeaderBytes);
  return frame_;
}

bool write_all(int fd, const unsigned char* data, size_t size) {
  while (size > 0) {
    const ssize_t put = ::write(fd, data, size);
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) return false;
    data += put;
    size -= static_cast<size_t>(put);
  }
  return true;
}

std::string status_json(int cpu, const std::string& pin_error,
                        const std::vector<CounterStatus>& counters) {
  std::string out = "{\"cpu\": " + std::to_string(cpu) + ", \"pin_error\": ";
  append_json_string(out, pin_error);
  out += ", \"counters\": [";
  for (size_t i = 0; i < counters.size(); ++i) {
    const CounterStatus& status = counters[i];
    if (i > 0) out += ", ";
    out += "{\"name\": ";
    append_json_string(out, status.name);
    out += std::string(", \"available\": ") + (status.available ? "true" : "false");
    out += std::string(", \"user_space_only\": ") + (status.user_space_only ? "true" : "false");
    out += ", \"reason\": ";
    append_json_string(out, status.reason);
    out += '}';
  }
  out += "]}";
  return out;
}

}  // namespace protocol
}  // namespace aiopt
