// CAA (RFC 8659, BR 3.2.2.8) and DNSSEC against a real BIND (support/caa_world): one test per rule,
// each of which passed before dcvkit checked CAA or DNSSEC.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>

#include "check/dns_probe_stats.hpp"
#include "check/dns_query_loop.hpp"
#include "check/dnssec.hpp"
#include "dcvkit/check_batch.hpp"
#include "dcvkit/check_caa.hpp"
#include "dcvkit/token.hpp"
#include "support/caa_world.hpp"
#include "support/dns_server.hpp"
#include "support/run.hpp"

namespace {

using namespace dcvkit;
using dcvkit::test::CaaWorld;

// A token valid now: the judge finds tokens by their timestamp.
const std::string kToken = *compute_token("caa-test-AuthKey-0123456789abcdef", "caa test CSR", system_clock().now() - 3600);

CaaWorld& world() {
  static std::unique_ptr<CaaWorld> w;
  static std::string failure;
  if (!w && failure.empty()) {
    try {
      w = std::make_unique<CaaWorld>(kToken);
    } catch (const std::exception& e) {
      failure = e.what();
    }
  }
  if (!w) throw std::runtime_error("CAA world did not start: " + failure);
  return *w;
}

DnsProbeOptions options(bool dnssec) {
  DnsProbeOptions o = world().probe_options();
  o.dnssec.enabled = dnssec;
  o.dnssec.trust_anchor_file = world().trust_anchor();
  return o;
}

std::map<std::string, CaaObservation> lookup(const std::vector<std::string>& names, bool dnssec = false,
                                             DnsProbeStats* stats = nullptr) {
  auto probe = DnsProbe::create(options(dnssec));
  EXPECT_TRUE(probe) << (probe ? "" : probe.error().message);
  std::map<std::string, CaaObservation> out;
  if (!probe) return out;
  for (const auto& n : names) (*probe)->submit_caa(n, [&out, n](CaaObservation o) { out[n] = std::move(o); });
  (*probe)->run();
  if (stats) *stats = dns_probe_stats(**probe);
  EXPECT_EQ(out.size(), names.size());
  return out;
}

CaaVerdict verdict(const std::string& name, const std::vector<std::string>& identities = digicert_caa_identities()) {
  return judge_caa(lookup({name})[name], identities);
}

TEST(CheckCaa, NoRecordUpToTheTldAllowsAnyCa) {
  const auto o = lookup({"www.plain.test"})["www.plain.test"];
  EXPECT_EQ(o.asked, (std::vector<std::string>{"www.plain.test", "plain.test", "test"}));
  EXPECT_TRUE(o.records.empty());
  EXPECT_TRUE(judge_caa(o, digicert_caa_identities()).ok);
}

TEST(CheckCaa, ClimbStopsAtTheFirstNonEmptySet) {
  // Nothing at the name: the zone apex's issue "digicert.com" governs.
  const auto o = lookup({"shop.caa.test"})["shop.caa.test"];
  EXPECT_EQ(o.owner, "caa.test");
  EXPECT_EQ(o.asked, (std::vector<std::string>{"shop.caa.test", "caa.test"}));
  EXPECT_TRUE(judge_caa(o, digicert_caa_identities()).ok);
  // Below a name whose own set names another CA, the apex's permission does not help.
  const auto v = verdict("shop.letsencrypt.caa.test");
  EXPECT_EQ(v.code, "caa.forbidden");
  EXPECT_NE(v.message.find("CAA at letsencrypt.caa.test"), std::string::npos) << v.message;
  EXPECT_NE(v.message.find("Add: letsencrypt.caa.test. CAA 0 issue \"digicert.com\""), std::string::npos) << v.message;
}

TEST(CheckCaa, AnyIssueRecordNamingTheCaAllows) {
  EXPECT_TRUE(verdict("mixed.caa.test").ok);  // letsencrypt.org and DigiCert.com (case-insensitive)
  EXPECT_EQ(verdict("letsencrypt.caa.test").code, "caa.forbidden");
}

TEST(CheckCaa, IssuewildGovernsWildcardsAndFallsBackToIssue) {
  EXPECT_TRUE(verdict("wild.caa.test").ok);                               // issue digicert.com
  EXPECT_EQ(verdict("*.wild.caa.test").code, "caa.forbidden");             // issuewild ";"
  EXPECT_TRUE(verdict("*.wildfallback.caa.test").ok);                     // no issuewild: issue
  EXPECT_TRUE(verdict("*.wildonly.caa.test").ok);                         // issuewild digicert.com
  EXPECT_EQ(verdict("wildonly.caa.test").code, "caa.forbidden");           // issue ";"
  EXPECT_NE(verdict("*.wild.caa.test").message.find("(issuewild)"), std::string::npos);
}

TEST(CheckCaa, EmptyValueForbidsEveryCa) {
  EXPECT_EQ(verdict("semicolon.caa.test").code, "caa.forbidden");
  EXPECT_EQ(verdict("emptyvalue.caa.test").code, "caa.forbidden");
}

TEST(CheckCaa, CriticalUnknownTagForbidsAndNonCriticalIsIgnored) {
  const auto v = verdict("critical.caa.test");
  EXPECT_EQ(v.code, "caa.forbidden");
  EXPECT_NE(v.message.find("128 tbs \"unknown\" is critical"), std::string::npos) << v.message;
  EXPECT_TRUE(verdict("noncritical.caa.test").ok);
}

TEST(CheckCaa, ParametersAreParsed) {
  EXPECT_TRUE(verdict("params.caa.test").ok);  // DigiCert's cansignhttpexchanges=yes
  const auto acme = verdict("acme.caa.test");
  EXPECT_EQ(acme.code, "caa.forbidden");
  EXPECT_NE(acme.message.find("accounturi"), std::string::npos) << acme.message;
  const auto bad = verdict("malformed.caa.test");
  EXPECT_EQ(bad.code, "caa.forbidden");
  EXPECT_NE(bad.message.find("malformed"), std::string::npos) << bad.message;
}

TEST(CheckCaa, SetWithoutIssueRecordsDoesNotRestrict) { EXPECT_TRUE(verdict("iodefonly.caa.test").ok); }

TEST(CheckCaa, CnameIsFollowedAndNamedInTheMessage) {
  const auto o = lookup({"alias.caa.test"})["alias.caa.test"];
  EXPECT_EQ(o.owner, "alias.caa.test");
  EXPECT_EQ(o.via, "le-target.caa.test");
  const auto v = judge_caa(o, digicert_caa_identities());
  EXPECT_EQ(v.code, "caa.forbidden");
  EXPECT_NE(v.message.find("alias.caa.test (CNAME to le-target.caa.test)"), std::string::npos) << v.message;
}

TEST(CheckCaa, OtherIdentitiesCanBeGiven) {
  EXPECT_TRUE(verdict("letsencrypt.caa.test", {"letsencrypt.org"}).ok);
  EXPECT_EQ(verdict("www.caa.test", {"letsencrypt.org"}).code, "caa.forbidden");
}

TEST(CheckCaa, ServfailIsALookupFailure) {
  const auto v = verdict("www.broken.test");
  EXPECT_EQ(v.code, "caa.lookup_failed");
  EXPECT_NE(v.message.find("CAA query for www.broken.test"), std::string::npos) << v.message;
  EXPECT_NE(v.message.find("SERVFAIL"), std::string::npos) << v.message;
}

TEST(CheckCaa, OwnersAreLookedUpOncePerBatch) {
  std::vector<std::string> names;
  for (int i = 0; i < 300; ++i) names.push_back("n" + std::to_string(i) + ".plain.test");
  DnsProbeStats stats;
  const auto all = lookup(names, false, &stats);
  for (const auto& [name, o] : all) EXPECT_TRUE(judge_caa(o, digicert_caa_identities()).ok) << name;
  // One query per name, plus plain.test and test once for all of them.
  EXPECT_EQ(stats.sent_by_type.at("CAA"), names.size() + 2);
}

// --- through the batch: the CAA verdict joins the DCV one ---

std::map<std::string, CheckResult> batch(const std::vector<std::pair<std::string, DcvMethod>>& input, bool dnssec,
                                         bool caa = true) {
  CheckBatchOptions o;
  o.dns = options(dnssec);
  o.caa.enabled = caa;
  const auto closed = dcvkit::test::free_loopback_port();
  o.http.connect_address = "127.0.0.1";
  o.http.http_port = closed;
  o.http.https_port = closed;
  auto expected = std::shared_ptr<const TokenExpectation>(TokenExpectation::exact({kToken}));
  std::size_t next = 0;
  std::map<std::string, CheckResult> out;
  auto st = run_check_batch(
      o,
      [&]() -> std::optional<CheckRequest> {
        if (next == input.size()) return std::nullopt;
        return CheckRequest{input[next].first, input[next++].second, expected};
      },
      [&](CheckResult r) { out[r.name + "/" + std::string(api_name(r.method))] = std::move(r); });
  EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().message);
  EXPECT_EQ(out.size(), input.size());
  return out;
}

