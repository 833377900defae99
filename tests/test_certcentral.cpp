// The client's pacing and error handling, with a fake clock: throttle windows over a burst of
// 3000, backoff bounds, Retry-After, reply classes, the error envelope, redaction, API URLs.
#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <thread>

#include "certcentral_fakes.hpp"
#include "dcvkit/certcentral.hpp"
#include "dcvkit/certcentral_errors.hpp"
#include "dcvkit/time.hpp"

namespace {

using namespace dcvkit;
using namespace dcvkit::certcentral;
using dcvkit::test::FakeTimer;
using std::chrono::milliseconds;
using std::chrono::seconds;

// The most sends in any closed window [t, t + period] (a stricter count than the server's).
std::size_t max_in_any_window(const std::vector<Timer::TimePoint>& sends, milliseconds period) {
  std::size_t best = 0, j = 0;
  for (std::size_t i = 0; i < sends.size(); ++i) {
    if (j < i) j = i;
    while (j < sends.size() && sends[j] <= sends[i] + period) ++j;
    best = std::max(best, j - i);
  }
  return best;
}

TEST(CertCentralThrottle, BurstOf3000NeverExceedsEitherApiWindow) {
  FakeTimer timer;
  Throttle throttle(kDefaultThrottle, timer);
  std::vector<Timer::TimePoint> sends;
  for (int i = 0; i < 3000; ++i) {
    throttle.acquire();
    sends.push_back(timer.now());
  }
  ASSERT_TRUE(std::is_sorted(sends.begin(), sends.end()));
  for (const auto& limit : kApiRateLimits)
    EXPECT_LE(max_in_any_window(sends, limit.period), limit.limit) << "window " << limit.period.count() << " ms";
  // ... and the 5-minute reading of the long window too.
  EXPECT_LE(max_in_any_window(sends, milliseconds(300000)), 1000u);
  // Not slower than it must be: 950 per 300 s sustained, the first 950 at 95 per 5 s.
  const double seconds_used = std::chrono::duration<double>(sends.back() - sends.front()).count();
  EXPECT_LE(seconds_used, 3 * 300.0 + 5.0 + 0.001) << seconds_used;
  EXPECT_GT(seconds_used, 2 * 300.0);
}

TEST(CertCentralThrottle, FirstWindowGoesAtOnceThenPacesToTheShortWindow) {
  FakeTimer timer;
  Throttle throttle({{95, milliseconds(5000)}, {950, milliseconds(300000)}}, timer);
  for (int i = 0; i < 95; ++i) EXPECT_EQ(throttle.acquire().count(), 0) << i;
  EXPECT_EQ(timer.slept().count(), 0);
  // The 96th waits until the 1st is more than 5 s old.
  EXPECT_EQ(throttle.acquire(), std::chrono::nanoseconds(seconds(5)) + std::chrono::nanoseconds(1));
  EXPECT_DOUBLE_EQ(throttle.burst_per_second(), 19.0);
  EXPECT_NEAR(throttle.sustained_per_second(), 950.0 / 300.0, 1e-9);
}

TEST(CertCentralThrottle, CustomWindowsAndIgnoredEmptyOnes) {
  FakeTimer timer;
  Throttle throttle({{3, milliseconds(1000)}, {0, milliseconds(10)}}, timer);
  std::vector<Timer::TimePoint> sends;
  for (int i = 0; i < 30; ++i) {
    throttle.acquire();
    sends.push_back(timer.now());
  }
  EXPECT_LE(max_in_any_window(sends, milliseconds(1000)), 3u);
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(sends.back() - sends.front()).count(), 9000);
}

TEST(CertCentralThrottle, ThreadsShareOneThrottleWithoutExceedingIt) {
  // Real time, small windows: 20 per 200 ms, 4 threads x 25 requests.
  Throttle throttle({{20, milliseconds(200)}});
  std::mutex m;
  std::vector<Timer::TimePoint> sends;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        throttle.acquire();
        std::lock_guard lock(m);
        sends.push_back(std::chrono::steady_clock::now());
      }
    });
  for (auto& t : threads) t.join();
  std::sort(sends.begin(), sends.end());
  // Recorded just after acquire: allow the recording a little slack.
  EXPECT_LE(max_in_any_window(sends, milliseconds(190)), 20u);
  EXPECT_EQ(sends.size(), 100u);
}

TEST(CertCentralThrottle, OnePerApiKeyInAProcess) {
  auto a = Throttle::for_key("key-a"), a2 = Throttle::for_key("key-a"), b = Throttle::for_key("key-b");
  EXPECT_EQ(a.get(), a2.get());
  EXPECT_NE(a.get(), b.get());
}

