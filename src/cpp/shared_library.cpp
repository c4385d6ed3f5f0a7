#include "shared_library.h"

#include <dlfcn.h>

#include <string>

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
    abi_.output = reinterpret_cast<decltype(abi_.output)>(symbol("aiopt_output"));
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

CandidateState::CandidateState(const SharedLibrary& library,
                               const std::vector<unsigned char>& input)
    : abi_(library.abi()), input_(input) {
  state_ = abi_.init(input_.data(), input_.size());
}

CandidateState::~CandidateState() { abi_.fini(state_); }

std::vector<unsigned char> CandidateState::output() const {
  constexpr size_t kMaxOutput = size_t{256} << 20;
  std::vector<unsigned char> out(1 << 16);
  // The candidate says how much it needs; ask again with that much (twice at most, then
  // trust nothing it says and cut).
  for (int attempt = 0; attempt < 3; ++attempt) {
    const size_t needed = abi_.output(state_, out.data(), out.size());
    if (needed <= out.size()) {
      out.resize(needed);
      return out;
    }
    if (attempt == 2) break;
    if (needed > kMaxOutput) {
      throw std::length_error("aiopt_output asks for " + std::to_string(needed) +
                              " bytes, more than the 256 MiB limit");
    }
    out.resize(needed);
  }
  throw std::runtime_error("aiopt_output keeps asking for a larger buffer");
}

}  // namespace aiopt
