#include "shared_library.h"

#include <dlfcn.h>

#include <string>
#include <utility>

namespace aiopt {

SharedLibrary::SharedLibrary(const std::string& path) : path_(path) {
  handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle_ == nullptr) {
    const char* error = dlerror();
    throw LoadError(error != nullptr ? error : "dlopen failed: " + path);
  }
  try {
    abi_.init = reinterpret_cast<decltype(abi_.init)>(symbol("aiopt_init"));
    abi_.run = reinterpret_cast<decltype(abi_.run)>(symbol("aiopt_run"));
    abi_.fini = reinterpret_cast<decltype(abi_.fini)>(symbol("aiopt_fini"));
  } catch (...) {
    dlclose(handle_);
    throw;
  }
}

SharedLibrary::~SharedLibrary() {
  if (handle_ != nullptr) dlclose(handle_);
}

void* SharedLibrary::symbol(const char* name) const {
  dlerror();
  void* address = dlsym(handle_, name);
  if (address == nullptr) throw AbiError(name);
  return address;
}

CandidateState::CandidateState(const SharedLibrary& library, std::vector<unsigned char> params)
    : abi_(library.abi()), params_(std::move(params)) {
  state_ = abi_.init(params_.data(), params_.size());
}

CandidateState::~CandidateState() {
  try {
    fini();
  } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
  }
}

void CandidateState::fini() {
  if (finished_) return;
  finished_ = true;
  abi_.fini(state_);
}

std::string output_overflow_message(size_t n, size_t out_cap) {
  return "aiopt_run returned " + std::to_string(n) + " bytes, more than out_cap " +
         std::to_string(out_cap);
}

}  // namespace aiopt
