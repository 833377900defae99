// The asynchronous DNS probe against real BIND servers on loopback (support/dns_fixture) and
// against fake resolvers for the failures real servers do not produce on demand.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <stdexcept>
#include <thread>

#include "check/dns_probe_stats.hpp"
#include "dcvkit/check_dns.hpp"
#include "support/dns_fixture.hpp"
#include "support/dns_server.hpp"
#include "support/fake_dns.hpp"

namespace {

using namespace dcvkit;
using dcvkit::test::DnsFixture;
using dcvkit::test::FakeDnsMode;
using dcvkit::test::FakeDnsServer;
using Clock = std::chrono::steady_clock;

const std::string kToken = "2g7hf5gjmbl8tzqklucpqh3x9hm0g3s6";
const std::string kOtherToken = "0d2c4vxm8hs1q9kz7f3p5t6w8y1b3n5r";

DnsFixture& world() { return DnsFixture::shared(); }

std::unique_ptr<DnsProbe> make_probe(const DnsProbeOptions& o) {
  auto p = DnsProbe::create(o);
  if (!p) ADD_FAILURE() << p.error().code << ": " << p.error().message;
  return p ? std::move(*p) : nullptr;
}

// Observations in submission order.
std::vector<DnsObservation> probe_all(DnsProbe& probe, const std::vector<std::string>& names) {
  std::vector<DnsObservation> out(names.size());
  std::vector<bool> seen(names.size(), false);
  for (std::size_t i = 0; i < names.size(); ++i)
    probe.submit(names[i], [&out, &seen, i](DnsObservation o) {
      EXPECT_FALSE(seen[i]) << "done called twice for " << o.name;
      seen[i] = true;
      out[i] = std::move(o);
    });
  probe.run();
  for (std::size_t i = 0; i < names.size(); ++i) EXPECT_TRUE(seen[i]) << "never completed: " << names[i];
  return out;
}

DnsObservation probe_one(const std::string& name, const DnsProbeOptions& o) {
  auto probe = make_probe(o);
  if (!probe) return {};
  return probe_all(*probe, {name}).front();
}

DnsObservation probe_one(const std::string& name) { return probe_one(name, world().probe_options()); }

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

const TxtAnswer* answer_from(const OwnerObservation& o, const std::string& server) {
  for (const auto& a : o.answers)
    if (a.server == server) return &a;
  return nullptr;
}

// ---- fixtures in the BIND world ---------------------------------------------------------------

TEST(CheckDnsProbe, TokenOnBothServersIsSeenByEach) {
  const std::string name = world().token_on_both({kToken});
  const auto obs = probe_one(name);
  EXPECT_EQ(obs.name, name);
  ASSERT_EQ(obs.owners.size(), 2u);
  const auto& dnsauth = obs.owners[0];
  EXPECT_EQ(dnsauth.owner, "_dnsauth." + name);
  EXPECT_EQ(dnsauth.queried, "_dnsauth." + name);
  EXPECT_TRUE(dnsauth.cnames.empty());
  EXPECT_EQ(dnsauth.zone, "example.test");
  EXPECT_EQ(dnsauth.error_code, "") << dnsauth.error_detail;
  ASSERT_EQ(dnsauth.answers.size(), 2u);
  EXPECT_EQ(dnsauth.answers[0].server, world().ns1_server());
  EXPECT_EQ(dnsauth.answers[0].ns_name, "ns1.example.test");
  EXPECT_EQ(dnsauth.answers[1].server, world().ns2_server());
  EXPECT_EQ(dnsauth.answers[1].ns_name, "ns2.example.test");
  for (const auto& a : dnsauth.answers) {
    EXPECT_EQ(a.rcode, "NOERROR") << a.server;
    EXPECT_EQ(a.values, std::vector<std::string>{kToken}) << a.server;
  }
  // <name> itself exists only as the parent of _dnsauth: an empty non-terminal, no TXT.
  const auto& base = obs.owners[1];
  EXPECT_EQ(base.owner, name);
  EXPECT_EQ(base.zone, "example.test");
  ASSERT_EQ(base.answers.size(), 2u);
  for (const auto& a : base.answers) {
    EXPECT_EQ(a.rcode, "NOERROR");
    EXPECT_TRUE(a.values.empty());
  }
  EXPECT_GT(obs.elapsed_ms, 0.0);
}

TEST(CheckDnsProbe, PartialPropagationShowsPerServer) {
  const std::string name = world().token_on_ns1_only({kToken});
  const auto obs = probe_one(name);
  const auto* ns1 = answer_from(obs.owners[0], world().ns1_server());
  const auto* ns2 = answer_from(obs.owners[0], world().ns2_server());
  ASSERT_TRUE(ns1 && ns2);
  EXPECT_EQ(ns1->rcode, "NOERROR");
  EXPECT_EQ(ns1->values, std::vector<std::string>{kToken});
  EXPECT_EQ(ns2->rcode, "NXDOMAIN");
  EXPECT_TRUE(ns2->values.empty());
}

TEST(CheckDnsProbe, FollowsCnameIntoAnotherZone) {
  const std::string name = world().token_via_cname({kToken});
  const auto obs = probe_one(name);
  const auto& o = obs.owners[0];
  EXPECT_EQ(o.error_code, "") << o.error_detail;
  EXPECT_EQ(o.cnames, std::vector<std::string>{DnsFixture::cname_target(name)});
  EXPECT_EQ(o.queried, DnsFixture::cname_target(name));
  EXPECT_EQ(o.zone, "other.test");
  ASSERT_EQ(o.answers.size(), 2u);
  EXPECT_EQ(o.answers[0].ns_name, "ns1.other.test");
  EXPECT_EQ(o.answers[1].ns_name, "ns2.other.test");
  for (const auto& a : o.answers) {
    EXPECT_EQ(a.rcode, "NOERROR");
    EXPECT_EQ(a.values, std::vector<std::string>{kToken});
  }
  EXPECT_TRUE(obs.owners[1].cnames.empty());
}

TEST(CheckDnsProbe, NonexistentNameIsNxdomainEverywhere) {
  const auto obs = probe_one(world().nonexistent());
  for (const auto& o : obs.owners) {
    EXPECT_EQ(o.error_code, "") << o.error_detail;
    EXPECT_EQ(o.zone, "example.test");
    ASSERT_EQ(o.answers.size(), 2u) << o.owner;
    for (const auto& a : o.answers) {
      EXPECT_EQ(a.rcode, "NXDOMAIN") << o.owner << " at " << a.server;
      EXPECT_TRUE(a.values.empty());
    }
  }
}

TEST(CheckDnsProbe, NameWithAddressButNoTxt) {
  const auto obs = probe_one(world().a_record_only());
  for (const auto& a : obs.owners[0].answers) EXPECT_EQ(a.rcode, "NXDOMAIN");
  ASSERT_EQ(obs.owners[1].answers.size(), 2u);
  for (const auto& a : obs.owners[1].answers) {
    EXPECT_EQ(a.rcode, "NOERROR");
    EXPECT_TRUE(a.values.empty());
  }
}

TEST(CheckDnsProbe, SeveralTokensInOneRecordStayOneValue) {
  const auto obs = probe_one(world().tokens_in_one_record({kToken, kOtherToken}));
  ASSERT_EQ(obs.owners[0].answers.size(), 2u);
  for (const auto& a : obs.owners[0].answers)
    EXPECT_EQ(a.values, std::vector<std::string>{kToken + " " + kOtherToken});
}

TEST(CheckDnsProbe, SeveralRecordsAreSeparateValues) {
  const auto obs = probe_one(world().token_on_both({kToken, kOtherToken, "v=spf1 -all"}));
  ASSERT_EQ(obs.owners[0].answers.size(), 2u);
  for (const auto& a : obs.owners[0].answers)
    EXPECT_EQ(sorted(a.values), sorted({kToken, kOtherToken, "v=spf1 -all"}));
}

// DnsClient.java reads TXT through dnsjava's rdataToString: each string quoted, then a space.
TEST(CheckDnsProbe, MultiStringRecordIsJoinedAndRenderedAsTheCaReadsIt) {
  const auto obs = probe_one(world().token_split(kToken, 10));
  ASSERT_EQ(obs.owners[0].answers.size(), 2u);
  for (const auto& a : obs.owners[0].answers) {
    EXPECT_EQ(a.values, std::vector<std::string>{kToken});
    EXPECT_EQ(a.rendered, std::vector<std::string>{"\"" + kToken.substr(0, 10) + "\" \"" + kToken.substr(10) + "\""});
  }
}

TEST(CheckDnsProbe, TokenAtBaseNameIsTheSecondOwner) {
  const auto obs = probe_one(world().token_at_base({kToken}));
  for (const auto& a : obs.owners[0].answers) EXPECT_EQ(a.rcode, "NXDOMAIN");
  ASSERT_EQ(obs.owners[1].answers.size(), 2u);
  for (const auto& a : obs.owners[1].answers) EXPECT_EQ(a.values, std::vector<std::string>{kToken});
}

TEST(CheckDnsProbe, WildcardIsProbedAtItsBase) {
  const std::string name = world().token_on_both({kToken});
  const auto obs = probe_one("*." + name);
  EXPECT_EQ(obs.name, "*." + name);
  EXPECT_EQ(obs.owners[0].owner, "_dnsauth." + name);
  EXPECT_EQ(obs.owners[1].owner, name);
  ASSERT_EQ(obs.owners[0].answers.size(), 2u);
  EXPECT_EQ(obs.owners[0].answers[0].values, std::vector<std::string>{kToken});
}

TEST(CheckDnsProbe, DeadNameserverTimesOutWithinTheTimeout) {
  const std::string name = world().token_with_dead_ns({kToken});
  const int timeout_ms = 1500;
  const auto start = Clock::now();
  const auto obs = probe_one(name, world().probe_options(timeout_ms));
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  const auto& o = obs.owners[0];
  EXPECT_EQ(o.error_code, "") << o.error_detail;
  EXPECT_EQ(o.zone, "deadns.example.test");
  const auto* live = answer_from(o, world().ns1_server());
  const auto* dead = answer_from(o, world().dead_server());
  ASSERT_TRUE(live && dead);
  EXPECT_EQ(live->rcode, "NOERROR");
  EXPECT_EQ(live->values, std::vector<std::string>{kToken});
  EXPECT_EQ(dead->rcode, "TIMEOUT");
  EXPECT_EQ(dead->ns_name, "ns2.deadns.example.test");
  EXPECT_LE(took, timeout_ms + 1000);
}

TEST(CheckDnsProbe, ServfailFromOneAuthoritativeServer) {
  const auto obs = probe_one(world().token_with_ns2_servfail({kToken}));
  const auto& o = obs.owners[0];
  EXPECT_EQ(o.zone, "flaky.example.test");
  const auto* ns1 = answer_from(o, world().ns1_server());
  const auto* ns2 = answer_from(o, world().ns2_server());
  ASSERT_TRUE(ns1 && ns2);
  EXPECT_EQ(ns1->values, std::vector<std::string>{kToken});
  EXPECT_EQ(ns2->rcode, "SERVFAIL");
  EXPECT_TRUE(ns2->values.empty());
}

TEST(CheckDnsProbe, ServfailAtTheResolverIsAnError) {
  const auto obs = probe_one(world().servfail_at_resolver());
  for (const auto& o : obs.owners) {
    EXPECT_EQ(o.error_code, "dns.servfail") << o.owner;
    EXPECT_NE(o.error_detail.find("SERVFAIL"), std::string::npos) << o.error_detail;
    EXPECT_NE(o.error_detail.find(world().resolver().server()), std::string::npos) << o.error_detail;
    EXPECT_NE(o.error_detail.find(o.owner), std::string::npos) << o.error_detail;
    EXPECT_TRUE(o.answers.empty());
  }
}

TEST(CheckDnsProbe, NoAddressForAnyNameserverIsNoNs) {
  const auto obs = probe_one(world().without_ns_address());
  for (const auto& o : obs.owners) {
    EXPECT_EQ(o.error_code, "dns.no_ns") << o.error_detail;
    EXPECT_EQ(o.zone, "noaddr.example.test");
    EXPECT_NE(o.error_detail.find("ns.missing.example.test"), std::string::npos) << o.error_detail;
  }
}

TEST(CheckDnsProbe, CnameLoopIsAnError) {
  const auto obs = probe_one(world().cname_loop());
  EXPECT_EQ(obs.owners[0].error_code, "dns.cname_loop");
  EXPECT_NE(obs.owners[0].error_detail.find("loop"), std::string::npos) << obs.owners[0].error_detail;
  EXPECT_EQ(obs.owners[1].error_code, "");
  EXPECT_EQ(obs.owners[1].answers.size(), 2u);
}

TEST(CheckDnsProbe, DoneMaySubmitMoreNames) {
  auto probe = make_probe(world().probe_options());
  ASSERT_TRUE(probe);
  const std::string first = world().token_on_both({kToken}), second = world().token_on_ns1_only({kOtherToken});
  std::vector<std::string> finished;
  probe->submit(first, [&](DnsObservation o) {
    finished.push_back(o.name);
    probe->submit(second, [&](DnsObservation o2) {
      finished.push_back(o2.name);
      EXPECT_EQ(o2.owners[0].answers.at(0).values, std::vector<std::string>{kOtherToken});
    });
  });
  probe->run();
  EXPECT_EQ(finished, (std::vector<std::string>{first, second}));
}

// ---- failures of the resolver itself ---------------------------------------------------------

DnsProbeOptions fake_resolver_options(const FakeDnsServer& fake, int timeout_ms = 2000) {
  DnsProbeOptions o;
  o.resolver = HostPort{fake.address(), fake.port()};
  o.ns_port = 9;  // never reached: these resolvers never lead to an authoritative server
  o.timeout_ms = timeout_ms;
  return o;
}

TEST(CheckDnsProbeResolver, SilentResolverTimesOutOnTime) {
  FakeDnsServer fake(FakeDnsMode::Silent);
  const int timeout_ms = 1200;
  const auto obs = probe_one("shop.example.test", fake_resolver_options(fake, timeout_ms));
  for (const auto& o : obs.owners) {
    EXPECT_EQ(o.error_code, "dns.resolver_failed") << o.owner;
    EXPECT_NE(o.error_detail.find("no answer within 1200 ms"), std::string::npos) << o.error_detail;
    EXPECT_NE(o.error_detail.find("127.0.0.1:" + std::to_string(fake.port())), std::string::npos);
  }
  // It waited for the retries (not a failure at once) and stopped in time.
  EXPECT_GE(obs.elapsed_ms, timeout_ms * 0.6);
  EXPECT_LE(obs.elapsed_ms, timeout_ms + 1000.0);
  EXPECT_GE(fake.queries(), 4u);  // 2 owners x 2 tries
}

TEST(CheckDnsProbeResolver, ClosedResolverPortIsAResolverFailure) {
  DnsProbeOptions o;
  o.resolver = HostPort{"127.0.0.1", dcvkit::test::free_loopback_port()};
  o.timeout_ms = 1000;
  const auto obs = probe_one("shop.example.test", o);
  for (const auto& ow : obs.owners) {
    EXPECT_EQ(ow.error_code, "dns.resolver_failed") << ow.error_detail;
    EXPECT_NE(ow.error_detail.find("local resolver"), std::string::npos) << ow.error_detail;
  }
  EXPECT_LE(obs.elapsed_ms, 2000.0);
}

TEST(CheckDnsProbeResolver, RefusingResolverIsAResolverFailure) {
  FakeDnsServer fake(FakeDnsMode::Rcode, 5);
  const auto obs = probe_one("shop.example.test", fake_resolver_options(fake));
  for (const auto& o : obs.owners) {
    EXPECT_EQ(o.error_code, "dns.resolver_failed");
    EXPECT_NE(o.error_detail.find("REFUSED"), std::string::npos) << o.error_detail;
  }
}

TEST(CheckDnsProbeResolver, NoSoaAnywhereIsNoZone) {
  FakeDnsServer fake(FakeDnsMode::Empty);
  const auto obs = probe_one("shop.example.test", fake_resolver_options(fake));
  for (const auto& o : obs.owners) {
    EXPECT_EQ(o.error_code, "dns.no_zone") << o.error_detail;
    EXPECT_TRUE(o.zone.empty());
  }
  // CNAME, then SOA at every level up to the root: _dnsauth.shop.example.test has 5 (4 labels + root).
  EXPECT_EQ(fake.queries(), (1u + 5u) + (1u + 4u));
}

// The same from a real server: BIND filtering with a response policy (NXDOMAIN, no SOA) for the
// name and all its parents, SERVFAIL for the root it cannot reach.
TEST(CheckDnsProbeResolver, FilteringResolverWithoutSoaIsNoZone) {
  const auto& filtering = world().filtering_resolver();
  DnsProbeOptions o = world().probe_options();
  o.resolver = HostPort{filtering.address(), filtering.port()};
  const std::string name = world().without_zone();
  const auto obs = probe_one(name, o);
  ASSERT_EQ(obs.owners.size(), 2u);
  for (const auto& ow : obs.owners) {
    EXPECT_EQ(ow.error_code, "dns.no_zone") << ow.owner << ": " << ow.error_detail;
    EXPECT_NE(ow.error_detail.find("no SOA for " + ow.owner + " or any parent at resolver " + filtering.server()),
              std::string::npos)
        << ow.error_detail;
    EXPECT_NE(ow.error_detail.find("SOA query for . returned SERVFAIL"), std::string::npos) << ow.error_detail;
    EXPECT_TRUE(ow.zone.empty());
    EXPECT_TRUE(ow.answers.empty());
  }
  EXPECT_LT(obs.elapsed_ms, 2000.0) << "answers, not timeouts";
}

TEST(CheckDnsProbeResolver, CreateRefusesHostNamesAndBadTimeouts) {
  DnsProbeOptions o;
  o.resolver = HostPort{"localhost", 53};
  auto p = DnsProbe::create(o);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().code, "dns.bad_server");
  o.resolver = HostPort{"127.0.0.1", 53};
  o.timeout_ms = 0;
  auto q = DnsProbe::create(o);
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.error().code, "dns.bad_timeout");
}

