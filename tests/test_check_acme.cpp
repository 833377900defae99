// ACME challenges in the pre-check (acme_check_request through run_check_batch), against a real
// nginx and real BIND: each expected verdict is what RFC 8555 (§8.3 http-01, §8.4 dns-01) and
// Let's Encrypt's VA (Boulder va/http.go) conclude for the same setup.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "dcvkit/acme_jose.hpp"
#include "dcvkit/check_batch.hpp"
#include "support/dns_fixture.hpp"
#include "support/dns_server.hpp"  // free_loopback_port
#include "support/nginx_server.hpp"

namespace {

using namespace dcvkit;
using dcvkit::test::DnsFixture;
using dcvkit::test::NginxServer;
using dcvkit::test::Placement;
namespace hosts = dcvkit::test::nginx_hosts;

// RFC 8555 §8.3's example token, and a thumbprint (43 base64url characters) for it.
const std::string kToken = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
const std::string kThumbprint = "9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";
const std::string kOtherThumbprint = "nP1qzpXGymHBrUEepNY9HCsQk7K8KhOypzEt62jcerQ";
const std::string kKeyAuthz = kToken + "." + kThumbprint;
const std::string kChallengeDir = ".well-known/acme-challenge/";

std::map<std::string, CheckResult> check(const CheckBatchOptions& options, std::vector<CheckRequest> requests) {
  std::map<std::string, CheckResult> out;
  std::size_t next = 0;
  const auto st = run_check_batch(
      options,
      [&]() -> std::optional<CheckRequest> {
        if (next == requests.size()) return std::nullopt;
        return requests[next++];
      },
      [&](CheckResult r) { out[r.name] = std::move(r); });
  EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().message);
  EXPECT_EQ(out.size(), requests.size()) << "one result per request";
  return out;
}

class CheckAcmeHttp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server = new NginxServer(); }
  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
  }
  static CheckBatchOptions options() {
    CheckBatchOptions o;
    o.http.connect_address = "127.0.0.1";
    o.http.http_port = server->http_port();
    o.http.https_port = server->https_port();
    return o;
  }
  static CheckRequest http01(const std::string& name, const std::string& key_authorization = kKeyAuthz) {
    return acme_check_request(name, AcmeChallengeKind::Http01, key_authorization);
  }
  static std::string challenge_url(const std::string& host, const std::string& token = kToken) {
    return "http://" + host + "/" + kChallengeDir + token;
  }
  static void put(const std::string& host, const std::string& body, const std::string& token = kToken) {
    server->put_file(host, kChallengeDir + token, body);
  }
  static NginxServer* server;
};
NginxServer* CheckAcmeHttp::server = nullptr;

// RFC 8555 §8.3: "The server SHOULD ignore whitespace characters at the end of the body".
TEST_F(CheckAcmeHttp, KeyAuthorizationWithTrailingNewlinePasses) {
  put("newline.example.test", kKeyAuthz + "\n");
  put("crlf.example.test", kKeyAuthz + " \r\n");
  put("bare.example.test", kKeyAuthz);
  auto got = check(options(), {http01("newline.example.test"), http01("crlf.example.test"), http01("bare.example.test")});
  for (const auto& [name, r] : got) {
    EXPECT_TRUE(r.ok) << name << ": " << r.code << " " << r.message;
    EXPECT_EQ(r.code, "ok");
    EXPECT_EQ(r.kind, TokenKind::AcmeHttp01);
    EXPECT_EQ(method_name(r), "acme-http-01");
    EXPECT_EQ(r.url, challenge_url(name)) << "http:// first, the token's own path";
    EXPECT_EQ(r.token_found, kKeyAuthz);
  }
  const auto log = server->access_log_containing("/.well-known/acme-challenge/" + kToken);
  EXPECT_NE(log.find("GET /.well-known/acme-challenge/" + kToken), std::string::npos);
}

// §8.3: the body must be the key authorization of this challenge and account, exactly.
TEST_F(CheckAcmeHttp, AnotherThumbprintOrLeadingWhitespaceFails) {
  put("other-key.example.test", kToken + "." + kOtherThumbprint + "\n");
  put("leading.example.test", " " + kKeyAuthz + "\n");
  put("empty.example.test", "");
  auto got = check(options(), {http01("other-key.example.test"), http01("leading.example.test"), http01("empty.example.test")});
  for (const auto& [name, r] : got) {
    EXPECT_FALSE(r.ok) << name;
    EXPECT_EQ(r.code, "acme.http01_mismatch") << name << ": " << r.message;
    EXPECT_NE(r.message.find(challenge_url(name)), std::string::npos) << r.message;
    EXPECT_FALSE(r.hint.empty());
  }
  EXPECT_NE(got["other-key.example.test"].message.find(kOtherThumbprint), std::string::npos) << "shows what is served";
  EXPECT_EQ(got["other-key.example.test"].tokens_found, std::vector<std::string>{kToken + "." + kOtherThumbprint});
}