TEST(CertCentralBackoff, FullJitterWithinExponentialBounds) {
  RetryPolicy p;
  p.base = milliseconds(500);
  p.cap = milliseconds(20000);
  for (int retry = 1; retry <= 12; ++retry) {
    const long long ceiling = std::min<long long>(20000, 500LL << (retry - 1));
    EXPECT_EQ(backoff_delay(p, retry, 0.0).count(), 0) << retry;
    EXPECT_LE(backoff_delay(p, retry, 0.999999).count(), ceiling) << retry;
    EXPECT_GE(backoff_delay(p, retry, 0.999999).count(), ceiling - 1) << retry;
    EXPECT_EQ(backoff_delay(p, retry, 0.5).count(), ceiling / 2) << retry;
    EXPECT_LE(backoff_delay(p, retry, 1.0).count(), ceiling) << "1.0 is clamped below 1";
  }
  EXPECT_EQ(backoff_delay(p, 1, 0.1, milliseconds(3000)).count(), 3000) << "Retry-After is a floor";
  EXPECT_EQ(backoff_delay(p, 8, 0.9, milliseconds(3000)).count(), 18000) << "the jitter may wait longer";
  EXPECT_LE(backoff_delay(p, 1000, 0.9).count(), 20000) << "no overflow for absurd retry numbers";
}

TEST(CertCentralBackoff, RandomDelaysStayInBoundsAndSpread) {
  RetryPolicy p;
  std::set<long long> seen;
  for (int i = 0; i < 2000; ++i) {
    auto d = backoff_delay(p, 3, default_random());
    ASSERT_GE(d.count(), 0);
    ASSERT_LE(d.count(), 2000);
    seen.insert(d.count() / 100);
  }
  EXPECT_GE(seen.size(), 18u) << "full jitter spreads over the whole range";
}

TEST(CertCentralBackoff, BoundedInAttemptsAndTimeAndHonoursRetryAfter) {
  FakeTimer timer;
  FixedClock clock(1'800'000'000);
  RetryPolicy p;
  p.max_attempts = 4;
  Backoff b(p, timer, clock, [] { return 0.5; });
  HttpReply busy = dcvkit::test::reply(503);
  EXPECT_TRUE(b.wait_before_retry(busy));
  EXPECT_TRUE(b.wait_before_retry(dcvkit::test::reply(429, "", "3")));
  EXPECT_EQ(timer.sleeps.back(), std::chrono::nanoseconds(seconds(3)));
  EXPECT_TRUE(b.wait_before_retry(dcvkit::test::reply(429)));
  EXPECT_GE(timer.sleeps.back(), std::chrono::nanoseconds(p.rate_limited_floor)) << "a bare 429 waits at least the floor";
  EXPECT_FALSE(b.wait_before_retry(busy)) << "4 attempts made";
  EXPECT_EQ(b.attempts(), 4);

  FakeTimer t2;
  RetryPolicy slow;
  slow.max_attempts = 100;
  slow.max_elapsed = milliseconds(10000);
  Backoff b2(slow, t2, clock, [] { return 0.99; });
  int retries = 0;
  while (b2.wait_before_retry(busy)) ++retries;
  EXPECT_LE(t2.seconds_since_start(), 10.0);
  EXPECT_GT(retries, 2);

  FakeTimer t3;
  Backoff b3(p, t3, clock, [] { return 0.5; });
  EXPECT_FALSE(b3.wait_before_retry(dcvkit::test::reply(429, "", "3600"))) << "a Retry-After over the maximum: give up, do not hang";
  EXPECT_EQ(t3.slept().count(), 0);
}

TEST(CertCentralRetryAfter, SecondsAndHttpDates) {
  const UnixSeconds now = *parse_compact_timestamp("19941106084927");
  EXPECT_EQ(parse_retry_after("120", now), seconds(120));
  EXPECT_EQ(parse_retry_after(" 0 ", now), seconds(0));
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), seconds(10));
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:17 GMT", now), seconds(0)) << "a date in the past";
  EXPECT_EQ(parse_retry_after("99999999999999", now), seconds(7 * 86400)) << "capped";
  for (const char* bad : {"", "soon", "-5", "1.5", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 31 Feb 1994 08:49:37 GMT",
                          "Sunday, 06-Nov-94 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT"})
    EXPECT_FALSE(parse_retry_after(bad, now).has_value()) << bad;
}

