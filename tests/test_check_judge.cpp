// Verdicts from observations: every reason code, the choice among several failures, CSR matching.
#include <gtest/gtest.h>

#include "dcvkit/check.hpp"
#include "dcvkit/time.hpp"

namespace {

using namespace dcvkit;

const UnixSeconds kNow = *parse_compact_timestamp("20261123120000");
const std::string kCsr = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n";
const std::string kKey = "judge-key";
std::string token_at(const char* ts, const std::string& csr = kCsr) {
  return *compute_token(kKey, csr, *parse_compact_timestamp(ts));
}
const std::string kGood = token_at("20261120000000");
const std::string kOld = token_at("20261001000000");     // 53 days before kNow: expired
const std::string kFuture = token_at("20261201000000");  // not yet valid
const std::string kOther = token_at("20261120000000", "another CSR");

TxtAnswer answer(const std::string& server, const std::string& rcode, std::vector<std::string> values = {}) {
  TxtAnswer a;
  a.server = server;
  a.ns_name = "ns-" + server;
  a.rcode = rcode;
  a.values = std::move(values);
  return a;
}

DnsObservation dns(std::vector<TxtAnswer> dnsauth, std::vector<TxtAnswer> apex = {answer("a", "NOERROR")}) {
  DnsObservation o;
  o.name = "shop.example.test";
  o.owners.push_back({"_dnsauth.shop.example.test", {}, "_dnsauth.shop.example.test", "example.test", "", "", std::move(dnsauth), "", ""});
  o.owners.push_back({"shop.example.test", {}, "shop.example.test", "example.test", "", "", std::move(apex), "", ""});
  return o;
}

CheckResult judge(const DnsObservation& o, const std::vector<std::string>& expected = {kGood}) {
  return judge_dns(o, *TokenExpectation::exact(expected), kNow);
}

TEST(CheckJudgeDns, ValidOnEveryServerPasses) {
  auto r = judge(dns({answer("a", "NOERROR", {"unrelated", kGood}), answer("b", "NOERROR", {kGood})}));
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.code, "ok");
  EXPECT_EQ(r.token_found, kGood);
  EXPECT_EQ(r.valid_until, *parse_compact_timestamp("20261220000000"));
  EXPECT_EQ(r.servers.size(), 3u);
}

TEST(CheckJudgeDns, TokenOnTheApexAlsoPasses) {
  auto r = judge(dns({answer("a", "NXDOMAIN"), answer("b", "NXDOMAIN")}, {answer("a", "NOERROR", {kGood}), answer("b", "NOERROR", {kGood})}));
  EXPECT_TRUE(r.ok) << r.code;
}

TEST(CheckJudgeDns, OneServerWithoutItIsPartialPropagation) {
  for (const auto& bad : {answer("b", "NOERROR"), answer("b", "TIMEOUT"), answer("b", "NXDOMAIN")}) {
    auto r = judge(dns({answer("a", "NOERROR", {kGood}), bad}));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.code, "dns.partial_propagation") << bad.rcode;
    EXPECT_NE(r.message.find("ns-a (a)"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("ns-b (b)"), std::string::npos) << r.message;
    EXPECT_FALSE(r.hint.empty());
  }
}

TEST(CheckJudgeDns, WindowAndMismatchCodes) {
  EXPECT_EQ(judge(dns({answer("a", "NOERROR", {kOld})}), {kOld}).code, "token.expired");
  EXPECT_EQ(judge(dns({answer("a", "NOERROR", {kFuture})}), {kFuture}).code, "token.not_yet_valid");
  auto mismatch = judge(dns({answer("a", "NOERROR", {kOther})}));
  EXPECT_EQ(mismatch.code, "dns.token_mismatch");
  EXPECT_NE(mismatch.message.find(kOther), std::string::npos) << "shows the tokens found";
  EXPECT_EQ(mismatch.tokens_found, std::vector<std::string>{kOther});
  // Several tokens in one value: the matching valid one wins.
  EXPECT_TRUE(judge(dns({answer("a", "NOERROR", {kOther + " " + kOld + " " + kGood})})).ok);
}

