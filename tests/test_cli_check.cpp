// dcvkit check end to end: every reason code, produced by real servers (three BIND instances, nginx
// with TLS, a server that never answers), through the executable with --jsonl.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "dcvkit/csr.hpp"
#include "dcvkit/time.hpp"
#include "dcvkit/token.hpp"
#include "support/dns_fixture.hpp"
#include "support/dns_server.hpp"
#include "support/nginx_server.hpp"
#include "support/real_servers_test.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace dcvkit;
using namespace dcvkit::test;

// A real CSR: lines that expect "any token made from this CSR" load it like a user's file.
const std::string kCsr = [] {
  CsrRequest request;
  request.common_name = "check.example.test";
  return generate_csr(request)->csr_pem;
}();
const std::string kAuthKey = "check-e2e-key";
std::string token_at(UnixSeconds t, const std::string& csr = kCsr) { return *compute_token(kAuthKey, csr, t); }
const UnixSeconds kNow = system_clock().now();
const std::string kGood = token_at(kNow - 3600);
const std::string kGood2 = token_at(kNow - 7200);
// Still this or last year, so the CA's scan finds them.
const std::string kExpired = token_at(std::max(kNow - 40 * 86400, *parse_compact_timestamp(format_compact_timestamp(kNow).substr(0, 4) + "0101000000") - 300 * 86400));
const std::string kFuture = token_at(kNow + 3 * 86400);
const std::string kForeign = token_at(kNow - 3600, "a different CSR");

struct Case {
  std::string name, method, expected_code;
  std::string token;  // the token the line expects ("" = match by CSR)
};

std::map<std::string, nlohmann::json> run_check(const std::vector<Case>& cases, const std::vector<std::string>& extra,
                                                int& exit_code, double& seconds) {
  TempDir dir;
  const auto csr = dir.write("req.csr", kCsr);
  std::string input;
  for (const auto& c : cases) {
    nlohmann::json line = {{"name", c.name}, {"method", c.method}};
    if (c.token.empty())
      line["csr"] = csr;
    else
      line["token"] = c.token;
    input += line.dump() + "\n";
  }
  std::vector<std::string> args = {"check", "--input", dir.write("in.jsonl", input), "--jsonl",
                                   "--auth-key-file", dir.write("ak", kAuthKey)};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto start = std::chrono::steady_clock::now();
  auto r = run_dcvkit(args);
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  exit_code = r.exit_code;
  std::map<std::string, nlohmann::json> by_name;
  std::istringstream lines(r.out);
  std::string line;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_object() && j.contains("name")) by_name[j["name"].get<std::string>() + "/" + j["method"].get<std::string>()] = j;
    if (j.is_object() && j.contains("summary")) by_name["#summary"] = j["summary"];
  }
  EXPECT_TRUE(by_name.count("#summary")) << r.out << r.err;
  return by_name;
}

void expect_codes(const std::vector<Case>& cases, const std::map<std::string, nlohmann::json>& got) {
  for (const auto& c : cases) {
    const auto key = c.name + "/" + (c.method == "dns" ? "dns-txt-token" : "http-token");
    auto it = got.find(key);
    ASSERT_NE(it, got.end()) << "no result for " << key;
    EXPECT_EQ(it->second["code"], c.expected_code) << key << ": " << it->second.dump();
    EXPECT_EQ(it->second["ok"].get<bool>(), c.expected_code == "ok") << key;
    if (c.expected_code != "ok") {
      EXPECT_FALSE(it->second["hint"].get<std::string>().empty()) << key;
    }
  }
}

class CliCheck : public RealServersTest {
 protected:
  static std::vector<std::string> network_flags(std::uint16_t http_port, std::uint16_t https_port) {
    return {"--resolver", dns->resolver().server(), "--ns-port", std::to_string(dns->ns_port()),
            "--http-port", std::to_string(http_port), "--https-port", std::to_string(https_port),
            "--connect-address", "127.0.0.1", "--timeout", "1500", "--no-dnssec"};
  }
};