// Boulder reads at most 128 bytes and refuses a body that fills them (maxResponseSize).
TEST_F(CheckAcmeHttp, BodyOf128BytesOrMoreFails) {
  const std::string padded = kKeyAuthz + std::string(128 - kKeyAuthz.size() - 1, ' ') + "\n";
  ASSERT_EQ(padded.size(), 128u);
  put("padded.example.test", padded);
  put("just-under.example.test", kKeyAuthz + std::string(127 - kKeyAuthz.size() - 1, ' ') + "\n");
  auto got = check(options(), {http01("padded.example.test"), http01("just-under.example.test")});
  EXPECT_EQ(got["padded.example.test"].code, "acme.http01_body_too_large") << got["padded.example.test"].message;
  EXPECT_EQ(got["just-under.example.test"].code, "ok") << got["just-under.example.test"].message;
}

// The VA starts at http:// on port 80 and never tries https first: an https-only site fails, even
// though the request-token check (https first) passes it.
TEST_F(CheckAcmeHttp, HttpsOnlySiteFails) {
  put("https-only.example.test", kKeyAuthz + "\n");
  server->put_token_file("https-only.example.test", "unused");
  auto o = options();
  o.http.http_port = dcvkit::test::free_loopback_port();  // nothing answers http://
  auto got = check(o, {http01("https-only.example.test")});
  const auto& r = got["https-only.example.test"];
  EXPECT_EQ(r.code, "http.connect_failed") << r.message;
  EXPECT_EQ(r.url, challenge_url("https-only.example.test"));
  EXPECT_NE(r.hint.find("port 80"), std::string::npos) << "the ACME hint, not the request-token one: " << r.hint;
}

// The https side answering 200 "welcome" for every path does not matter: only http:// is asked.
TEST_F(CheckAcmeHttp, CatchAllHttpsSiteDoesNotHideTheHttpFile) {
  put(hosts::kCatchAll, kKeyAuthz + "\n");
  auto got = check(options(), {http01(hosts::kCatchAll)});
  EXPECT_EQ(got[hosts::kCatchAll].code, "ok") << got[hosts::kCatchAll].message;
}

// Boulder extractRequestTarget: ports 80 and 443 only; host names, not IP addresses; any site.
TEST_F(CheckAcmeHttp, RedirectsFollowLetsEncryptsRules) {
  put("elsewhere.example.org", kKeyAuthz + "\n");  // where kAcmeOffsite leads, over https
  auto got = check(options(), {http01(hosts::kAcmeBadPort), http01(hosts::kAcmeOffsite), http01(hosts::kAcmeToIp)});
  EXPECT_EQ(got[hosts::kAcmeBadPort].code, "http.redirect_bad_port") << got[hosts::kAcmeBadPort].message;
  EXPECT_NE(got[hosts::kAcmeBadPort].message.find("8080"), std::string::npos);
  EXPECT_EQ(got[hosts::kAcmeOffsite].code, "ok") << "another registrable domain, over https: followed; "
                                                 << got[hosts::kAcmeOffsite].message;
  EXPECT_EQ(got[hosts::kAcmeOffsite].url, "https://elsewhere.example.org/" + kChallengeDir + kToken);
  EXPECT_EQ(got[hosts::kAcmeToIp].code, "acme.redirect_to_ip") << got[hosts::kAcmeToIp].message;
}

// At most 10 redirects (Boulder maxRedirect); the answer after them must be 200 exactly.
TEST_F(CheckAcmeHttp, TenRedirectsAreFollowedElevenAreNotAndOnly200Counts) {
  const std::string ten = "c10-0." + kThumbprint, eleven = "c11-0." + kThumbprint;
  put(hosts::kAcmeChain, ten + "\n", "c10-10");
  put(hosts::kAcmeChain, eleven + "\n", "c11-11");
  auto got = check(options(), {http01(hosts::kAcmeChain, ten), http01(hosts::kAcmeNoContent)});
  EXPECT_EQ(got[hosts::kAcmeChain].code, "ok") << got[hosts::kAcmeChain].message;
  EXPECT_EQ(got[hosts::kAcmeChain].url, challenge_url(hosts::kAcmeChain, "c10-10"));
  EXPECT_EQ(got[hosts::kAcmeNoContent].code, "acme.http01_status") << got[hosts::kAcmeNoContent].message;
  auto more = check(options(), {http01(hosts::kAcmeChain, eleven)});
  EXPECT_EQ(more[hosts::kAcmeChain].code, "http.too_many_redirects") << more[hosts::kAcmeChain].message;
  EXPECT_NE(more[hosts::kAcmeChain].message.find("after 10 redirects"), std::string::npos);
}