TEST(CheckCaaBatch, ValidTokenButCaaForbidsFailsTheName) {
  auto r = batch({{"www.caa.test", DcvMethod::Dns}, {"le.caa.test", DcvMethod::Dns}}, false);
  EXPECT_TRUE(r["www.caa.test/dns-txt-token"].ok) << r["www.caa.test/dns-txt-token"].message;
  const auto& le = r["le.caa.test/dns-txt-token"];
  EXPECT_EQ(le.code, "caa.forbidden") << le.message;
  EXPECT_FALSE(le.hint.empty());
  // Without CAA (today's behaviour before CAA was checked) the same name passes.
  EXPECT_TRUE(batch({{"le.caa.test", DcvMethod::Dns}}, false, false)["le.caa.test/dns-txt-token"].ok);
}

TEST(CheckCaaBatch, HttpNamesGetCaaTooAndAFailingNameMentionsIt) {
  auto r = batch({{"le.caa.test", DcvMethod::Http}}, false);
  const auto& le = r["le.caa.test/http-token"];
  EXPECT_EQ(le.code, "http.connect_failed");  // the DCV failure stays the reason...
  EXPECT_NE(le.message.find("also caa.forbidden"), std::string::npos) << le.message;  // ...and CAA is named
}

// --- DNSSEC ---

