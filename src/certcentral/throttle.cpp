// Rolling-window throttle: a request leaves only when every window still has room for it.
#include <algorithm>
#include <map>
#include <thread>

#include "dcvkit/certcentral_pacing.hpp"

namespace dcvkit::certcentral {

Throttle::Throttle(std::vector<RateWindow> windows, Timer& timer) : windows_(std::move(windows)), timer_(timer) {
  std::erase_if(windows_, [](const RateWindow& w) { return w.limit == 0 || w.period.count() <= 0; });
}

std::chrono::nanoseconds Throttle::acquire() {
  std::unique_lock lock(mutex_);
  std::chrono::nanoseconds waited{0};
  Millis longest{0};
  for (const auto& w : windows_) longest = std::max(longest, w.period);
  for (;;) {
    const auto now = timer_.now();
    // A send at t counts in the windows [now - period, now], ends included (the stricter reading:
    // the server may count either end), so it stops counting just after t + period.
    std::erase_if(sent_, [&](const Timer::TimePoint& t) { return t + longest < now; });
    Timer::TimePoint free_at = now;
    for (const auto& w : windows_) {
      const std::size_t in_window = static_cast<std::size_t>(
          std::count_if(sent_.begin(), sent_.end(), [&](const Timer::TimePoint& t) { return t + w.period >= now; }));
      if (in_window >= w.limit) {
        // The window has room again once the oldest send that still fills it has aged out.
        free_at = std::max(free_at, sent_[sent_.size() - w.limit] + w.period + std::chrono::nanoseconds(1));
      }
    }
    if (free_at <= now) {
      sent_.push_back(now);
      return waited;
    }
    const auto wait = free_at - now;
    lock.unlock();
    timer_.sleep_for(wait);
    waited += wait;
    lock.lock();
  }
}

namespace {
double rate(const RateWindow& w) { return static_cast<double>(w.limit) / (static_cast<double>(w.period.count()) / 1000.0); }
}  // namespace

double Throttle::burst_per_second() const {
  const auto shortest = std::min_element(windows_.begin(), windows_.end(),
                                         [](const RateWindow& a, const RateWindow& b) { return a.period < b.period; });
  return shortest == windows_.end() ? 0.0 : rate(*shortest);
}

double Throttle::sustained_per_second() const {
  double lowest = 0;
  for (const auto& w : windows_) lowest = lowest == 0 ? rate(w) : std::min(lowest, rate(w));
  return lowest;
}

std::shared_ptr<Throttle> Throttle::for_key(std::string_view api_key) {
  static std::mutex mutex;
  static std::map<std::size_t, std::weak_ptr<Throttle>> by_key;  // hash of the key: the key is not kept
  std::lock_guard lock(mutex);
  auto& slot = by_key[std::hash<std::string_view>{}(api_key)];
  auto throttle = slot.lock();
  if (!throttle) {
    throttle = std::make_shared<Throttle>();
    slot = throttle;
  }
  return throttle;
}

}  // namespace dcvkit::certcentral
