// The HTTP probe against a real nginx on loopback (every name is pinned to 127.0.0.1 by
// connect_address): what the CA's fetch rules let through, hop by hop.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <utility>

#include "dcvkit/check_http.hpp"
#include "support/dns_server.hpp"  // free_loopback_port
#include "support/nginx_server.hpp"

namespace {

using namespace dcvkit;
using dcvkit::test::NginxServer;
namespace hosts = dcvkit::test::nginx_hosts;

const std::string kToken = "0123456789abcdefghijklmnopqrstuv";
const std::string kWellKnown = "/.well-known/pki-validation/";

// Completes TCP handshakes (the kernel does, into the backlog) and never reads or answers.
class HangServer {
 public:
  HangServer() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 64) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error("hang server: cannot listen");
    port_ = ntohs(a.sin_port);
  }
  ~HangServer() { ::close(fd_); }
  HangServer(const HangServer&) = delete;
  HangServer& operator=(const HangServer&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  int fd_;
  std::uint16_t port_ = 0;
};

HttpProbeOptions loopback(std::uint16_t http_port, std::uint16_t https_port) {
  HttpProbeOptions o;
  o.http_port = http_port;
  o.https_port = https_port;
  o.connect_address = "127.0.0.1";
  return o;
}

HttpObservation probe_one(const HttpProbeOptions& options, const std::string& name) {
  auto probe = HttpProbe::create(options);
  EXPECT_TRUE(probe.ok());
  HttpObservation result;
  int calls = 0;
  (*probe)->submit(name, [&](HttpObservation o) {
    result = std::move(o);
    ++calls;
  });
  (*probe)->run();
  EXPECT_EQ(calls, 1) << "done is called once per name";
  return result;
}

std::string url(const std::string& scheme, const std::string& host, const std::string& file = "fileauth.txt") {
  return scheme + "://" + host + kWellKnown + file;
}

std::vector<long> statuses(const HttpAttempt& a) {
  std::vector<long> s;
  for (const auto& h : a.hops) s.push_back(h.status);
  return s;
}

class CheckHttpProbe : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server = new NginxServer(); }
  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
  }
  static HttpProbeOptions options() { return loopback(server->http_port(), server->https_port()); }
  static HttpObservation probe(const std::string& name) { return probe_one(options(), name); }
  // Both attempts failed the same way after one hop with `status`.
  static void expect_both_fail(const HttpObservation& o, const std::string& code, long status) {
    ASSERT_EQ(o.attempts.size(), 2u) << "a failed https attempt is followed by http";
    for (const auto& a : o.attempts) {
      EXPECT_EQ(a.error_code, code) << a.start_url << ": " << a.error_detail;
      EXPECT_FALSE(a.error_detail.empty());
      ASSERT_FALSE(a.hops.empty());
      EXPECT_EQ(a.hops.back().status, status);
      EXPECT_TRUE(a.body.empty());
    }
    EXPECT_EQ(o.attempts[0].start_url, url("https", o.name));
    EXPECT_EQ(o.attempts[1].start_url, url("http", o.name));
  }

  static NginxServer* server;
};
NginxServer* CheckHttpProbe::server = nullptr;

TEST_F(CheckHttpProbe, HttpsBodyIsEnoughAndHttpIsNotTried) {
  server->put_token_file("ok.example.test", kToken);
  const auto o = probe("ok.example.test");
  EXPECT_EQ(o.name, "ok.example.test");
  ASSERT_EQ(o.attempts.size(), 1u);
  const auto& a = o.attempts[0];
  EXPECT_EQ(a.start_url, url("https", "ok.example.test"));
  EXPECT_EQ(a.error_code, "") << a.error_detail;
  ASSERT_EQ(a.hops.size(), 1u);
  EXPECT_EQ(a.hops[0].url, a.start_url);
  EXPECT_EQ(a.hops[0].status, 200);
  EXPECT_TRUE(a.hops[0].error.empty());
  EXPECT_EQ(a.body, kToken);
  EXPECT_EQ(a.beyond, "");
  EXPECT_GT(o.elapsed_ms, 0.0);
}