DnsObservation probe_dns(const std::string& name, DnsProbeStats* stats = nullptr) {
  auto probe = DnsProbe::create(options(true));
  EXPECT_TRUE(probe) << (probe ? "" : probe.error().message);
  DnsObservation seen;
  if (!probe) return seen;
  (*probe)->submit(name, [&](DnsObservation o) { seen = std::move(o); });
  (*probe)->run();
  if (stats) *stats = dns_probe_stats(**probe);
  return seen;
}

TEST(CheckDnssec, SignedZoneValidatesAndUnsignedIsFine) {
  auto r = batch({{"www.signed.test", DcvMethod::Dns}, {"www.caa.test", DcvMethod::Dns}}, true);
  EXPECT_TRUE(r["www.signed.test/dns-txt-token"].ok) << r["www.signed.test/dns-txt-token"].message;
  EXPECT_TRUE(r["www.caa.test/dns-txt-token"].ok) << r["www.caa.test/dns-txt-token"].message;
  DnsProbeStats stats;
  const DnsObservation seen = probe_dns("www.signed.test", &stats);
  ASSERT_EQ(seen.owners.size(), 2u);
  EXPECT_EQ(seen.owners[0].dnssec, "secure");
  EXPECT_GT(stats.validated, 0u);
}

// Validation changes where the answer comes from, never what it says: every CAA set (signed zone,
// unsigned zone, through a CNAME, at a parent) reads the same with DNSSEC on.
TEST(CheckDnssec, CaaSetsReadTheSameWithValidationOn) {
  const std::vector<std::string> names = {"www.signed.test", "le.caa.test", "semicolon.caa.test", "alias.caa.test",
                                          "deep.sub.caa.test", "critical.caa.test"};
  auto plain = lookup(names, false);
  auto validated = lookup(names, true);
  for (const auto& n : names) {
    const auto& a = plain[n];
    const auto& b = validated[n];
    EXPECT_EQ(b.error_code, a.error_code) << n << ": " << b.error_detail;
    EXPECT_EQ(b.owner, a.owner) << n;
    EXPECT_EQ(b.via, a.via) << n;
    EXPECT_FALSE(a.records.empty()) << n;
    // An RRset has no order: compare as sets.
    const auto as_set = [](const std::vector<CaaRecord>& records) {
      std::multiset<std::string> out;
      for (const auto& r : records) out.insert(std::to_string(r.flags) + " " + r.tag + " " + r.value);
      return out;
    };
    EXPECT_EQ(as_set(b.records), as_set(a.records)) << n;
  }
  EXPECT_FALSE(judge_caa(validated["le.caa.test"], digicert_caa_identities()).ok);
  EXPECT_TRUE(judge_caa(validated["www.signed.test"], digicert_caa_identities()).ok);
}

