// Each fuzz target is one function `run(std::string_view input)` in its own namespace. Built for
// libFuzzer, DCVKIT_FUZZ_ENTRY makes it the fuzzer's entry point; tests/test_fuzz_regressions.cpp
// includes the same files with DCVKIT_FUZZ_REPLAY defined, so a saved input replays through
// exactly the code that found it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#ifdef DCVKIT_FUZZ_REPLAY
#define DCVKIT_FUZZ_ENTRY(run_function)
#else
#define DCVKIT_FUZZ_ENTRY(run_function)                                                  \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {   \
    run_function(std::string_view(reinterpret_cast<const char*>(data), size));           \
    return 0;                                                                            \
  }
#endif

namespace fuzz_support {

// A fixed "now" (2026-11-23T12:00:00Z): a run depends only on its input.
inline constexpr std::int64_t kNow = 1795435200;

// The first byte picks one of `n` parsers; the rest is that parser's input.
inline std::size_t pick(std::string_view& input, std::size_t n) {
  if (input.empty()) return 0;
  const auto choice = static_cast<unsigned char>(input.front()) % n;
  input.remove_prefix(1);
  return choice;
}

}  // namespace fuzz_support