TEST_F(CheckHttpProbe, SendsAPlainGetWithItsUserAgentAndNoCookies) {
  server->put_token_file("agent.example.test", kToken);
  ASSERT_EQ(probe("agent.example.test").attempts.at(0).error_code, "");
  const std::string expected = "agent.example.test \"GET " + kWellKnown + "fileauth.txt HTTP/1.1\" \"dcvkit/" +
                               DCVKIT_VERSION + " (pre-validation)\" \"-\" 200";
  const std::string log = server->access_log_containing(expected);
  EXPECT_NE(log.find(expected), std::string::npos) << log;
}

// MpicFileService.getPrimaryOnlyFileResponse: the first URL that answers 2xx is the one judged.
TEST_F(CheckHttpProbe, Https2xxWithoutTheTokenEndsTheNameAndHttpIsNeverAsked) {
  const std::string name = std::string("stale.") + hosts::kSplitRoots;
  server->put_https_token_file(name, "not the token");
  server->put_token_file(name, kToken);  // the right file, on the http document root only
  const auto o = probe(name);
  ASSERT_EQ(o.attempts.size(), 1u) << "https answered 200: http:// is not tried";
  EXPECT_EQ(o.attempts[0].start_url, url("https", name));
  EXPECT_EQ(o.attempts[0].error_code, "");
  EXPECT_EQ(o.attempts[0].body, "not the token");
  const std::string log = server->access_log_containing(name + " \"GET");
  std::size_t requests = 0;
  for (auto at = log.find(name + " \"GET"); at != std::string::npos; at = log.find(name + " \"GET", at + 1)) ++requests;
  EXPECT_EQ(requests, 1u) << log;
}

TEST_F(CheckHttpProbe, CatchAllHttpsAnswerIsTheOneJudged) {
  server->put_token_file(hosts::kCatchAll, kToken);
  const auto o = probe(hosts::kCatchAll);
  ASSERT_EQ(o.attempts.size(), 1u);
  EXPECT_EQ(o.attempts[0].body, "welcome\n");
}

TEST_F(CheckHttpProbe, HttpsWithoutTheFileFallsBackToHttp) {
  const std::string name = std::string("missing.") + hosts::kSplitRoots;
  server->put_token_file(name, kToken);
  const auto o = probe(name);
  ASSERT_EQ(o.attempts.size(), 2u);
  EXPECT_EQ(o.attempts[0].error_code, "http.not_found");
  EXPECT_EQ(o.attempts[1].error_code, "");
  EXPECT_EQ(o.attempts[1].body, kToken);
}

TEST_F(CheckHttpProbe, MissingFileIsNotFound) { expect_both_fail(probe("missing.example.test"), "http.not_found", 404); }
TEST_F(CheckHttpProbe, ForbiddenIsClientError) { expect_both_fail(probe(hosts::kForbidden), "http.client_error", 403); }
TEST_F(CheckHttpProbe, ServerErrorIsStatus5xx) { expect_both_fail(probe(hosts::kStatus500), "http.status_5xx", 500); }

TEST_F(CheckHttpProbe, SeeOtherIsNotFollowed) {
  const auto o = probe(hosts::kSeeOther);
  expect_both_fail(o, "http.status_other", 303);
  EXPECT_EQ(o.attempts[0].hops.size(), 1u);
}

TEST_F(CheckHttpProbe, HttpToHttpsOfTheSameNameIsFollowed) {
  // No file: https answers 404, so http is tried, and its 301 to https is followed.
  const auto o = probe(hosts::kToHttps);
  ASSERT_EQ(o.attempts.size(), 2u);
  const auto& a = o.attempts[1];
  EXPECT_EQ(a.error_code, "http.not_found") << a.error_detail;
  EXPECT_EQ(statuses(a), (std::vector<long>{301, 404}));
  EXPECT_EQ(a.hops[0].url, url("http", hosts::kToHttps));
  EXPECT_EQ(a.hops[0].location, url("https", hosts::kToHttps));
  EXPECT_EQ(a.hops[1].url, url("https", hosts::kToHttps));
}