TEST(CertCentralRetry, ReplyClassesForIdempotentAndOrderRequests) {
  using dcvkit::test::failure;
  using dcvkit::test::reply;
  struct Row {
    HttpReply r;
    ReplyClass get, post;
  };
  const std::vector<Row> rows = {
      {reply(200), ReplyClass::Success, ReplyClass::Success},
      {reply(201), ReplyClass::Success, ReplyClass::Success},
      {reply(400), ReplyClass::Final, ReplyClass::Final},
      {reply(401), ReplyClass::Final, ReplyClass::Final},
      {reply(404), ReplyClass::Final, ReplyClass::Final},
      {reply(301), ReplyClass::Final, ReplyClass::Final},
      {reply(429), ReplyClass::Retryable, ReplyClass::Retryable},
      {reply(408), ReplyClass::Retryable, ReplyClass::Ambiguous},
      {reply(500), ReplyClass::Retryable, ReplyClass::Ambiguous},
      {reply(502), ReplyClass::Retryable, ReplyClass::Ambiguous},
      {reply(503), ReplyClass::Retryable, ReplyClass::Ambiguous},
      {reply(504), ReplyClass::Retryable, ReplyClass::Ambiguous},
      {failure(TransportFailure::NotSent, false), ReplyClass::Retryable, ReplyClass::Retryable},
      {failure(TransportFailure::TlsHandshake, false), ReplyClass::Retryable, ReplyClass::Retryable},
      {failure(TransportFailure::TlsVerify, false), ReplyClass::Final, ReplyClass::Final},
      {failure(TransportFailure::Timeout, true), ReplyClass::Retryable, ReplyClass::Ambiguous},
      {failure(TransportFailure::Timeout, false), ReplyClass::Retryable, ReplyClass::Retryable},
      {failure(TransportFailure::ConnectionLost, true), ReplyClass::Retryable, ReplyClass::Ambiguous},
      {failure(TransportFailure::Other, true), ReplyClass::Retryable, ReplyClass::Ambiguous},
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(classify_reply(rows[i].r, true), rows[i].get) << "row " << i;
    EXPECT_EQ(classify_reply(rows[i].r, false), rows[i].post) << "row " << i;
  }
}

HttpReply api_reply(long status, const std::string& code, const std::string& message = "the message") {
  return dcvkit::test::reply(status, R"({"errors":[{"code":")" + code + R"(","message":")" + message + R"("}]})");
}

TEST(CertCentralErrors, EnvelopeWithDetail) {
  auto entries = parse_error_envelope(R"({"errors":[{"code":"not_found|order","message":"Order not found."},{"code":"x"}]})");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].code, "not_found");
  EXPECT_EQ(entries[0].detail, "order");
  EXPECT_EQ(entries[0].message, "Order not found.");
  EXPECT_EQ(entries[1].code, "x");
  EXPECT_TRUE(parse_error_envelope("<html>502 Bad Gateway</html>").empty());
  EXPECT_TRUE(parse_error_envelope(R"({"errors":"nope"})").empty());
  EXPECT_TRUE(parse_error_envelope("").empty());
}

TEST(CertCentralErrors, MappedToKindsCodesAndHints) {
  struct Row {
    HttpReply r;
    ErrorKind kind;
    std::string code, hint_part;
  };
  const std::vector<Row> rows = {
      {api_reply(400, "auth_key_not_setup"), ErrorKind::ApiRejected, "api.auth_key_not_setup", "dcvkit authkey create"},
      {api_reply(400, "auth_key_exists_for_account"), ErrorKind::ApiRejected, "api.auth_key_exists_for_account", "dcvkit authkey show --out"},
      {api_reply(400, "invalid_dns_txt"), ErrorKind::ApiRejected, "api.invalid_dns_txt", "dcvkit check"},
      {api_reply(400, "file_random_value_not_found"), ErrorKind::ApiRejected, "api.file_random_value_not_found", "--method http"},
      {api_reply(404, "not_found|order"), ErrorKind::ApiRejected, "api.not_found.order", "dcvkit order list"},
      {api_reply(404, "not_found|product"), ErrorKind::ApiRejected, "api.not_found.product", "ssl_dv_geotrust"},
      {api_reply(400, "invalid_csr"), ErrorKind::ApiRejected, "api.invalid_csr", "dcvkit csr show"},
      {api_reply(429, "request_limit_exceeded"), ErrorKind::RateLimited, "api.request_limit_exceeded", "wait"},
      {api_reply(401, "invalid_api_key"), ErrorKind::ApiAuth, "api.invalid_api_key", "--api-key-file"},
      {dcvkit::test::reply(401), ErrorKind::ApiAuth, "api.unauthorized", "DCVKIT_API_KEY"},
      {api_reply(403, "access_denied"), ErrorKind::ApiAuth, "api.access_denied", "permission"},
      {api_reply(500, "sandbox_fault"), ErrorKind::Network, "api.sandbox_fault", "try again later"},
      {dcvkit::test::reply(502, "<html>bad gateway</html>"), ErrorKind::Network, "api.server_error", "try again later"},
      {dcvkit::test::failure(TransportFailure::TlsVerify, false), ErrorKind::Network, "api.tls_untrusted", "--ca-bundle"},
      {dcvkit::test::failure(TransportFailure::NotSent, false), ErrorKind::Network, "api.connect_failed", "--api-url"},
      {dcvkit::test::failure(TransportFailure::Timeout, true), ErrorKind::Network, "api.timeout", "--api-timeout"},
  };
  for (const auto& row : rows) {
    const Error e = reply_error(row.r, "order 7");
    EXPECT_EQ(e.kind, row.kind) << row.code;
    EXPECT_EQ(e.code, row.code);
    EXPECT_NE(e.hint.find(row.hint_part), std::string::npos) << row.code << ": " << e.hint;
    EXPECT_EQ(e.message.rfind("order 7: ", 0), 0u) << e.message;
  }
  const Error e = reply_error(api_reply(404, "not_found|order", "Order not found."), "order 7");
  EXPECT_NE(e.message.find("Order not found."), std::string::npos);
  EXPECT_NE(e.message.find("HTTP 404"), std::string::npos);
  EXPECT_TRUE(has_api_code(e, "not_found"));
  EXPECT_FALSE(has_api_code(e, "not_fou"));
  const Error two = reply_error(
      dcvkit::test::reply(400, R"({"errors":[{"code":"invalid_dns_name","message":"a"},{"code":"missing_field|x","message":"b"}]})"), "o");
  EXPECT_NE(two.message.find("a; b"), std::string::npos) << two.message;
}

