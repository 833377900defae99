// When new tokens are dated: the one default of `token new`, `publish` and `run`, and whether the
// clock they are dated by can be trusted.
#pragma once

#include <optional>

#include "dcvkit/clock.hpp"

namespace dcvkit {

// New tokens are dated this far in the past by default: the CA rejects a token dated in its
// future, and its clock may be a little behind ours.
inline constexpr UnixSeconds kTokenClockSkewMargin = 300;
inline constexpr UnixSeconds default_token_timestamp(UnixSeconds now) { return now - kTokenClockSkewMargin; }

// adjtimex(2), read only: false when the kernel flags the system clock unsynchronised
// (STA_UNSYNC or TIME_ERROR), nothing when that cannot be read.
std::optional<bool> system_clock_synchronised();

}  // namespace dcvkit
