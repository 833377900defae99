#include "dcvkit/time.hpp"

#include <chrono>
#include <cstdio>
#include <thread>

namespace dcvkit {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days: exact for the proleptic Gregorian calendar.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Reads exactly n ASCII digits; no sign, no spaces (std::from_chars would accept neither either,
// but it would stop early instead of failing on "2024 1").
bool read_digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

Error bad_instant(std::string_view text, const std::string& why) {
  return make_error(ErrorKind::InvalidInput, "time.invalid", "'" + std::string(text) + "' is not a valid time: " + why,
                    "use now, YYYYMMDDHHMMSS, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC; +HH:MM offsets allowed)");
}

}  // namespace

UnixSeconds SystemClock::now() const {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

const Clock& system_clock() {
  static const SystemClock clock;
  return clock;
}

namespace {

class SteadyTimer final : public Timer {
 public:
  TimePoint now() override { return std::chrono::steady_clock::now(); }
  void sleep_for(std::chrono::nanoseconds duration) override { std::this_thread::sleep_for(duration); }
};

}  // namespace

Timer& steady_timer() {
  static SteadyTimer timer;
  return timer;
}

bool is_valid_civil(const CivilTime& t) {
  return t.year >= 1 && t.year <= 9999 && t.month >= 1 && t.month <= 12 && t.day >= 1 &&
         t.day <= days_in_month(t.year, t.month) && t.hour >= 0 && t.hour <= 23 && t.minute >= 0 && t.minute <= 59 &&
         t.second >= 0 && t.second <= 59;
}

UnixSeconds to_unix(const CivilTime& t) {
  return days_from_civil(t.year, static_cast<unsigned>(t.month), static_cast<unsigned>(t.day)) * 86400 +
         UnixSeconds{t.hour} * 3600 + UnixSeconds{t.minute} * 60 + t.second;
}

CivilTime to_civil(UnixSeconds s) {
  std::int64_t days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
  std::int64_t secs = s - days * 86400;
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  CivilTime t;
  t.year = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2));
  t.month = static_cast<int>(m);
  t.day = static_cast<int>(d);
  t.hour = static_cast<int>(secs / 3600);
  t.minute = static_cast<int>(secs % 3600 / 60);
  t.second = static_cast<int>(secs % 60);
  return t;
}

Result<UnixSeconds> parse_compact_timestamp(std::string_view text) {
  CivilTime t;
  if (text.size() != 14 || !read_digits(text, 0, 4, t.year) || !read_digits(text, 4, 2, t.month) ||
      !read_digits(text, 6, 2, t.day) || !read_digits(text, 8, 2, t.hour) || !read_digits(text, 10, 2, t.minute) ||
      !read_digits(text, 12, 2, t.second))
    return make_error(ErrorKind::InvalidInput, "timestamp.format",
                      "timestamp '" + std::string(text.substr(0, 40)) + "' is not 14 digits yyyyMMddHHmmss",
                      "example: 20261123143000 for 2026-11-23 14:30:00 UTC");
  if (!is_valid_civil(t))
    return make_error(ErrorKind::InvalidInput, "timestamp.not_a_date",
                      "timestamp '" + std::string(text) + "' is not a real UTC calendar time",
                      "check month (01-12), day for that month, hour (00-23), minute and second (00-59)");
  return to_unix(t);
}

std::string format_compact_timestamp(UnixSeconds s) {
  CivilTime t = to_civil(s);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d%02d%02d%02d", t.year, t.month, t.day, t.hour, t.minute, t.second);
  return buf;
}

std::string format_iso8601(UnixSeconds s) {
  CivilTime t = to_civil(s);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", t.year, t.month, t.day, t.hour, t.minute,
                t.second);
  return buf;
}

Result<UnixSeconds> parse_instant(std::string_view text, const Clock& clock) {
  if (text == "now") return clock.now();
  if (text.size() == 14 && text.find_first_not_of("0123456789") == std::string_view::npos)
    return parse_compact_timestamp(text);

  CivilTime t;
  if (!read_digits(text, 0, 4, t.year) || text.size() < 10 || text[4] != '-' || !read_digits(text, 5, 2, t.month) ||
      text[7] != '-' || !read_digits(text, 8, 2, t.day))
    return bad_instant(text, "expected a date YYYY-MM-DD first");
  std::size_t pos = 10;
  int offset = 0;
  if (pos < text.size()) {
    if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') return bad_instant(text, "expected 'T' after the date");
    if (!read_digits(text, pos + 1, 2, t.hour) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !read_digits(text, pos + 4, 2, t.minute))
      return bad_instant(text, "expected HH:MM after 'T'");
    pos += 6;
    if (pos < text.size() && text[pos] == ':') {
      if (!read_digits(text, pos + 1, 2, t.second)) return bad_instant(text, "expected two digits of seconds");
      pos += 3;
    }
    if (pos < text.size() && text[pos] == '.') {  // fractional seconds: truncated, the token has none
      ++pos;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
    }
    if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
      ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      int oh = 0, om = 0;
      if (!read_digits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
          !read_digits(text, pos + 4, 2, om) || oh > 23 || om > 59)
        return bad_instant(text, "expected a zone offset as +HH:MM");
      offset = (oh * 3600 + om * 60) * (text[pos] == '+' ? 1 : -1);
      pos += 6;
    }
    if (pos != text.size()) return bad_instant(text, "unexpected text after the time");
  }
  if (!is_valid_civil(t)) return bad_instant(text, "no such calendar date or time");
  return to_unix(t) - offset;
}

std::string format_duration(UnixSeconds seconds) {
  if (seconds < 0) seconds = 0;
  const UnixSeconds d = seconds / 86400, h = seconds % 86400 / 3600, m = seconds % 3600 / 60, s = seconds % 60;
  std::string out;
  if (d) out += std::to_string(d) + "d ";
  if (d || h) out += std::to_string(h) + "h ";
  if (d || h || m) out += std::to_string(m) + "m ";
  out += std::to_string(s) + "s";
  return out;
}

std::optional<long long> parse_duration(const std::string& text) {
  if (text.empty()) return std::nullopt;
  long long unit = 1;
  std::string digits = text;
  switch (text.back()) {
    case 's': digits.pop_back(); break;
    case 'm': unit = 60; digits.pop_back(); break;
    case 'h': unit = 3600; digits.pop_back(); break;
    case 'd': unit = 86400; digits.pop_back(); break;
    default: break;
  }
  if (digits.empty() || digits.size() > 6 || digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stoll(digits) * unit;
}

}  // namespace dcvkit
