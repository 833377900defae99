// The one re-check loop (recheck_until) and the check service it runs on, against the real BIND
// servers of support/dns_fixture. Time between rounds comes from a fake timer that moves only when
// slept on, so the deadline's edges are hit exactly and nothing waits for real.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "dcvkit/check_recheck.hpp"
#include "dcvkit/token.hpp"
#include "support/dns_fixture.hpp"

namespace {

using namespace dcvkit;
using dcvkit::test::DnsFixture;
using std::chrono::milliseconds;
using std::chrono::seconds;

// A real token (dated an hour ago): the judge checks its validity window.
const std::string kToken = *compute_token("recheck-test-AuthKey-0123456789ab", "recheck test CSR", system_clock().now() - 3600);

DnsFixture& world() { return DnsFixture::shared(); }

// Moves only when slept on; runs `on_sleep` (the world changing while the loop waits) first.
class SteppingTimer final : public Timer {
 public:
  TimePoint now() override { return now_; }
  void sleep_for(std::chrono::nanoseconds d) override {
    sleeps.push_back(std::chrono::duration_cast<milliseconds>(d));
    if (on_sleep) on_sleep(sleeps.size());
    now_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
  }
  std::function<void(std::size_t nth)> on_sleep;
  std::vector<milliseconds> sleeps;

