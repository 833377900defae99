// Time is UTC seconds since the Unix epoch everywhere. The clock is injected so tests can sit
// exactly on the edges of a token's validity window.
#pragma once

#include <chrono>
#include <cstdint>

namespace dcvkit {

using UnixSeconds = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixSeconds now() const = 0;
};

class SystemClock final : public Clock {
 public:
  UnixSeconds now() const override;
};

class FixedClock final : public Clock {
 public:
  explicit FixedClock(UnixSeconds t) : t_(t) {}
  UnixSeconds now() const override { return t_; }
  void set(UnixSeconds t) { t_ = t; }
  void advance(UnixSeconds s) { t_ += s; }

 private:
  UnixSeconds t_;
};

const Clock& system_clock();

// Monotonic time and sleeping, for deadlines and backoff (API pacing, polling, re-checking). The
// fake one in tests advances its time when asked to sleep, so a loop is tested at its deadline's
// edge without waiting.
class Timer {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~Timer() = default;
  virtual TimePoint now() = 0;
  virtual void sleep_for(std::chrono::nanoseconds duration) = 0;
};
Timer& steady_timer();  // the real clock, std::this_thread::sleep_for

}  // namespace dcvkit