TEST_F(CliCheck, EveryDnsReasonCode) {
  const std::string split = dns->token_split(kGood, 30);
  std::vector<Case> cases = {
      {dns->token_on_both({kGood}), "dns", "ok", kGood},
      {dns->token_on_both({kGood}), "dns", "ok", ""},  // any token made from the CSR
      {dns->token_at_base({kGood}), "dns", "ok", kGood},
      {dns->token_via_cname({kGood}), "dns", "ok", kGood},
      {dns->tokens_in_one_record({kForeign, kExpired, kGood}), "dns", "ok", kGood},
      {dns->token_on_both({kForeign, kGood2}), "dns", "ok", kGood2},
      {split, "dns", "dns.token_split", kGood},  // the CA reads "abc" "def", not "abcdef"
      {dns->token_on_ns1_only({kGood}), "dns", "dns.partial_propagation", kGood},
      {dns->token_with_dead_ns({kGood}), "dns", "dns.partial_propagation", kGood},
      {dns->token_with_ns2_servfail({kGood}), "dns", "dns.partial_propagation", kGood},
      {dns->token_with_dead_ns({}), "dns", "dns.timeout", kGood},
      {dns->nonexistent(), "dns", "dns.nxdomain", kGood},
      {dns->a_record_only(), "dns", "dns.no_txt", kGood},
      {dns->token_on_both({kForeign}), "dns", "dns.token_mismatch", kGood},
      {dns->token_on_both({kForeign}), "dns", "token.wrong_csr", ""},
      {dns->token_on_both({kExpired}), "dns", "token.expired", kExpired},
      {dns->token_on_both({kFuture}), "dns", "token.not_yet_valid", kFuture},
      {dns->servfail_at_resolver(), "dns", "dns.servfail", kGood},
      {dns->without_ns_address(), "dns", "dns.no_ns", kGood},
      {dns->lame_delegation(), "dns", "dns.refused", kGood},
      {dns->cname_loop(), "dns", "dns.cname_loop", kGood},
      {"bad..name.example.test", "dns", "name.empty_label", kGood},
  };
  int exit_code = 0;
  double seconds = 0;
  auto got = run_check(cases, network_flags(nginx->http_port(), nginx->https_port()), exit_code, seconds);
  expect_codes(cases, got);
  EXPECT_EQ(exit_code, 10) << "some names fail";
  EXPECT_EQ(got["#summary"]["total"], cases.size());
  const std::string split_message = got[split + "/dns-txt-token"]["message"].get<std::string>();
  EXPECT_NE(split_message.find("split across the TXT record's strings (\"" + kGood.substr(0, 30) + "\" \""), std::string::npos)
      << split_message;
  // The servers that lack the token are named.
  for (const auto& [key, j] : got) {
    if (j.contains("code") && j["code"] == "dns.partial_propagation") {
      EXPECT_NE(j["message"].get<std::string>().find("127.0.0."), std::string::npos) << key;
    }
  }
  EXPECT_LT(seconds, 10.0);
}

// dns.no_zone from a real server: a filtering resolver (BIND, response policy without SOA) that
// answers NXDOMAIN without any SOA for the name and every parent, and fails the root.
TEST_F(CliCheck, NoZoneFromAFilteringResolver) {
  const std::string name = dns->without_zone();
  auto flags = network_flags(nginx->http_port(), nginx->https_port());
  *(std::find(flags.begin(), flags.end(), "--resolver") + 1) = dns->filtering_resolver().server();
  std::vector<Case> cases = {{name, "dns", "dns.no_zone", kGood}};
  int exit_code = 0;
  double seconds = 0;
  auto got = run_check(cases, flags, exit_code, seconds);
  expect_codes(cases, got);
  EXPECT_EQ(exit_code, 10);
  const auto message = got[name + "/dns-txt-token"]["message"].get<std::string>();
  EXPECT_NE(message.find("no SOA for _dnsauth." + name + " or any parent"), std::string::npos) << message;
  EXPECT_NE(message.find(dns->filtering_resolver().server()), std::string::npos) << message;
  EXPECT_LT(seconds, 10.0);
}