TEST(CheckJudgeDns, InfrastructureAndAbsence) {
  EXPECT_EQ(judge(dns({answer("a", "NXDOMAIN")}, {answer("a", "NXDOMAIN")})).code, "dns.nxdomain");
  EXPECT_EQ(judge(dns({answer("a", "NOERROR")}, {answer("a", "NOERROR")})).code, "dns.no_txt");
  EXPECT_EQ(judge(dns({answer("a", "SERVFAIL")}, {answer("a", "NXDOMAIN")})).code, "dns.servfail");
  EXPECT_EQ(judge(dns({answer("a", "TIMEOUT")}, {answer("a", "NXDOMAIN")})).code, "dns.timeout");
  EXPECT_EQ(judge(dns({answer("a", "REFUSED")}, {answer("a", "NXDOMAIN")})).code, "dns.refused");
  auto o = dns({});
  o.owners[0].error_code = "dns.no_zone";
  o.owners[0].error_detail = "no SOA for example.test";
  o.owners[1].error_code = "dns.no_zone";
  EXPECT_EQ(judge(o).code, "dns.no_zone");
  EXPECT_NE(judge(o).message.find("no SOA"), std::string::npos);
}

TEST(CheckJudgeDns, CsrExpectationMatchesAnyTokenOfThatCsr) {
  auto expected = *TokenExpectation::from_csr({"other form", kCsr}, kKey);
  EXPECT_TRUE(judge_dns(dns({answer("a", "NOERROR", {kGood})}), *expected, kNow).ok);
  EXPECT_EQ(judge_dns(dns({answer("a", "NOERROR", {kOther})}), *expected, kNow).code, "token.wrong_csr");
  EXPECT_EQ(judge_dns(dns({answer("a", "NOERROR", {kOld})}), *expected, kNow).code, "token.expired");
}

HttpAttempt attempt(const std::string& url, std::string error, std::string body = "", std::string beyond = "") {
  HttpAttempt a;
  a.start_url = url;
  a.hops.push_back({url, error.empty() ? 200 : 0, "", "", ""});
  a.error_code = std::move(error);
  a.error_detail = a.error_code.empty() ? "" : url + " failed";
  a.body = std::move(body);
  a.beyond = std::move(beyond);
  return a;
}

CheckResult judge(std::vector<HttpAttempt> attempts, const std::vector<std::string>& expected = {kGood}) {
  HttpObservation o;
  o.name = "shop.example.test";
  o.attempts = std::move(attempts);
  return judge_http(o, *TokenExpectation::exact(expected), kNow);
}

TEST(CheckJudgeHttp, PassesOverHttpsOrHttp) {
  EXPECT_TRUE(judge({attempt("https://s/", "", kGood + "\n")}).ok);
  auto r = judge({attempt("https://s/", "http.connect_failed"), attempt("http://s/", "", kOld + "\n" + kGood + "\n")});
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.url, "http://s/");
  EXPECT_EQ(r.token_found, kGood);
}

TEST(CheckJudgeHttp, ReasonCodes) {
  EXPECT_EQ(judge({attempt("https://s/", "http.not_found"), attempt("http://s/", "http.not_found")}).code, "http.not_found");
  EXPECT_EQ(judge({attempt("https://s/", "", "nothing here")}).code, "http.no_token");
  EXPECT_EQ(judge({attempt("https://s/", "", kOther)}).code, "http.token_mismatch");
  EXPECT_EQ(judge({attempt("https://s/", "", kOld)}, {kOld}).code, "token.expired");
  auto far = judge({attempt("https://s/", "", std::string(5000, ' '), "\n" + kGood)});
  EXPECT_EQ(far.code, "http.body_too_large");
  EXPECT_NE(far.hint.find("5,000"), std::string::npos);
  // The failure closest to success is reported: a wrong token over http beats a refused https.
  auto mixed = judge({attempt("https://s/", "http.connect_failed"), attempt("http://s/", "", kOther)});
  EXPECT_EQ(mixed.code, "http.token_mismatch");
  EXPECT_EQ(mixed.url, "http://s/");
  auto redirect = judge({attempt("https://s/", "http.redirect_offsite"), attempt("http://s/", "http.redirect_offsite")});
  EXPECT_EQ(redirect.code, "http.redirect_offsite");
  EXPECT_NE(redirect.message.find("https://s/"), std::string::npos);
}

TEST(CheckJudge, EveryCodeHasAHint) {
  for (const char* code : {"dns.nxdomain", "dns.no_txt", "dns.token_mismatch", "dns.partial_propagation", "dns.servfail",
                           "dns.timeout", "dns.refused", "dns.no_zone", "dns.no_ns", "dns.cname_loop", "http.not_found",
                           "http.client_error", "http.status_5xx", "http.redirect_offsite", "http.redirect_bad_port",
                           "http.too_many_redirects", "http.redirect_loop", "http.timeout", "http.connect_failed",
                           "http.no_token", "http.token_mismatch", "http.body_too_large", "token.expired",
                           "token.not_yet_valid", "token.wrong_csr"})
    EXPECT_FALSE(hint_for(code).empty()) << code;
}

}  // namespace