// ---- many names ------------------------------------------------------------------------------

// The resolver logs each query; the log is written asynchronously, so wait until it settles.
std::size_t settled_count(const dcvkit::test::DnsServer& s, const std::string& what, std::size_t at_least) {
  std::size_t n = s.count_queries(what);
  for (int i = 0; i < 50 && n < at_least; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    n = s.count_queries(what);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  return s.count_queries(what);
}

TEST(CheckDnsProbeScale, TenThousandNamesInOneZoneCostOneNsQuery) {
  const std::size_t n = 10000;
  const std::string with_token = world().token_on_both({kToken});
  const std::size_t ns_before = world().resolver().count_queries("example.test IN NS");
  std::vector<std::string> names;
  names.push_back(with_token);
  for (std::size_t i = 1; i < n; ++i) names.push_back("bulk" + std::to_string(i) + ".example.test");

  auto probe = make_probe(world().probe_options(3000, 200));
  ASSERT_TRUE(probe);
  const auto start = Clock::now();
  const auto all = probe_all(*probe, names);
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  const auto stats = dns_probe_stats(*probe);

  std::size_t timeouts = 0, bad = 0;
  for (const auto& obs : all)
    for (const auto& o : obs.owners) {
      if (!o.error_code.empty() || o.zone != "example.test" || o.answers.size() != 2) ++bad;
      for (const auto& a : o.answers) timeouts += a.rcode == "TIMEOUT";
    }
  EXPECT_EQ(bad, 0u);
  EXPECT_EQ(timeouts, 0u);
  EXPECT_EQ(all[0].owners[0].answers[0].values, std::vector<std::string>{kToken});
  EXPECT_EQ(stats.sent_by_type.at("NS"), 1u);
  EXPECT_EQ(stats.cached_zones, 1u);
  EXPECT_EQ(settled_count(world().resolver(), "example.test IN NS", ns_before + 1), ns_before + 1);
  EXPECT_LE(stats.max_in_flight_seen, 200u);
  EXPECT_EQ(stats.live_names, 0u);
  std::cout << "[ measured ] " << n << " names in one zone: " << secs << " s, " << (double(n) / secs)
            << " names/s, " << stats.queries_sent << " queries, NS queries " << stats.sent_by_type.at("NS")
            << ", max in flight " << stats.max_in_flight_seen << "\n";
  RecordProperty("names_per_second", std::to_string(double(n) / secs));
}

TEST(CheckDnsProbeScale, TwoThousandNamesWithFewQueriesInFlight) {
  const std::size_t cap = 16;
  std::vector<std::string> names;
  for (int i = 0; i < 2000; ++i) names.push_back("capped" + std::to_string(i) + ".example.test");
  auto probe = make_probe(world().probe_options(3000, cap));
  ASSERT_TRUE(probe);
  const auto all = probe_all(*probe, names);
  std::size_t answered = 0;
  for (const auto& obs : all)
    for (const auto& o : obs.owners)
      for (const auto& a : o.answers) {
        EXPECT_NE(a.rcode, "TIMEOUT") << obs.name << " at " << a.server;
        answered += a.rcode == "NXDOMAIN";
      }
  EXPECT_EQ(answered, 2000u * 2 * 2);
  const auto stats = dns_probe_stats(*probe);
  EXPECT_LE(stats.max_in_flight_seen, cap);
  EXPECT_GT(stats.max_in_flight_seen, 1u);  // and it did run queries side by side
  EXPECT_EQ(stats.live_names, 0u);
}

TEST(CheckDnsProbeScale, RefillingFromDoneKeepsStateBounded) {
  // The batch engine's pattern: a small window, each finished name submits the next.
  const std::size_t total = 1000, window = 10;
  auto probe = make_probe(world().probe_options());
  ASSERT_TRUE(probe);
  std::size_t next = 0, finished = 0;
  std::function<void(DnsObservation)> on_done = [&](DnsObservation o) {
    ++finished;
    EXPECT_EQ(o.owners.at(0).answers.size(), 2u);
    if (next < total) probe->submit("refill" + std::to_string(next++) + ".example.test", on_done);
  };
  for (; next < window; ++next) probe->submit("refill" + std::to_string(next) + ".example.test", on_done);
  probe->run();
  EXPECT_EQ(finished, total);
  const auto stats = dns_probe_stats(*probe);
  EXPECT_LE(stats.max_live_names, window + 1);
  EXPECT_EQ(stats.live_names, 0u);
}

}  // namespace
