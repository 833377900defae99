#include "rate_limit.hpp"

#include <algorithm>

namespace dcvkit::sandbox {

std::vector<RateWindow> RateLimiter::certcentral_windows() {
  using std::chrono::seconds;
  return {{seconds(5), 100}, {seconds(180), 1000}};
}

RateLimiter::RateLimiter(std::vector<RateWindow> windows) : windows_(std::move(windows)) {
  for (const auto& w : windows_) longest_ = std::max(longest_, w.span);
}

bool RateLimiter::admit(std::int64_t account, Clock::time_point now, std::chrono::milliseconds* retry_after) {
  std::lock_guard lock(mutex_);
  auto& hits = hits_[account];
  while (!hits.empty() && now - hits.front() >= longest_) hits.pop_front();
  for (const auto& w : windows_) {
    const auto first_inside = std::lower_bound(hits.begin(), hits.end(), now - w.span,
                                               [](Clock::time_point t, Clock::time_point edge) { return t <= edge; });
    if (static_cast<std::size_t>(hits.end() - first_inside) >= w.limit) {
      // The window has room once the hit `limit` places from the newest has left it.
      const Clock::time_point frees = *(hits.end() - static_cast<std::ptrdiff_t>(w.limit)) + w.span;
      if (retry_after) *retry_after = std::chrono::ceil<std::chrono::milliseconds>(frees - now);
      return false;
    }
  }
  hits.push_back(now);
  return true;
}

}  // namespace dcvkit::sandbox