 private:
  TimePoint now_{};
};

CheckBatchOptions dns_options() {
  CheckBatchOptions o;
  o.dns = world().probe_options();
  o.caa.enabled = false;
  return o;
}

struct Seen {
  std::string name;
  int round;
  bool ok, final;
};

struct Waited {
  std::size_t failing;
  std::string example_name, example_code;  // the example lives only during the call
};

struct Outcome {
  Result<RecheckSummary> summary = RecheckSummary{};
  std::vector<Seen> results;
  std::vector<Waited> waits;
};

Outcome recheck(CheckService& service, const std::vector<std::string>& names, const RecheckOptions& options) {
  Outcome out;
  const auto expected = std::shared_ptr<const TokenExpectation>(TokenExpectation::exact({kToken}));
  std::size_t next = 0;
  RecheckCallbacks callbacks;
  callbacks.on_result = [&](const CheckResult& r, int round, bool final) { out.results.push_back({r.name, round, r.ok, final}); };
  callbacks.on_wait = [&](const RecheckWait& w) {
    ASSERT_NE(w.example, nullptr);
    out.waits.push_back({w.failing, w.example->name, w.example->code});
  };
  out.summary = recheck_until(
      service,
      [&]() -> std::optional<CheckRequest> {
        if (next == names.size()) return std::nullopt;
        return CheckRequest{names[next++], DcvMethod::Dns, expected};
      },
      options, callbacks);
  return out;
}

void publish_token(const std::string& name) {
  for (const auto* server : {&world().ns1(), &world().ns2()})
    server->update("example.test", {"update add _dnsauth." + name + ". 60 TXT \"" + kToken + "\""});
}

TEST(Recheck, ANameThatFailsFirstPassesOnTheRoundAfterItsTokenAppears) {
  const std::string late = world().nonexistent(), ready = world().token_on_both({kToken});
  SteppingTimer timer;
  timer.on_sleep = [&](std::size_t nth) {
    if (nth == 1) publish_token(late);
  };
  RecheckOptions o;
  o.deadline = seconds(600);
  o.timer = &timer;
  CheckService service(dns_options());
  const auto out = recheck(service, {late, ready}, o);
  ASSERT_TRUE(out.summary) << out.summary.error().message;
  EXPECT_EQ(out.summary->rounds, 2);
  EXPECT_EQ(out.summary->failing, 0u);
  EXPECT_EQ(timer.sleeps, std::vector<milliseconds>{milliseconds(2000)});
  ASSERT_EQ(out.waits.size(), 1u);
  EXPECT_EQ(out.waits[0].failing, 1u);
  EXPECT_EQ(out.waits[0].example_name, late);
  EXPECT_EQ(out.waits[0].example_code, "dns.nxdomain");
  // `ready` is answered once (final at round 1); `late` fails on round 1 (not final), passes on 2.
  std::map<std::string, std::vector<std::string>> by_name;
  for (const auto& s : out.results)
    by_name[s.name].push_back(std::to_string(s.round) + (s.ok ? "ok" : "fail") + (s.final ? "!" : ""));
  EXPECT_EQ(by_name[ready], std::vector<std::string>{"1ok!"});
  EXPECT_EQ(by_name[late], (std::vector<std::string>{"1fail", "2ok!"}));
}

// Never passes: rounds at t = 0, 2, 6 (waits 2 s, 4 s); the next wait (8 s) would end at 14 s.
std::vector<int> final_rounds_with_deadline(seconds deadline, SteppingTimer& timer, RecheckSummary& summary) {
  RecheckOptions o;
  o.deadline = deadline;
  o.timer = &timer;
  CheckService service(dns_options());
  const auto out = recheck(service, {world().nonexistent()}, o);
  EXPECT_TRUE(out.summary);
  if (out.summary) summary = *out.summary;
  std::vector<int> finals;
  for (const auto& s : out.results) {
    EXPECT_FALSE(s.ok);
    if (s.final) finals.push_back(s.round);
  }
  return finals;
}

TEST(Recheck, NoRoundStartsAfterTheDeadline) {
  SteppingTimer timer;
  RecheckSummary summary;
  EXPECT_EQ(final_rounds_with_deadline(seconds(13), timer, summary), std::vector<int>{3});
  EXPECT_EQ(timer.sleeps, (std::vector<milliseconds>{milliseconds(2000), milliseconds(4000)}));
  EXPECT_EQ(summary.rounds, 3);
  EXPECT_EQ(summary.failing, 1u);
  EXPECT_DOUBLE_EQ(summary.elapsed_seconds, 6.0);  // from the timer, not the deadline
}

TEST(Recheck, ARoundThatStartsExactlyAtTheDeadlineStillRuns) {
  SteppingTimer timer;
  RecheckSummary summary;
  EXPECT_EQ(final_rounds_with_deadline(seconds(14), timer, summary), std::vector<int>{4});
  EXPECT_EQ(timer.sleeps, (std::vector<milliseconds>{milliseconds(2000), milliseconds(4000), milliseconds(8000)}));
  EXPECT_DOUBLE_EQ(summary.elapsed_seconds, 14.0);
}

TEST(Recheck, WaitsDoubleUpToTheirCeiling) {
  SteppingTimer timer;
  RecheckOptions o;
  o.deadline = seconds(60);
  o.first_delay = milliseconds(5000);
  o.max_delay = milliseconds(12000);
  o.timer = &timer;
  CheckService service(dns_options());
  const auto out = recheck(service, {world().nonexistent()}, o);
  ASSERT_TRUE(out.summary);
  // 5 + 10 + 12 + 12 + 12 = 51; another 12 would end at 63 > 60.
  EXPECT_EQ(timer.sleeps, (std::vector<milliseconds>{milliseconds(5000), milliseconds(10000), milliseconds(12000),
                                                      milliseconds(12000), milliseconds(12000)}));
}

TEST(Recheck, WithoutADeadlineEveryResultIsFinalAndNothingWaits) {
  SteppingTimer timer;
  RecheckOptions o;
  o.timer = &timer;
  CheckService service(dns_options());
  const auto out = recheck(service, {world().nonexistent(), world().token_on_both({kToken})}, o);
  ASSERT_TRUE(out.summary);
  EXPECT_EQ(out.summary->rounds, 1);
  EXPECT_TRUE(timer.sleeps.empty());
  ASSERT_EQ(out.results.size(), 2u);
  for (const auto& s : out.results) EXPECT_TRUE(s.final) << s.name;
}

TEST(Recheck, AnInvalidNameIsNotAskedAgain) {
  SteppingTimer timer;
  RecheckOptions o;
  o.deadline = seconds(600);
  o.timer = &timer;
  CheckService service(dns_options());
  const auto out = recheck(service, {"bad..name.example.test"}, o);
  ASSERT_TRUE(out.summary);
  EXPECT_EQ(out.summary->rounds, 1);
  ASSERT_EQ(out.results.size(), 1u);
  EXPECT_TRUE(out.results[0].final);
  EXPECT_TRUE(timer.sleeps.empty());
}

// ---- the service: one per run -------------------------------------------------------------------

TEST(CheckService, LaterBatchesReuseTheZoneLookupsOfEarlierOnes) {
  // Two certificates' checks through one service: example.test's nameservers are looked up once.
  const auto ns_queries = [] { return world().resolver().count_queries("example.test IN NS"); };
  const auto expected = std::shared_ptr<const TokenExpectation>(TokenExpectation::exact({kToken}));
  const auto one = [&](CheckService& s, const std::string& name) {
    bool called = false;
    auto st = s.check([&, done = false]() mutable -> std::optional<CheckRequest> {
      if (done) return std::nullopt;
      done = true;
      return CheckRequest{name, DcvMethod::Dns, expected};
    }, [&](CheckResult r) { called = r.ok; });
    EXPECT_TRUE(st.ok());
    EXPECT_TRUE(called) << name;
  };
  const auto before = ns_queries();
  {
    CheckService service(dns_options());
    one(service, world().token_on_both({kToken}));
    one(service, world().token_on_both({kToken}));
    one(service, world().token_on_both({kToken}));
  }
  const auto shared = ns_queries() - before;
  EXPECT_EQ(shared, 1u);
  // A service per batch (what run did per certificate) asks every time.
  for (int i = 0; i < 3; ++i) {
    CheckService service(dns_options());
    one(service, world().token_on_both({kToken}));
  }
  EXPECT_EQ(ns_queries() - before - shared, 3u);
}

TEST(CheckService, CallersAtOnceEachGetExactlyTheirOwnResults) {
  CheckBatchOptions o = dns_options();
  o.concurrency = 16;
  CheckService service(o);
  const auto expected = std::shared_ptr<const TokenExpectation>(TokenExpectation::exact({kToken}));
  constexpr int kCallers = 4, kNames = 60;
  std::vector<std::vector<std::string>> names(kCallers);
  for (int c = 0; c < kCallers; ++c)
    for (int i = 0; i < kNames; ++i) names[c].push_back("c" + std::to_string(c) + "-n" + std::to_string(i) + ".example.test");
  std::vector<std::multiset<std::string>> got(kCallers);
  std::vector<std::thread> threads;
  for (int c = 0; c < kCallers; ++c)
    threads.emplace_back([&, c] {
      std::size_t next = 0;
      auto st = service.check(
          [&]() -> std::optional<CheckRequest> {
            if (next == names[c].size()) return std::nullopt;
            return CheckRequest{names[c][next++], DcvMethod::Dns, expected};
          },
          [&](CheckResult r) { got[c].insert(r.name); });
      EXPECT_TRUE(st.ok());
    });
  for (auto& t : threads) t.join();
  for (int c = 0; c < kCallers; ++c)
    EXPECT_EQ(got[c], std::multiset<std::string>(names[c].begin(), names[c].end())) << "caller " << c;
}

}  // namespace