TEST_F(CliCheck, EveryHttpReasonCode) {
  namespace h = nginx_hosts;
  const std::string pki = ".well-known/pki-validation/";
  nginx->put_token_file("plain.example.test", "# tokens\n" + kForeign + "\n" + kGood + "\n");
  nginx->put_token_file("bycsr.example.test", kGood + "\n");
  nginx->put_token_file(h::kToHttps, kGood);
  nginx->put_token_file("www.example.test", kGood);  // where kSibling redirects
  nginx->put_file(h::kChain5, pki + "final.txt", kGood);
  nginx->put_file(h::kChain6, pki + "final.txt", kGood);
  nginx->put_file(h::kRelative, pki + "moved.txt", kGood);
  nginx->put_token_file("notoken.example.test", "hello\n");
  nginx->put_token_file("foreign.example.test", kForeign + "\n");
  nginx->put_token_file("foreign-csr.example.test", kForeign + "\n");
  nginx->put_token_file("expired.example.test", kExpired + "\n");
  nginx->put_token_file("future.example.test", kFuture + "\n");
  nginx->put_token_file("late.example.test", std::string(5000, '#') + "\n" + kGood + "\n");
  std::vector<Case> cases = {
      {"plain.example.test", "http", "ok", kGood},
      {"bycsr.example.test", "http", "ok", ""},
      {h::kToHttps, "http", "ok", kGood},
      {h::kSibling, "http", "ok", kGood},
      {h::kChain5, "http", "ok", kGood},
      {h::kRelative, "http", "ok", kGood},
      {"missing.example.test", "http", "http.not_found", kGood},
      {h::kStatus500, "http", "http.status_5xx", kGood},
      {h::kForbidden, "http", "http.client_error", kGood},
      {h::kOffsite, "http", "http.redirect_offsite", kGood},
      {h::kBadPort, "http", "http.redirect_bad_port", kGood},
      {h::kBadScheme, "http", "http.redirect_bad_scheme", kGood},
      {h::kLoop, "http", "http.redirect_loop", kGood},
      {h::kChain6, "http", "http.too_many_redirects", kGood},
      {"notoken.example.test", "http", "http.no_token", kGood},
      {"foreign.example.test", "http", "http.token_mismatch", kGood},
      {"foreign-csr.example.test", "http", "token.wrong_csr", ""},
      {"expired.example.test", "http", "token.expired", kExpired},
      {"future.example.test", "http", "token.not_yet_valid", kFuture},
      {"late.example.test", "http", "http.body_too_large", kGood},
      {"*.wild.example.test", "http", "name.bad_wildcard", kGood},
  };
  int exit_code = 0;
  double seconds = 0;
  auto got = run_check(cases, network_flags(nginx->http_port(), nginx->https_port()), exit_code, seconds);
  expect_codes(cases, got);
  EXPECT_EQ(exit_code, 10);
  EXPECT_EQ(got["plain.example.test/http-token"]["url"], "https://plain.example.test/.well-known/pki-validation/fileauth.txt");
  EXPECT_EQ(got["foreign.example.test/http-token"]["tokens_found"], nlohmann::json::array({kForeign}));
  EXPECT_NE(nginx->access_log_containing("dcvkit/").find("dcvkit/"), std::string::npos) << "requests say who we are";
}

