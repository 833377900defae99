// CertCentral's rate limits, per account, as rolling windows (default 100 requests / 5 s and
// 1000 / 180 s). A rejected request does not count toward the windows.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace dcvkit::sandbox {

struct RateWindow {
  std::chrono::milliseconds span;
  std::size_t limit;
};

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  static std::vector<RateWindow> certcentral_windows();

  explicit RateLimiter(std::vector<RateWindow> windows = certcentral_windows());
  // True: admitted (and counted). False: some window is full; `retry_after` (if given) receives how
  // long until that window has room again, for a truthful Retry-After header.
  bool admit(std::int64_t account, Clock::time_point now = Clock::now(),
             std::chrono::milliseconds* retry_after = nullptr);

 private:
  std::vector<RateWindow> windows_;
  std::chrono::milliseconds longest_{0};
  std::mutex mutex_;
  std::unordered_map<std::int64_t, std::deque<Clock::time_point>> hits_;  // oldest first
};

}  // namespace dcvkit::sandbox
