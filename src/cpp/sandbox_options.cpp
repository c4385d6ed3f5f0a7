#include "sandbox_options.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "file_descriptor.h"

namespace aiopt {
namespace {

std::string apply_allowances(const std::string& list, SandboxPolicy& policy) {
  size_t at = 0;
  while (at <= list.size()) {
    size_t end = list.find(',', at);
    if (end == std::string::npos) end = list.size();
    const std::string item = list.substr(at, end - at);
    if (item == "exec") {
      policy.calls.allow_exec = true;
    } else if (item == "fork") {
      policy.calls.allow_fork = true;
    } else if (item == "perf") {
      policy.calls.allow_perf_events = true;
    } else if (item == "capabilities") {
      policy.keep_capabilities = true;
    } else if (!item.empty()) {
      return "unknown --allow item '" + item + "' (exec, fork, perf, capabilities)";
    }
    at = end + 1;
  }
  return "";
}

}  // namespace

bool parse_sandbox_option(const std::string& option, const char* value, SandboxOptions& options,
                          std::string& error) {
  SandboxPolicy& policy = options.policy;
  if (option == "--read") {
    policy.files.read.emplace_back(value);
  } else if (option == "--execute") {
    policy.files.execute.emplace_back(value);
  } else if (option == "--write") {
    policy.files.write.emplace_back(value);
  } else if (option == "--allow") {
    error = apply_allowances(value, policy);
  } else if (option == "--escapes") {
    if (std::strcmp(value, "trap") == 0) {
      policy.calls.trap = true;
    } else if (std::strcmp(value, "fail") == 0) {
      policy.calls.trap = false;
    } else {
      error = "--escapes takes trap or fail";
    }
  } else if (option == "--sandbox-report") {
    options.report_path = value;
  } else if (option == "--sandbox-report-fd") {
    char* rest = nullptr;
    const long fd = std::strtol(value, &rest, 10);
    if (*value == '\0' || *rest != '\0' || fd < 3 || fd > 1 << 20) {
      error = "--sandbox-report-fd takes an fd above 2";
    } else {
      options.report_fd = static_cast<int>(fd);
    }
  } else if (option == "--require-containment") {
    options.require = std::strcmp(value, "yes") == 0;
    if (!options.require && std::strcmp(value, "no") != 0) error = "--require-containment takes yes or no";
  } else if (option == "--inject-sandbox-errno") {
    error = parse_injected_sandbox_errors(value, policy);
  } else {
    return false;
  }
  return true;
}

std::string enter_sandbox_and_report(const SandboxOptions& options) {
  FileDescriptor report_file;
  if (options.report_fd >= 0) {
    report_file = FileDescriptor(options.report_fd);
    if (fcntl(options.report_fd, F_SETFD, FD_CLOEXEC) != 0) {
      return "sandbox report fd " + std::to_string(options.report_fd) + " is not open";
    }
  } else if (!options.report_path.empty()) {
    report_file = FileDescriptor(
        open(options.report_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!report_file.valid()) {
      return "sandbox report " + options.report_path + ": " + std::strerror(errno);
    }
  }
  const SandboxReport report = enter_sandbox(options.policy);
  if (report_file.valid()) {
    const std::string text = report.text();
    if (write(report_file.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
      return "sandbox report: write failed";
    }
  }
  if (options.require && !report.full) {
    return "containment required, but the sandbox is partial:\n" + report.text();
  }
  return "";
}

}  // namespace aiopt