// The CA judges the https answer alone once it is 2xx (MpicFileService.getPrimaryOnlyFileResponse):
// a stale https document root or a catch-all https site fails the name even though http:// serves
// the right token; only an https fetch that fails makes the CA (and dcvkit) ask http://.
TEST_F(CliCheck, HttpsAnswering2xxIsJudgedAlone) {
  namespace h = nginx_hosts;
  const std::string stale = std::string("stale.") + h::kSplitRoots;
  const std::string expired = std::string("expired.") + h::kSplitRoots;
  const std::string fallback = std::string("fallback.") + h::kSplitRoots;
  for (const auto& name : {stale, expired, fallback, std::string(h::kCatchAll)}) nginx->put_token_file(name, kGood + "\n");
  nginx->put_https_token_file(stale, kForeign + "\n");
  nginx->put_https_token_file(expired, kExpired + "\n");
  std::vector<Case> cases = {
      {stale, "http", "http.token_mismatch", kGood},
      {expired, "http", "token.expired", kExpired},
      {h::kCatchAll, "http", "http.no_token", kGood},
      {fallback, "http", "ok", kGood},  // https 404: http is asked, and serves the token
  };
  int exit_code = 0;
  double seconds = 0;
  auto got = run_check(cases, network_flags(nginx->http_port(), nginx->https_port()), exit_code, seconds);
  expect_codes(cases, got);
  EXPECT_EQ(exit_code, 10);
  for (const auto& name : {stale, expired, std::string(h::kCatchAll)}) {
    const auto& j = got[name + "/http-token"];
    const std::string https_url = "https://" + name + "/.well-known/pki-validation/fileauth.txt";
    EXPECT_EQ(j["url"], https_url) << j.dump();
    EXPECT_NE(j["message"].get<std::string>().find(https_url), std::string::npos) << j.dump();
    EXPECT_NE(j["message"].get<std::string>().find("http:// was not tried"), std::string::npos) << j.dump();
    EXPECT_NE(j["hint"].get<std::string>().find("catch-all"), std::string::npos) << j.dump();
    EXPECT_NE(j["hint"].get<std::string>().find("stale file on the https document root"), std::string::npos) << j.dump();
  }
  EXPECT_EQ(got[fallback + "/http-token"]["url"], "http://" + fallback + "/.well-known/pki-validation/fileauth.txt");
}

// The web servers' addresses come from --resolver (the CA's CustomDnsResolver asks its own DNS
// client for A records): names only that resolver knows are fetched without --connect-address.
TEST_F(CliCheck, HttpNamesResolveThroughTheResolver) {
  const std::string web = "resolved-web.example.test", v6 = "resolved-v6.example.test", none = "resolved-none.example.test";
  const std::string pool = "resolved-pool.example.test";
  dns->resolver().update("example.test", {"update add " + web + ". 60 A 127.0.0.1", "update add " + v6 + ". 60 AAAA ::1",
                                          "update add " + pool + ". 60 A 127.0.0.1", "update add " + pool + ". 60 A 127.0.0.77"});
  nginx->put_token_file(web, kGood + "\n");
  nginx->put_token_file(pool, kGood + "\n");
  auto flags = network_flags(nginx->http_port(), nginx->https_port());
  flags.erase(std::find(flags.begin(), flags.end(), "--connect-address"), std::find(flags.begin(), flags.end(), "--timeout"));
  std::vector<Case> cases = {
      {web, "http", "ok", kGood},
      {v6, "http", "http.ipv6_only", kGood},
      {none, "http", "http.no_address", kGood},
  };
  int exit_code = 0;
  double seconds = 0;
  auto got = run_check(cases, flags, exit_code, seconds);
  expect_codes(cases, got);
  EXPECT_EQ(got[web + "/http-token"]["address"], "127.0.0.1") << got[web + "/http-token"].dump();
  EXPECT_NE(got[v6 + "/http-token"]["message"].get<std::string>().find("IPv4"), std::string::npos);
  EXPECT_NE(got[none + "/http-token"]["message"].get<std::string>().find(dns->resolver().server()), std::string::npos)
      << got[none + "/http-token"].dump();

  // --all-addresses: a pool where one node (nothing listens at 127.0.0.77) does not serve the file.
  flags.push_back("--all-addresses");
  std::vector<Case> every = {{web, "http", "ok", kGood}, {pool, "http", "http.partial_addresses", kGood}};
  got = run_check(every, flags, exit_code, seconds);
  expect_codes(every, got);
  const auto& p = got[pool + "/http-token"];
  const std::string address = p["address"].get<std::string>();
  EXPECT_NE(address.find("127.0.0.1"), std::string::npos) << p.dump();
  EXPECT_NE(address.find("127.0.0.77"), std::string::npos) << p.dump();
  EXPECT_NE(p["message"].get<std::string>().find("but not from 127.0.0.77"), std::string::npos) << p.dump();
  EXPECT_EQ(p["servers"].size(), 2u) << p.dump();
  EXPECT_EQ(exit_code, 10);
}