TEST(CheckDnssec, ExpiredSignaturesAreBogus) {
  const DnsObservation seen = probe_dns("www.bogus.test");
  ASSERT_EQ(seen.owners.size(), 2u);
  EXPECT_EQ(seen.owners[0].dnssec, "bogus");
  const auto r = batch({{"www.bogus.test", DcvMethod::Dns}}, true)["www.bogus.test/dns-txt-token"];
  EXPECT_EQ(r.code, "dns.dnssec_bogus") << r.message;
  EXPECT_NE(r.message.find("_dnsauth.www.bogus.test"), std::string::npos) << r.message;
  // Its CAA answer is bogus too, and named.
  const auto caa = lookup({"www.bogus.test"}, true)["www.bogus.test"];
  EXPECT_EQ(caa.error_code, "dns.dnssec_bogus");
  EXPECT_NE(caa.error_detail.find("www.bogus.test"), std::string::npos) << caa.error_detail;
  // Unvalidated (before DNSSEC was checked), the name passed.
  EXPECT_TRUE(batch({{"www.bogus.test", DcvMethod::Dns}}, false)["www.bogus.test/dns-txt-token"].ok);
}

// The fast path: each zone's keys come from the validating resolver once; the answers themselves
// are proved here against them (a TXT answer and a signed CAA set, a signed NSEC denial).
TEST(CheckDnssec, SignedAnswersAreProvedHereWithOneValidatedLookupPerZone) {
  DnsProbeStats stats;
  const DnsObservation seen = probe_dns("www.signed.test", &stats);
  ASSERT_EQ(seen.owners.size(), 2u);
  EXPECT_EQ(seen.owners[0].dnssec, "secure");
  EXPECT_EQ(stats.validated, 1u);  // DNSKEY signed.test, nothing per name
  EXPECT_EQ(stats.proved_locally, 1u);
  DnsProbeStats caa_stats;
  // www.signed.test has no CAA (a signed NSEC says so); signed.test has the set that decides.
  const auto caa = lookup({"www.signed.test", "mail.signed.test"}, true, &caa_stats);
  EXPECT_EQ(caa.at("www.signed.test").owner, "signed.test");
  EXPECT_TRUE(caa.at("www.signed.test").error_code.empty()) << caa.at("www.signed.test").error_detail;
  EXPECT_EQ(caa_stats.validated, 1u);
  EXPECT_EQ(caa_stats.proved_locally, 3u);  // two denials, one CAA set
}

