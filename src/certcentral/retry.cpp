// When to try again, and how long to wait first: full-jitter exponential backoff that honours
// Retry-After, and the split between "nothing happened" and "something may have happened".
#include <algorithm>
#include <cmath>
#include <random>

#include "dcvkit/certcentral_pacing.hpp"
#include "dcvkit/time.hpp"

namespace dcvkit::certcentral {
namespace {

constexpr long long kMaxRetryAfterSeconds = 7LL * 86400;

std::optional<int> month_number(std::string_view name) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i)
    if (kMonths[i] == name) return i + 1;
  return std::nullopt;
}

std::optional<int> digits(std::string_view s) {
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// IMF-fixdate (RFC 9110 §5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT", the form servers must send.
std::optional<UnixSeconds> parse_imf_fixdate(std::string_view s) {
  if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT")
    return std::nullopt;
  auto day = digits(s.substr(5, 2)), year = digits(s.substr(12, 4)), hour = digits(s.substr(17, 2)),
       minute = digits(s.substr(20, 2)), second = digits(s.substr(23, 2));
  auto month = month_number(s.substr(8, 3));
  if (!day || !year || !hour || !minute || !second || !month) return std::nullopt;
  const CivilTime t{*year, *month, *day, *hour, *minute, *second};
  if (!is_valid_civil(t)) return std::nullopt;
  return to_unix(t);
}

}  // namespace

Millis backoff_delay(const RetryPolicy& policy, int retry, double unit_random, std::optional<Millis> floor) {
  const int shift = std::clamp(retry - 1, 0, 30);
  const long long base = std::max<long long>(policy.base.count(), 1);
  const long long ceiling = std::min<long long>(policy.cap.count(), base << std::min(shift, 20));
  const double r = std::clamp(unit_random, 0.0, std::nextafter(1.0, 0.0));
  Millis delay(static_cast<long long>(r * static_cast<double>(ceiling)));
  if (floor) delay = std::max(delay, *floor);
  return delay;
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, UnixSeconds now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (value.find_first_not_of("0123456789") == std::string_view::npos) {
    if (value.size() > 9) return std::chrono::seconds(kMaxRetryAfterSeconds);
    long long s = 0;
    for (char c : value) s = s * 10 + (c - '0');
    return std::chrono::seconds(std::min(s, kMaxRetryAfterSeconds));
  }
  if (auto at = parse_imf_fixdate(value)) return std::chrono::seconds(std::clamp<long long>(*at - now, 0, kMaxRetryAfterSeconds));
  return std::nullopt;
}

ReplyClass classify_reply(const HttpReply& reply, bool idempotent) {
  if (reply.failure == TransportFailure::None) {
    const long s = reply.status;
    if (s >= 200 && s < 300) return ReplyClass::Success;
    if (s == 429) return ReplyClass::Retryable;  // refused before any work
    if (s == 408 || s == 500 || s == 502 || s == 503 || s == 504)
      return idempotent ? ReplyClass::Retryable : ReplyClass::Ambiguous;
    if (s >= 500) return idempotent ? ReplyClass::Retryable : ReplyClass::Ambiguous;
    return ReplyClass::Final;  // 3xx (never followed) and other 4xx: the same request gets the same answer
  }
  switch (reply.failure) {
    case TransportFailure::TlsVerify:
    case TransportFailure::TlsHostMismatch:
    case TransportFailure::TlsProtocol:
    case TransportFailure::Local: return ReplyClass::Final;
    // The same request gets the same oversized answer; an order may still have been created.
    case TransportFailure::TooLarge: return idempotent ? ReplyClass::Final : ReplyClass::Ambiguous;
    case TransportFailure::NotSent: return ReplyClass::Retryable;
    case TransportFailure::TlsHandshake:
      return reply.maybe_sent && !idempotent ? ReplyClass::Ambiguous : ReplyClass::Retryable;
    default:
      if (idempotent) return ReplyClass::Retryable;
      return reply.maybe_sent ? ReplyClass::Ambiguous : ReplyClass::Retryable;
  }
}

Backoff::Backoff(const RetryPolicy& policy, Timer& timer, const Clock& clock, std::function<double()> random)
    : policy_(policy), timer_(timer), clock_(clock), random_(std::move(random)), started_(timer.now()) {
  if (!random_) random_ = default_random;
}

bool Backoff::wait_before_retry(const HttpReply& last) {
  if (attempts_ >= policy_.max_attempts) return false;
  std::optional<Millis> floor;
  if (!last.retry_after.empty()) {
    if (auto s = parse_retry_after(last.retry_after, clock_.now())) {
      if (*s > policy_.max_retry_after) return false;  // the server wants a long pause: say so instead of hanging
      floor = std::chrono::duration_cast<Millis>(*s);
    }
  }
  if (!floor && last.failure == TransportFailure::None && last.status == 429) floor = policy_.rate_limited_floor;
  const Millis delay = backoff_delay(policy_, attempts_, random_(), floor);
  if (timer_.now() + delay - started_ > policy_.max_elapsed) return false;
  timer_.sleep_for(delay);
  waited_ += delay;
  ++attempts_;
  return true;
}

double default_random() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

}  // namespace dcvkit::certcentral