TEST(CertCentralRedact, KeysNeverReachTheLog) {
  const std::string body = R"({"auth_key_id":7, "auth_key" : "s3cr3tk3y\"x", "other":"auth_key"})";
  const std::string r = redact(body);
  EXPECT_EQ(r.find("s3cr3tk3y"), std::string::npos) << r;
  EXPECT_NE(r.find(R"("auth_key" : "[redacted]")"), std::string::npos) << r;
  EXPECT_NE(r.find(R"("other":"auth_key")"), std::string::npos) << "other members stay: " << r;
  EXPECT_NE(r.find("\"auth_key_id\":7"), std::string::npos);
  EXPECT_EQ(redact("key=APIKEY123 and APIKEY123 again", {"APIKEY123"}), "key=[redacted] and [redacted] again");
  EXPECT_EQ(redact(R"({"api_key":"k"})"), R"({"api_key":"[redacted]"})");
  EXPECT_EQ(redact(R"(truncated {"auth_key":"abc)"), R"(truncated {"auth_key":"[redacted]")");
  EXPECT_EQ(redact("nothing secret", {""}), "nothing secret");
}

TEST(CertCentralApiUrl, AliasesHttpsAndLoopbackHttpOnly) {
  EXPECT_EQ(*resolve_api_url("us"), "https://www.digicert.com/services/v2");
  EXPECT_EQ(*resolve_api_url("eu"), "https://certcentral.digicert.eu/services/v2");
  EXPECT_EQ(*resolve_api_url("https://x.example/services/v2/"), "https://x.example/services/v2");
  EXPECT_EQ(*resolve_api_url("http://127.0.0.1:8443/services/v2"), "http://127.0.0.1:8443/services/v2");
  EXPECT_TRUE(resolve_api_url("http://[::1]:80/services/v2"));
  EXPECT_TRUE(resolve_api_url("http://localhost/services/v2"));
  EXPECT_EQ(resolve_api_url("http://www.digicert.com/services/v2").error().code, "api.insecure_url");
  EXPECT_EQ(resolve_api_url("http://127.example.com/").error().code, "api.insecure_url");
  for (const char* bad : {"ftp://x", "www.digicert.com", "https://", "https://user@host/x", "https://a b/"})
    EXPECT_EQ(resolve_api_url(bad).error().code, "api.bad_url") << bad;
}

TEST(CertCentralApiKey, OnlyPrintableAscii) {
  EXPECT_TRUE(validate_api_key("ABCDEF0123456789abcdef"));
  EXPECT_EQ(validate_api_key("").error().kind, ErrorKind::ApiAuth);
  EXPECT_EQ(validate_api_key("abc\r\nX-Evil: 1").error().code, "api.bad_key");
  EXPECT_EQ(validate_api_key("abc def").error().code, "api.bad_key");
  EXPECT_EQ(validate_api_key("abc def").error().message.find("abc"), std::string::npos) << "the key is not echoed";
}

}  // namespace
