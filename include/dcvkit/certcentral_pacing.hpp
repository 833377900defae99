// Staying under CertCentral's rate limits and backing off when the API says no.
//   Throttle: rolling windows per API key (100 requests / 5 s and 1000 / 3-5 min), kept slightly
//             under; blocks until the next request may leave.
//   Backoff:  exponential with full jitter on 429, 5xx and connection failures, at least what
//             Retry-After asks, bounded in attempts and in time.
// Time comes from an injectable Timer so tests run a burst of thousands of requests instantly.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "dcvkit/certcentral_transport.hpp"
#include "dcvkit/clock.hpp"

namespace dcvkit::certcentral {

using Millis = std::chrono::milliseconds;

using dcvkit::steady_timer;
using dcvkit::Timer;

struct RateWindow {
  std::size_t limit = 0;  // at most this many requests in any `period`
  Millis period{0};
};

// What CertCentral enforces per API key (the long window is documented as 3 to 5 minutes).
inline const std::vector<RateWindow> kApiRateLimits = {{100, Millis(5000)}, {1000, Millis(180000)}};
// What the client keeps to: 5 % under, and the long window stretched to 5 minutes so it holds
// whichever length the server uses.
inline const std::vector<RateWindow> kDefaultThrottle = {{95, Millis(5000)}, {950, Millis(300000)}};

class Throttle {
 public:
  explicit Throttle(std::vector<RateWindow> windows = kDefaultThrottle, Timer& timer = steady_timer());
  Throttle(const Throttle&) = delete;
  Throttle& operator=(const Throttle&) = delete;

  // Blocks until one more request fits every window, then counts it. Thread-safe. Returns the wait.
  std::chrono::nanoseconds acquire();
  // Requests per second: the shortest window's rate (what a burst below the longer windows'
  // limits gets), and the lowest of all windows (what a long run gets).
  double burst_per_second() const;
  double sustained_per_second() const;
  const std::vector<RateWindow>& windows() const { return windows_; }

  // One throttle per API key in this process, shared by every Client using that key.
  static std::shared_ptr<Throttle> for_key(std::string_view api_key);

 private:
  std::vector<RateWindow> windows_;
  Timer& timer_;
  std::mutex mutex_;
  std::vector<Timer::TimePoint> sent_;  // send times within the longest window, oldest first
};

struct RetryPolicy {
  int max_attempts = 6;              // tries in all, the first included
  Millis base{500};                  // the first retry waits up to this (full jitter)
  Millis cap{20000};                 // no single wait is longer (unless Retry-After asks for more)
  Millis max_elapsed{180000};        // no retry starts after this much time in all
  Millis rate_limited_floor{1000};   // a 429 without Retry-After waits at least this
  Millis max_retry_after{120000};    // a longer Retry-After is not waited for: give up instead
};

// Retry number `retry` (1 = the first retry) waits uniform [0, min(cap, base * 2^(retry-1))) —
// `unit_random` in [0, 1) picks the point — and at least `floor` (Retry-After or the 429 floor).
Millis backoff_delay(const RetryPolicy& policy, int retry, double unit_random, std::optional<Millis> floor = {});

// Retry-After: delta-seconds ("120") or an HTTP-date ("Sun, 06 Nov 1994 08:49:37 GMT", relative to
// `now`; a past date is 0). Anything else: nothing.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, UnixSeconds now);

// How a reply to a request bears on trying again.
enum class ReplyClass {
  Success,    // 2xx
  Final,      // a definite answer or a permanent failure: trying again changes nothing
  Retryable,  // nothing happened on the server (429, connect failure before sending), or the request is idempotent
  Ambiguous,  // a request that is not idempotent may have taken effect (timeout or closed after sending, 5xx, 408)
};
ReplyClass classify_reply(const HttpReply& reply, bool idempotent);

// The waits between the attempts of one request.
class Backoff {
 public:
  Backoff(const RetryPolicy& policy, Timer& timer, const Clock& clock, std::function<double()> random);
  // Whether one more attempt is allowed after `last`; if so, first sleeps the delay.
  bool wait_before_retry(const HttpReply& last);
  int attempts() const { return attempts_; }  // made so far (1 after the first)
  Millis waited() const { return waited_; }

 private:
  const RetryPolicy& policy_;
  Timer& timer_;
  const Clock& clock_;
  std::function<double()> random_;
  Timer::TimePoint started_;
  int attempts_ = 1;
  Millis waited_{0};
};

// Uniform [0, 1) from a per-thread generator seeded from std::random_device.
double default_random();

}  // namespace dcvkit::certcentral
