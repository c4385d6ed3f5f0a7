// A candidate's shared object: dlopen(RTLD_NOW | RTLD_LOCAL) and its three ABI functions
// (src/aiopt_harness/include/aiopt.h).
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
  void* (*init)(const unsigned char* params, size_t params_len) = nullptr;
  size_t (*run)(void* state, const unsigned char* input, size_t input_len, unsigned char* out,
                size_t out_cap) = nullptr;
  void (*fini)(void* state) = nullptr;
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

// One initialized candidate state: aiopt_init(params) on construction, aiopt_fini by
// fini() or, if that was never called, on destruction. The library must outlive it.
// Candidate exceptions propagate to the caller (from the destructor they are swallowed:
// call fini() to see them).
class CandidateState {
 public:
  CandidateState(const SharedLibrary& library, std::vector<unsigned char> params);
  ~CandidateState();
  CandidateState(const CandidateState&) = delete;
  CandidateState& operator=(const CandidateState&) = delete;

  // aiopt_run: returns the byte count the candidate reports (may exceed cap: the
  // caller's error to raise).
  size_t run(const unsigned char* input, size_t input_len, unsigned char* out, size_t cap) {
    return abi_.run(state_, input, input_len, out, cap);
  }
  // aiopt_fini, at most once.
  void fini();

 private:
  CandidateAbi abi_;
  std::vector<unsigned char> params_;  // kept alive: a candidate may keep pointers into it
  void* state_ = nullptr;              // whatever aiopt_init returned, null included
  bool finished_ = false;
};

// The error for aiopt_run returning n > out_cap:
// "aiopt_run returned N bytes, more than out_cap M".
std::string output_overflow_message(size_t n, size_t out_cap);

}  // namespace aiopt