// No network needed: http-01 cannot validate a wildcard, and a key authorization must be one.
TEST_F(CheckAcmeHttp, WildcardAndBadKeyAuthorizationAreRefusedWithTheirOwnCodes) {
  auto got = check(options(), {http01("*.wild.example.test"), http01("nokey.example.test", kToken),
                               http01("short.example.test", kToken + ".abc")});
  EXPECT_EQ(got["*.wild.example.test"].code, "acme.http01_wildcard");
  EXPECT_EQ(got["*.wild.example.test"].kind, TokenKind::AcmeHttp01);
  EXPECT_EQ(got["nokey.example.test"].code, "acme.key_authorization_invalid");
  EXPECT_EQ(got["short.example.test"].code, "acme.key_authorization_invalid");
  for (const auto& [name, r] : got) EXPECT_FALSE(r.hint.empty()) << name;
  EXPECT_EQ(key_authorization_problem(kKeyAuthz), "");
}

// ---- dns-01 ----------------------------------------------------------------------------------

DnsFixture& world() { return DnsFixture::shared(); }

CheckBatchOptions dns_options() {
  CheckBatchOptions o;
  o.dns = world().probe_options();
  return o;
}

CheckRequest dns01(const std::string& name, const std::string& key_authorization = kKeyAuthz) {
  return acme_check_request(name, AcmeChallengeKind::Dns01, key_authorization);
}

const std::string kValue = acme::dns01_txt_value(kKeyAuthz);

// TXT at _acme-challenge.<name>: one record per entry of `ns1` / `ns2`.
std::string place_acme(const dcvkit::test::TxtRecords& ns1, const dcvkit::test::TxtRecords& ns2) {
  Placement p;
  p.on_ns1 = ns1;
  p.on_ns2 = ns2;
  p.label = "_acme-challenge";
  return world().place(p);
}

TEST(CheckAcmeDns, ValueOnEveryServerPasses) {
  const auto name = place_acme({{kValue}}, {{kValue}});
  auto got = check(dns_options(), {dns01(name)});
  const auto& r = got[name];
  EXPECT_TRUE(r.ok) << r.code << " " << r.message;
  EXPECT_EQ(method_name(r), "acme-dns-01");
  EXPECT_EQ(r.owner, "_acme-challenge." + name);
  EXPECT_EQ(r.token_found, kValue);
  EXPECT_EQ(r.servers.size(), 2u) << "every authoritative server asked";
}

// §8.4: "Verify that the contents of one of the TXT records match the digest value".
TEST(CheckAcmeDns, RightValueAmongWrongOnesPasses) {
  const auto name = place_acme({{"stale-value"}, {kValue}, {acme::dns01_txt_value(kToken + "." + kOtherThumbprint)}},
                               {{kValue}, {"stale-value"}});
  auto got = check(dns_options(), {dns01(name)});
  EXPECT_EQ(got[name].code, "ok") << got[name].message;
}

// The CA asks from several perspectives (BR 3.2.2.9): a server without the record fails the name.
TEST(CheckAcmeDns, OneAuthoritativeServerMissingItFails) {
  const auto name = place_acme({{kValue}}, {});
  auto got = check(dns_options(), {dns01(name)});
  EXPECT_EQ(got[name].code, "dns.partial_propagation") << got[name].message;
  EXPECT_NE(got[name].message.find(world().ns2_server()), std::string::npos) << got[name].message;
}

// The key authorization itself, or another challenge's digest, is not the value.
TEST(CheckAcmeDns, WrongValuesFailAndNoRecordIsNoTxt) {
  const auto raw = place_acme({{kKeyAuthz}}, {{kKeyAuthz}});
  const auto none = world().a_record_only();
  auto got = check(dns_options(), {dns01(raw), dns01(none)});
  EXPECT_EQ(got[raw].code, "acme.dns01_mismatch") << got[raw].message;
  EXPECT_NE(got[raw].message.find(kValue), std::string::npos) << "says what the CA wants: " << got[raw].message;
  EXPECT_EQ(got[raw].tokens_found, std::vector<std::string>{kKeyAuthz});
  EXPECT_TRUE(got[none].code == "dns.nxdomain" || got[none].code == "dns.no_txt") << got[none].code;
  EXPECT_NE(got[none].hint.find("_acme-challenge"), std::string::npos) << got[none].hint;
}

// §8.4 for a wildcard (RFC 8555 §7.1.3: the authorization is for the base name): _acme-challenge.<base>.
TEST(CheckAcmeDns, WildcardLooksAtTheBaseName) {
  const auto name = place_acme({{kValue}}, {{kValue}});
  auto got = check(dns_options(), {dns01("*." + name)});
  const auto& r = got["*." + name];
  EXPECT_EQ(r.code, "ok") << r.message;
  EXPECT_EQ(r.owner, "_acme-challenge." + name);
}

// One record's strings are joined (Boulder bdns: strings.Join(txt.Txt, "")): a value split in two
// strings is still that record's value.
TEST(CheckAcmeDns, ARecordsStringsAreJoined) {
  const auto name = place_acme({{kValue.substr(0, 20), kValue.substr(20)}}, {{kValue.substr(0, 20), kValue.substr(20)}});
  auto got = check(dns_options(), {dns01(name)});
  EXPECT_EQ(got[name].code, "ok") << got[name].message;
}

}  // namespace