TEST_F(CheckHttpProbe, RedirectToAnotherRegistrableDomainIsRefusedUnfetched) {
  const auto o = probe(hosts::kOffsite);
  expect_both_fail(o, "http.redirect_offsite", 302);
  EXPECT_EQ(o.attempts[0].hops.size(), 1u);
  EXPECT_EQ(o.attempts[0].hops[0].location, url("https", "elsewhere.example.org"));
  EXPECT_EQ(server->access_log().find("elsewhere"), std::string::npos) << "the offsite URL is never asked for";
}

TEST_F(CheckHttpProbe, RedirectWithinTheRegistrableDomainIsFollowed) {
  server->put_token_file("www.example.test", kToken);
  const auto o = probe(hosts::kSibling);
  ASSERT_EQ(o.attempts.size(), 1u);
  const auto& a = o.attempts[0];
  EXPECT_EQ(a.error_code, "") << a.error_detail;
  EXPECT_EQ(statuses(a), (std::vector<long>{302, 200}));
  EXPECT_EQ(a.hops[1].url, url("http", "www.example.test")) << "https to http is allowed too";
  EXPECT_EQ(a.body, kToken);
}

TEST_F(CheckHttpProbe, RedirectToANonDefaultPortIsRefused) {
  const auto o = probe(hosts::kBadPort);
  expect_both_fail(o, "http.redirect_bad_port", 301);
  EXPECT_NE(o.attempts[0].hops[0].location.find(":8080/"), std::string::npos) << o.attempts[0].hops[0].location;
  EXPECT_NE(o.attempts[0].error_detail.find("8080"), std::string::npos);
}

TEST_F(CheckHttpProbe, ExplicitDefaultPortIsFollowed) {
  server->put_file(hosts::kExplicitPort, ".well-known/pki-validation/real.txt", kToken);
  const auto o = probe(hosts::kExplicitPort);
  ASSERT_EQ(o.attempts.size(), 1u);
  const auto& a = o.attempts[0];
  EXPECT_EQ(a.error_code, "") << a.error_detail;
  EXPECT_EQ(statuses(a), (std::vector<long>{301, 200}));
  EXPECT_EQ(a.hops[1].url, url("http", hosts::kExplicitPort, "real.txt")) << "\":80\" is the default port of http";
  EXPECT_EQ(a.body, kToken);
}

TEST_F(CheckHttpProbe, RedirectToAnotherSchemeIsRefused) {
  const auto o = probe(hosts::kBadScheme);
  expect_both_fail(o, "http.redirect_bad_scheme", 302);
  EXPECT_EQ(o.attempts[0].hops[0].location.rfind("ftp://", 0), 0u);
}

TEST_F(CheckHttpProbe, RedirectLoopIsCaughtWhereItCloses) {
  const auto o = probe(hosts::kLoop);
  expect_both_fail(o, "http.redirect_loop", 302);
  for (const auto& a : o.attempts) {
    EXPECT_EQ(statuses(a), (std::vector<long>{302, 302}));
    EXPECT_EQ(a.hops[1].location, a.start_url);
  }
}

TEST_F(CheckHttpProbe, FiveRedirectsAreFollowed) {
  server->put_file(hosts::kChain5, ".well-known/pki-validation/final.txt", kToken);
  const auto o = probe(hosts::kChain5);
  ASSERT_EQ(o.attempts.size(), 1u);
  const auto& a = o.attempts[0];
  EXPECT_EQ(a.error_code, "") << a.error_detail;
  EXPECT_EQ(statuses(a), (std::vector<long>{301, 302, 307, 308, 301, 200}));
  EXPECT_EQ(a.hops.back().url, url("https", hosts::kChain5, "final.txt"));
  EXPECT_EQ(a.body, kToken);
}