// A server that accepts connections and never answers, and a port where nothing listens.
TEST_F(CliCheck, HttpTimeoutAndConnectFailure) {
  const int hang = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(hang, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(hang, 64), 0);  // the kernel completes handshakes; nobody ever reads
  ::getsockname(hang, reinterpret_cast<sockaddr*>(&a), &len);
  const auto hang_port = ntohs(a.sin_port);
  int exit_code = 0;
  double seconds = 0;
  std::vector<Case> hung = {{"slow.example.test", "http", "http.timeout", kGood}};
  auto got = run_check(hung, network_flags(hang_port, hang_port), exit_code, seconds);
  expect_codes(hung, got);
  EXPECT_LT(seconds, 12.5) << "5 s read timeout per attempt (https, then http), not a hang";

  // https closed, http accepts and never answers: the read timeout on http is the informative
  // failure, not "connection refused" on the https port.
  std::vector<Case> half = {{"half.example.test", "http", "http.timeout", kGood}};
  got = run_check(half, network_flags(hang_port, free_loopback_port()), exit_code, seconds);
  expect_codes(half, got);
  ::close(hang);

  const auto closed = free_loopback_port();
  std::vector<Case> refused = {{"down.example.test", "http", "http.connect_failed", kGood}};
  got = run_check(refused, network_flags(closed, closed), exit_code, seconds);
  expect_codes(refused, got);
  EXPECT_LT(seconds, 5.0);
}

// Publish, then wait for propagation: --watch re-checks the failing name until every server has it.
TEST_F(CliCheck, WatchWaitsForPropagation) {
  const std::string name = dns->token_on_ns1_only({kGood});
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    dns->ns2().update("example.test", {"update add _dnsauth." + name + " 60 TXT \"" + kGood + "\""});
  });
  int exit_code = 0;
  double seconds = 0;
  auto flags = network_flags(nginx->http_port(), nginx->https_port());
  flags.insert(flags.end(), {"--watch", "--deadline", "60s"});
  auto got = run_check({{name, "dns", "ok", kGood}}, flags, exit_code, seconds);
  later.join();
  EXPECT_EQ(exit_code, 0);
  EXPECT_EQ(got[name + "/dns-txt-token"]["code"], "ok");
  EXPECT_GE(got[name + "/dns-txt-token"]["round"].get<int>(), 2) << "failed first, passed on a later round";
  EXPECT_EQ(got["#summary"]["passed"], 1);

  // A name that never passes stops at the deadline with its last failure.
  const std::string never = dns->token_on_ns1_only({kGood});
  auto short_flags = network_flags(nginx->http_port(), nginx->https_port());
  short_flags.insert(short_flags.end(), {"--watch", "--deadline", "3s"});
  got = run_check({{never, "dns", "dns.partial_propagation", kGood}}, short_flags, exit_code, seconds);
  EXPECT_EQ(exit_code, 10);
  EXPECT_EQ(got[never + "/dns-txt-token"]["code"], "dns.partial_propagation");
  EXPECT_LT(seconds, 10.0);
}

}  // namespace
