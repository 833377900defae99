// Time is UTC seconds since the Unix epoch everywhere. The clock is injected so tests can sit
// exactly on the edges of a token's validity window.
#pragma once

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

}  // namespace dcvkit