// A signature that does not verify against good keys is not trusted here: libunbound decides, and
// says why.
TEST(CheckDnssec, ARecordChangedAfterSigningIsBogus) {
  DnsProbeStats stats;
  const DnsObservation seen = probe_dns("www.tampered.test", &stats);
  ASSERT_EQ(seen.owners.size(), 2u);
  EXPECT_EQ(seen.owners[0].dnssec, "bogus");
  EXPECT_FALSE(seen.owners[0].dnssec_detail.empty());
  EXPECT_EQ(stats.proved_locally, 1u);
  EXPECT_EQ(stats.validated, 2u);  // the zone's keys, then the TXT set itself
  const auto r = batch({{"www.tampered.test", DcvMethod::Dns}}, true)["www.tampered.test/dns-txt-token"];
  EXPECT_EQ(r.code, "dns.dnssec_bogus") << r.message;
}

// libunbound as the peer: for every owner the world has, the verdict reached here (mostly without
// it) is the one it reaches validating the same lookup end to end from the anchor.
TEST(CheckDnssec, EveryVerdictMatchesLibunboundValidatingTheSameLookup) {
  const std::vector<std::string> names = {"www.signed.test", "www.bogus.test", "www.caa.test", "alias.caa.test",
                                          "le.caa.test", "n1.plain.test", "deep.sub.caa.test", "mail.signed.test",
                                          "www.tampered.test"};
  dns::QueryLoop loop(50, 3000);
  auto validator = dns::Validator::create(loop, options(true).dnssec, options(true).resolver, 3000);
  ASSERT_TRUE(validator) << validator.error().message;
  std::map<std::string, std::string> peer_txt, peer_caa;
  for (const auto& n : names) {
    (*validator)->ask("_dnsauth." + n, dns::RrType::TXT, [&peer_txt, n](const dns::Reply&, dns::Security s, const std::string&) {
      peer_txt[n] = dns::security_text(s);
    });
    (*validator)->ask(n, dns::RrType::CAA, [&peer_caa, n](const dns::Reply&, dns::Security s, const std::string&) {
      peer_caa[n] = dns::security_text(s);
    });
  }
  while (!loop.idle()) loop.step();
  const auto caa = lookup(names, true);
  for (const auto& n : names) {
    const DnsObservation seen = probe_dns(n);
    ASSERT_EQ(seen.owners.size(), 2u);
    const bool has_txt = !seen.owners[0].answers.empty() && !seen.owners[0].answers[0].values.empty();
    if (has_txt) {
      EXPECT_EQ(seen.owners[0].dnssec, peer_txt[n]) << n;
    }
    // The climb stops at the first set: only the name's own answer is comparable.
    if (peer_caa[n] == "bogus") {
      EXPECT_EQ(caa.at(n).error_code, "dns.dnssec_bogus") << n;
    } else {
      EXPECT_NE(caa.at(n).error_code, "dns.dnssec_bogus") << n << ": " << caa.at(n).error_detail;
    }
  }
  EXPECT_EQ(peer_txt["www.signed.test"], "secure");
  EXPECT_EQ(peer_txt["www.bogus.test"], "bogus");
  EXPECT_EQ(peer_txt["www.caa.test"], "insecure");
}

TEST(CheckDnssec, ResolverWithoutTheRootsKeysIsAClearError) {
  DnsProbeOptions o = options(true);
  o.dnssec.trust_anchor_file = "/usr/share/dns/root.key";  // the test BIND serves no root zone
  auto probe = DnsProbe::create(o);
  ASSERT_FALSE(probe);
  EXPECT_EQ(probe.error().code, "dns.dnssec_unavailable");
  EXPECT_NE(probe.error().message.find(world().resolver()), std::string::npos) << probe.error().message;
  o.dnssec.trust_anchor_file = "/nonexistent/anchor.keys";
  auto missing = DnsProbe::create(o);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "dns.dnssec_unavailable");
}

}  // namespace

