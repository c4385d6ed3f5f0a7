// A candidate's shared object: dlopen(RTLD_NOW | RTLD_LOCAL) and its four ABI functions.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace aiopt {

// dlopen failed (bad file, unresolved symbol inside the object, ...).
class LoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The object loaded but lacks one of the ABI functions.
class AbiError : public std::runtime_error {
 public:
  explicit AbiError(const std::string& symbol)
      : std::runtime_error("missing ABI symbol: " + symbol), symbol_(symbol) {}
  const std::string& symbol() const { return symbol_; }

 private:
  std::string symbol_;
};

struct CandidateAbi {
  void* (*init)(const unsigned char*, size_t) = nullptr;
  void (*run)(void*) = nullptr;
  size_t (*output)(void*, unsigned char*, size_t) = nullptr;
  void (*fini)(void*) = nullptr;
};

class SharedLibrary {
 public:
  explicit SharedLibrary(const std::string& path);
  ~SharedLibrary();
  SharedLibrary(const SharedLibrary&) = delete;
  SharedLibrary& operator=(const SharedLibrary&) = delete;

  const CandidateAbi& abi() const { return abi_; }
  const std::string& path() const { return path_; }

 private:
  void* symbol(const char* name) const;

  std::string path_;
  void* handle_ = nullptr;
  CandidateAbi abi_;
};

// One initialized candidate state on one input: aiopt_init on construction, aiopt_fini on
// destruction. Candidate exceptions propagate to the caller.
class CandidateState {
 public:
  CandidateState(const SharedLibrary& library, const std::vector<unsigned char>& input);
  ~CandidateState();
  CandidateState(const CandidateState&) = delete;
  CandidateState& operator=(const CandidateState&) = delete;

  void run() { abi_.run(state_); }
  std::vector<unsigned char> output() const;

 private:
  CandidateAbi abi_;
  std::vector<unsigned char> input_;  // kept alive: a candidate may keep pointers into it
  void* state_ = nullptr;
};

}  // namespace aiopt
