// Calendar conversions done by hand on purpose: timegm/strptime depend on the process's locale
// and TZ, and a token timestamp must mean the same UTC second on every machine.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "dcvkit/clock.hpp"
#include "dcvkit/error.hpp"

namespace dcvkit {

struct CivilTime {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
};

bool is_valid_civil(const CivilTime& t);
UnixSeconds to_unix(const CivilTime& t);   // t must be valid
CivilTime to_civil(UnixSeconds s);

// "yyyyMMddHHmmss", exactly 14 ASCII digits, a real calendar time (years 0001-9999).
Result<UnixSeconds> parse_compact_timestamp(std::string_view text);
std::string format_compact_timestamp(UnixSeconds s);  // 14 chars; year must be 0001-9999
std::string format_iso8601(UnixSeconds s);            // 2026-11-23T04:05:06Z

// What users type for an instant: "now", "yyyyMMddHHmmss", "YYYY-MM-DD",
// "YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM|-HH:MM]" (space instead of 'T' allowed; no zone = UTC).
Result<UnixSeconds> parse_instant(std::string_view text, const Clock& clock);

// "30s", "10m", "2h", "30d", or plain seconds (at most 6 digits), in seconds; nullopt otherwise.
std::optional<long long> parse_duration(const std::string& text);

// "29d 23h 59m 59s"-style human duration of a non-negative number of seconds.
std::string format_duration(UnixSeconds seconds);

}  // namespace dcvkit
