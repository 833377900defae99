// Runs a piece of a test in a forked child and measures it from outside: how far its resident
// memory grew above what it inherited (VmHWM at the end minus VmRSS at the start, so memory the
// test process already held does not count), how long it took, and how it ended. Limit tests
// assert on these, so a bound that breaks shows up as a number, not as a killed test binary.
#pragma once

#include <functional>
#include <string>

// Sanitizers hold memory of their own: ASan keeps freed blocks in quarantine (256 MiB by
// default), pads every allocation and maps shadow memory. Under them a memory bound gets this much
// on top; the bounds keep catching what they are for in the normal build (growth with the input).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define DCVKIT_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define DCVKIT_TEST_SANITIZED 1
#endif
#endif

namespace dcvkit::test {

#ifdef DCVKIT_TEST_SANITIZED
inline constexpr long kSanitizerRssSlackKib = 512 * 1024;
#else
inline constexpr long kSanitizerRssSlackKib = 0;
#endif

struct ChildUsage {
  int exit_code = -1;        // the body's return value; 128 + signal when killed
  long rss_growth_kib = -1;  // peak resident set minus the resident set at the start
  double seconds = 0;        // wall time, fork to exit
  std::string message;       // what the body reported (child_report), for assertion messages
};

// `body` runs in the child; its return value is the exit code. The child is killed after
// `timeout_seconds` (exit_code 128 + SIGKILL), so a hang fails the test instead of stalling it.
// The caller must have no other thread: a fork that catches one holding an allocator lock leaves
// the child waiting on it for ever, so run_in_child throws instead (serve from a process).
ChildUsage run_in_child(const std::function<int()>& body, int timeout_seconds = 120);

// From inside the body: a line of text handed back in ChildUsage::message.
void child_report(const std::string& text);

}  // namespace dcvkit::test