TEST_F(CheckHttpProbe, SixthRedirectIsTooMany) {
  server->put_file(hosts::kChain6, ".well-known/pki-validation/final.txt", kToken);
  const auto o = probe(hosts::kChain6);
  expect_both_fail(o, "http.too_many_redirects", 302);
  for (const auto& a : o.attempts) EXPECT_EQ(statuses(a), (std::vector<long>{301, 302, 307, 308, 301, 302}));
  EXPECT_EQ(server->access_log().find(std::string(hosts::kChain6) + " \"GET " + kWellKnown + "final.txt"),
            std::string::npos)
      << "the target of the 6th redirect is never asked for";
}

TEST_F(CheckHttpProbe, RelativeLocationResolvesAgainstTheCurrentUrl) {
  server->put_file(hosts::kRelative, ".well-known/pki-validation/moved.txt", kToken);
  const auto o = probe(hosts::kRelative);
  ASSERT_EQ(o.attempts.size(), 1u);
  const auto& a = o.attempts[0];
  EXPECT_EQ(a.error_code, "") << a.error_detail;
  EXPECT_EQ(statuses(a), (std::vector<long>{302, 200}));
  EXPECT_EQ(a.hops[0].location, url("https", hosts::kRelative, "moved.txt"));
  EXPECT_EQ(a.body, kToken);
}

TEST_F(CheckHttpProbe, BodyIsSplitWhereTheCaStopsReading) {
  const std::string head(5000, 'x');
  server->put_token_file("late.example.test", head + kToken + "\n");
  const auto o = probe("late.example.test");
  ASSERT_EQ(o.attempts.size(), 1u) << "a 2xx https answer is judged alone, even when the token is past byte 5,000";
  EXPECT_EQ(o.attempts[0].error_code, "");
  EXPECT_EQ(o.attempts[0].body, head);
  EXPECT_EQ(o.attempts[0].beyond, kToken + "\n");
}

TEST_F(CheckHttpProbe, LongBodyIsCutAtTheDiagnosticLimitWithoutError) {
  server->put_token_file("long.example.test", std::string(300000, 'y'));
  auto opts = options();
  opts.diagnostic_limit = 20000;
  const auto o = probe_one(opts, "long.example.test");
  ASSERT_EQ(o.attempts.size(), 1u);
  const auto& a = o.attempts[0];
  EXPECT_EQ(a.error_code, "") << a.error_detail;
  EXPECT_TRUE(a.hops[0].error.empty()) << a.hops[0].error;
  EXPECT_EQ(a.body.size(), 5000u);
  EXPECT_EQ(a.beyond.size(), 15000u);
}

TEST_F(CheckHttpProbe, TlsFailureIsConnectFailedAndHttpStillTried) {
  server->put_token_file("tls.example.test", kToken);
  // Plain HTTP where TLS is expected: the handshake fails.
  const auto o = probe_one(loopback(server->http_port(), server->http_port()), "tls.example.test");
  ASSERT_EQ(o.attempts.size(), 2u);
  EXPECT_EQ(o.attempts[0].error_code, "http.connect_failed");
  ASSERT_EQ(o.attempts[0].hops.size(), 1u);
  EXPECT_EQ(o.attempts[0].hops[0].status, 0);
  EXPECT_FALSE(o.attempts[0].hops[0].error.empty());
  EXPECT_NE(o.attempts[0].error_detail.find(o.attempts[0].hops[0].error), std::string::npos);
  EXPECT_EQ(o.attempts[1].error_code, "");
  EXPECT_EQ(o.attempts[1].body, kToken);
}

TEST_F(CheckHttpProbe, NameThatIsNoHostNameIsNeverFetched) {
  const auto o = probe("evil.example.test/@other");
  ASSERT_EQ(o.attempts.size(), 2u);
  EXPECT_EQ(o.attempts[0].error_code, "http.connect_failed");
  EXPECT_TRUE(o.attempts[0].hops.empty());
}

TEST(CheckHttpProbeOptions, RejectsNonsense) {
  HttpProbeOptions o = loopback(80, 443);
  o.max_in_flight = 0;
  auto p = HttpProbe::create(o);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, "http.bad_options");
}