namespace {

// `dcvkit check` with the CAA and DNSSEC flags, against the same world.
dcvkit::test::RunResult check_cli(const std::string& name, const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"check", "--name", name, "--method", "dns", "--token", kToken, "--jsonl",
                                   "--resolver", world().resolver(), "--ns-port", std::to_string(world().port())};
  args.insert(args.end(), extra.begin(), extra.end());
  return dcvkit::test::run_dcvkit(args);
}

TEST(CliCaa, FlagsReachTheCheck) {
  // CAA and DNSSEC are on by default.
  auto forbidden = check_cli("le.caa.test", {});
  EXPECT_EQ(forbidden.exit_code, 10) << forbidden.all();
  EXPECT_NE(forbidden.out.find("\"code\":\"caa.forbidden\""), std::string::npos) << forbidden.out;
  auto other_ca = check_cli("le.caa.test", {"--caa-identity", "LetsEncrypt.org"});
  EXPECT_EQ(other_ca.exit_code, 0) << other_ca.all();
  auto skipped = check_cli("le.caa.test", {"--no-caa", "--no-dnssec"});
  EXPECT_EQ(skipped.exit_code, 0) << skipped.all();
  // Validation is on by default; with the IANA anchor this loopback resolver cannot give the root's
  // keys, so the check runs unvalidated and says so once; --trust-anchor makes validation work.
  auto unvalidated = check_cli("www.bogus.test", {});
  EXPECT_EQ(unvalidated.exit_code, 0) << unvalidated.all();
  EXPECT_NE(unvalidated.err.find("warning: DNSSEC not validated"), std::string::npos) << unvalidated.all();
  EXPECT_NE(unvalidated.err.find("--no-dnssec"), std::string::npos) << unvalidated.all();
  auto quiet = check_cli("www.bogus.test", {"--no-dnssec"});
  EXPECT_EQ(quiet.err.find("DNSSEC"), std::string::npos) << quiet.all();
  auto bogus = check_cli("www.bogus.test", {"--trust-anchor", world().trust_anchor()});
  EXPECT_EQ(bogus.exit_code, 10) << bogus.all();
  EXPECT_NE(bogus.out.find("\"code\":\"dns.dnssec_bogus\""), std::string::npos) << bogus.out;
  // With validation on, CAA still decides (its answers come through the validator).
  auto validated = check_cli("le.caa.test", {"--trust-anchor", world().trust_anchor()});
  EXPECT_EQ(validated.exit_code, 10) << validated.all();
  EXPECT_NE(validated.out.find("\"code\":\"caa.forbidden\""), std::string::npos) << validated.out;
  // The default anchor is the IANA root's, which this loopback resolver cannot serve: refused at start.
  auto root = check_cli("www.caa.test", {"--dnssec"});
  EXPECT_EQ(root.exit_code, 2) << root.all();
  EXPECT_NE(root.all().find("dns.dnssec_unavailable"), std::string::npos) << root.all();
  auto both = check_cli("www.caa.test", {"--no-dnssec", "--trust-anchor", world().trust_anchor()});
  EXPECT_EQ(both.exit_code, 2) << both.all();
  auto bad_identity = check_cli("www.caa.test", {"--caa-identity", "not a name"});
  EXPECT_EQ(bad_identity.exit_code, 2) << bad_identity.all();
}

TEST(CliCaa, HelpListsTheFlags) {
  auto help = dcvkit::test::run_dcvkit({"check", "--help"});
  for (const char* flag : {"--caa-identity NAME", "--no-caa", "--dnssec", "--trust-anchor FILE", "--no-dnssec"})
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag;
}

}  // namespace