TEST(CheckHttpProbeNetwork, ClosedPortIsConnectFailed) {
  const auto closed = test::free_loopback_port();
  const auto o = probe_one(loopback(closed, closed), "closed.example.test");
  ASSERT_EQ(o.attempts.size(), 2u);
  for (const auto& a : o.attempts) {
    EXPECT_EQ(a.error_code, "http.connect_failed");
    ASSERT_EQ(a.hops.size(), 1u);
    EXPECT_EQ(a.hops[0].status, 0);
    EXPECT_FALSE(a.hops[0].error.empty());
  }
  EXPECT_LT(o.elapsed_ms, 1000.0);
}

TEST(CheckHttpProbeNetwork, SilentServerTimesOutOnTime) {
  HangServer hang;
  auto opts = loopback(hang.port(), test::free_loopback_port());  // https refused, http hangs
  opts.read_timeout_ms = 1000;
  const auto start = std::chrono::steady_clock::now();
  const auto o = probe_one(opts, "slow.example.test");
  const double wall = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(o.attempts.size(), 2u);
  EXPECT_EQ(o.attempts[0].error_code, "http.connect_failed");
  EXPECT_EQ(o.attempts[1].error_code, "http.timeout") << o.attempts[1].error_detail;
  EXPECT_GE(o.elapsed_ms, 950.0);
  EXPECT_LT(wall, 1500.0);
}

TEST(CheckHttpProbeNetwork, SilentTlsServerTimesOutOnBothAttempts) {
  HangServer hang;
  auto opts = loopback(hang.port(), hang.port());
  opts.read_timeout_ms = 700;
  const auto o = probe_one(opts, "slow-tls.example.test");
  ASSERT_EQ(o.attempts.size(), 2u);
  for (const auto& a : o.attempts) EXPECT_EQ(a.error_code, "http.timeout") << a.error_detail;
  EXPECT_GE(o.elapsed_ms, 1350.0);
  EXPECT_LT(o.elapsed_ms, 2200.0);
}

TEST_F(CheckHttpProbe, FiveHundredNamesWithBoundedInFlight) {
  constexpr int kNames = 500;
  constexpr std::size_t kLimit = 25;
  auto name = [](int i) { return "n" + std::to_string(i) + ".load.example.test"; };
  for (int i = 0; i < kNames; ++i) server->put_token_file(name(i), kToken + std::to_string(i));
  auto opts = options();
  opts.max_in_flight = kLimit;
  auto probe = HttpProbe::create(opts);
  ASSERT_TRUE(probe.ok());
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  std::vector<std::pair<double, double>> spans;  // [start, end] of each name, in ms since t0
  std::vector<HttpObservation> seen;
  int next = 0;
  std::function<void(HttpObservation)> done = [&](HttpObservation o) {
    const double end = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    spans.emplace_back(end - o.elapsed_ms, end);
    seen.push_back(std::move(o));
    if (next < kNames) (*probe)->submit(name(next++), done);  // callbacks feed the probe
  };
  for (; next < kNames / 2; ++next) (*probe)->submit(name(next), done);
  (*probe)->run();
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();

  ASSERT_EQ(seen.size(), static_cast<std::size_t>(kNames));
  int good = 0;
  for (const auto& o : seen) {
    const auto i = o.name.substr(1, o.name.find('.') - 1);
    good += o.attempts.size() == 1 && o.attempts[0].error_code.empty() && o.attempts[0].body == kToken + i;
  }
  EXPECT_EQ(good, kNames);
  // Sweep the spans: ends before starts at the same instant.
  std::vector<std::pair<double, int>> events;
  for (const auto& [s, e] : spans) {
    events.emplace_back(s, +1);
    events.emplace_back(e, -1);
  }
  std::sort(events.begin(), events.end());
  int now = 0, peak = 0;
  for (const auto& [t, d] : events) peak = std::max(peak, now += d);
  EXPECT_LE(peak, static_cast<int>(kLimit));
  EXPECT_GE(peak, 2) << "names do run concurrently";
  RecordProperty("names_per_second", std::to_string(kNames / seconds));
  std::printf("[ info ] %d names in %.2f s: %.0f names/s, peak in flight %d\n", kNames, seconds, kNames / seconds, peak);
}

}  // namespace
