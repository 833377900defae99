// Ordering end to end: the dcvkit executable against a real dcvkit-sandbox over HTTPS
// (--ca-bundle, verification on), real BIND servers (DnsFixture) and nginx: AuthKey -> CSR ->
// token -> publish -> order -> verified files that `openssl verify` accepts. Also: pending and
// then issued, the rate limits under a burst, faults that must not buy a second certificate,
// wrong keys, expired tokens — and no API key or AuthKey in any output.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <mutex>
#include <thread>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "dcvkit/certcentral.hpp"
#include "dcvkit/time.hpp"
#include "support/dns_fixture.hpp"
#include "support/nginx_server.hpp"
#include "support/real_servers_test.hpp"
#include "support/run.hpp"
#include "support/sandbox_server.hpp"
#include "support/small_tmpfs.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace dcvkit;
using namespace dcvkit::test;
using json = nlohmann::json;

json parse_json(const std::string& text) { return json::parse(text, nullptr, false); }

int count(const json& stats, const char* key) { return stats.contains(key) ? stats[key].get<int>() : -1; }
int orders_in(const json& stats, const char* status) {
  return stats.contains("orders") && stats["orders"].contains(status) ? stats["orders"][status].get<int>() : 0;
}

// Names of the entries in a directory, sorted.
std::vector<std::string> entries_of(const std::string& path) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(path)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

class OrderE2e : public RealServersTest {
 protected:
  // A fresh sandbox per test (its stats count only this test's requests), validating through the
  // fixture's DNS servers and nginx.
  void start_sandbox(const std::string& faults = {}, const std::vector<std::string>& sandbox_flags = {}) {
    SandboxOptions o;
    o.resolver = dns->resolver().server();
    o.ns_port = dns->ns_port();
    o.http_port = nginx->http_port();
    o.https_port = nginx->https_port();
    o.faults_json = faults;
    o.extra_args = {"--timeout", "1500"};
    o.extra_args.insert(o.extra_args.end(), sandbox_flags.begin(), sandbox_flags.end());
    sandbox = std::make_unique<SandboxServer>(o);
  }

  std::vector<std::string> api() const {
    return {"--api-url", sandbox->url(), "--api-key-file", sandbox->api_key_file(), "--ca-bundle", sandbox->ca_bundle()};
  }

  // Runs dcvkit and keeps everything it printed, to check at the end that no secret leaked.
  RunResult run(std::vector<std::string> args, bool with_api = true) {
    if (with_api) {
      const auto a = api();
      args.insert(args.end(), a.begin(), a.end());
    }
    auto r = run_dcvkit(args);
    std::lock_guard lock(printed_mutex);  // some tests publish from a second thread meanwhile
    printed += r.out + r.err;
    return r;
  }
  std::mutex printed_mutex;

  void TearDown() override {
    if (!sandbox) return;
    const std::string key = sandbox->api_key();
    ASSERT_FALSE(key.empty());
    EXPECT_EQ(printed.find(key), std::string::npos) << "the API key was printed";
    if (!auth_key_file.empty()) {
      const std::string ak = read_text(auth_key_file).substr(0, 32);
      EXPECT_EQ(printed.find(ak), std::string::npos) << "the AuthKey was printed";
    }
  }

  std::string create_auth_key() {
    auth_key_file = dir.file("authkey");
    auto r = run({"authkey", "create", "--out", auth_key_file});
    EXPECT_EQ(r.exit_code, 0) << r.all();
    return auth_key_file;
  }

  std::string fresh_name(const std::string& kind) { return kind + std::to_string(++counter) + ".example.test"; }

  std::string new_csr(const std::string& cn, const std::vector<std::string>& sans = {}) {
    const std::string csr = dir.file(cn + ".csr");
    std::vector<std::string> args = {"csr", "new", "--cn", cn, "--key-out", dir.file(cn + ".key"), "--csr-out", csr};
    for (const auto& s : sans) args.insert(args.end(), {"--san", s});
    auto r = run(args, false);
    EXPECT_EQ(r.exit_code, 0) << r.all();
    return csr;
  }

  std::string new_token(const std::string& csr, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"token", "new", "--csr", csr, "--auth-key-file", auth_key_file, "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = run(args, false);
    EXPECT_EQ(r.exit_code, 0) << r.all();
    return parse_json(r.out).value("token", "");
  }

  // dcvkit publish over RFC 2136 to both authoritative servers of example.test.
  void publish_dns(const std::string& name, const std::string& token) {
    for (const DnsServer* s : {&dns->ns1(), &dns->ns2()}) {
      auto r = run({"publish", "--name", name, "--token", token, "--method", "dns", "--server", s->server(), "--zone",
                    "example.test", "--tsig-key-file", s->key_file()},
                   false);
      ASSERT_EQ(r.exit_code, 0) << r.all();
    }
  }

  // dcvkit publish into nginx's webroot for the host.
  void publish_http(const std::string& name, const std::string& token) {
    const std::string webroot = nginx->dir() + "/www/" + name;  // the document root nginx serves for the host
    std::filesystem::create_directories(webroot);
    auto r = run({"publish", "--name", name, "--token", token, "--method", "http", "--webroot", webroot}, false);
    ASSERT_EQ(r.exit_code, 0) << r.all();
  }

  // openssl verify, an independent verifier, over the files written.
  void expect_openssl_verifies(const std::string& out_dir) {
    for (const char* f : {"cert.pem", "chain.pem", "fullchain.pem", "root.pem"})
      ASSERT_TRUE(std::filesystem::exists(out_dir + "/" + f)) << f;
    auto v = run_program({"/usr/bin/openssl", "verify", "-purpose", "sslserver", "-CAfile", out_dir + "/root.pem", "-untrusted",
                          out_dir + "/chain.pem", out_dir + "/cert.pem"});
    EXPECT_EQ(v.exit_code, 0) << v.all();
    EXPECT_NE(v.out.find("OK"), std::string::npos) << v.out;
    EXPECT_EQ(read_text(out_dir + "/root.pem"), read_text(sandbox->ca_bundle()));
  }

  // Names ordered with a fresh CSR whose tokens are published (dns or http).
  struct Prepared {
    std::string csr, token;
    std::vector<std::string> names;
  };
  Prepared prepare(const std::string& method, bool publish = true) {
    if (auth_key_file.empty()) create_auth_key();  // one AuthKey per account: later orders share it
    const std::string cn = fresh_name(method == "dns" ? "d" : "h");
    Prepared p;
    p.names = {cn, "www." + cn};
    p.csr = new_csr(cn, {"www." + cn});
    p.token = new_token(p.csr);
    if (publish)
      for (const auto& n : p.names) method == "dns" ? publish_dns(n, p.token) : publish_http(n, p.token);
    return p;
  }

  // dcvkit order submit for a prepared CSR into dir/<out>, with --json.
  RunResult submit(const Prepared& p, const std::string& out, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"order", "submit", "--product", "ssl_dv_geotrust", "--csr", p.csr, "--method", "dns",
                                     "--out-dir", dir.file(out), "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  }

  // A fault on the first order POST that must end in exactly one order, issued and written.
  json expect_one_order_despite(const std::string& fault, const std::vector<std::string>& extra = {}) {
    start_sandbox("[" + fault + "]");
    auto p = prepare("dns");
    auto r = submit(p, "out", extra);
    EXPECT_EQ(r.exit_code, 0) << r.all();
    expect_openssl_verifies(dir.file("out"));
    const auto stats = sandbox->stats();
    EXPECT_EQ(count(stats, "orders_total"), 1) << "exactly one order: " << stats.dump();
    EXPECT_EQ(orders_in(stats, "issued"), 1);
    auto j = parse_json(r.out);
    j["stderr"] = r.err;
    return j;
  }

  std::unique_ptr<SandboxServer> sandbox;
  TempDir dir;
  std::string printed, auth_key_file;
  static std::atomic<int> counter;
};
std::atomic<int> OrderE2e::counter{0};

TEST_F(OrderE2e, DnsTokensIssueAtOnceWithOneApiCall) {
  start_sandbox();
  auto p = prepare("dns");
  const std::string out = dir.file("certs");
  auto r = run({"order", "submit", "--product", "ssl_dv_geotrust", "--csr", p.csr, "--method", "dns-txt-token", "--out-dir", out,
                "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  const auto j = parse_json(r.out);
  EXPECT_EQ(j["status"], "issued");
  EXPECT_EQ(j["immediate"], true);
  EXPECT_EQ(j["adopted"], false);
  EXPECT_EQ(j["api_calls"], 1) << "the immediate path is one API call";
  EXPECT_EQ(j["names"].get<std::set<std::string>>(), std::set<std::string>(p.names.begin(), p.names.end()));
  EXPECT_EQ(j["files"]["cert"], out + "/cert.pem");
  expect_openssl_verifies(out);
  struct stat st {};
  ASSERT_EQ(::stat((out + "/cert.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);

  const auto stats = sandbox->stats();
  EXPECT_EQ(count(stats, "orders_total"), 1);
  EXPECT_EQ(orders_in(stats, "issued"), 1);

  // The order as the API keeps it, and the wire log with secrets redacted.
  const auto id = std::to_string(j["order_id"].get<long>());
  auto status = run({"order", "status", id, "--json", "-v"});
  ASSERT_EQ(status.exit_code, 0) << status.all();
  EXPECT_EQ(parse_json(status.out)["status"], "issued");
  EXPECT_NE(status.err.find("X-DC-DEVKEY: [redacted]"), std::string::npos) << status.err;
  auto shown = run({"authkey", "show", "-v"});
  EXPECT_EQ(shown.exit_code, 0) << shown.all();
  EXPECT_NE(shown.err.find("\"auth_key\":\"[redacted]\""), std::string::npos) << shown.err;

  // The certificate checked against another CSR's key: exit 16, nothing installed, what came kept aside.
  const std::string other = new_csr(fresh_name("other"));
  auto mismatch = run({"order", "download", id, "--csr", other, "--out-dir", dir.file("mismatch")});
  EXPECT_EQ(mismatch.exit_code, 16) << mismatch.all();
  EXPECT_NE(mismatch.err.find("public key is not the CSR's"), std::string::npos) << mismatch.err;
  EXPECT_EQ(entries_of(dir.file("mismatch")), std::vector<std::string>{"received-unverified.pem"});
  auto again_ok = run({"order", "download", id, "--out-dir", dir.file("again"), "--json"});
  EXPECT_EQ(again_ok.exit_code, 0) << again_ok.all();
  EXPECT_EQ(read_text(dir.file("again/cert.pem")), read_text(out + "/cert.pem"));

  // Again into the same directory: refused before anything is ordered.
  auto again = run({"order", "submit", "--product", "ssl_dv_geotrust", "--csr", p.csr, "--method", "dns", "--out-dir", out});
  EXPECT_EQ(again.exit_code, 4) << again.all();
  EXPECT_NE(again.err.find("--force"), std::string::npos);
  EXPECT_EQ(count(sandbox->stats(), "orders_total"), 1);
}

TEST_F(OrderE2e, HttpTokensInTheWebrootIssueAtOnce) {
  start_sandbox();
  auto p = prepare("http");
  const std::string out = dir.file("web");
  auto r = run({"order", "submit", "--product", "ssl_dv_rapidssl", "--csr", p.csr, "--method", "http-token", "--out-dir", out});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.out.find("issued at once"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(out + "/fullchain.pem"), std::string::npos) << r.out;
  expect_openssl_verifies(out);
  EXPECT_EQ(count(sandbox->stats(), "orders_total"), 1);
}

TEST_F(OrderE2e, KeyAndPfxGoBesideTheChainAndAForeignKeyIsRefusedBeforeOrdering) {
  start_sandbox();
  auto p = prepare("dns");
  const std::string password = dir.write("pfx.pass", "hunter2\n");
  const std::string other = dir.file("other.key");
  ASSERT_EQ(run({"csr", "new", "--cn", "other.example.test", "--key-out", other, "--csr-out", dir.file("other.csr")}, false).exit_code, 0);
  auto foreign = submit(p, "foreign", {"--key", other});
  EXPECT_EQ(foreign.exit_code, 3) << foreign.all();
  EXPECT_NE(foreign.out.find("cert.key_mismatch"), std::string::npos) << foreign.out;
  EXPECT_EQ(count(sandbox->stats(), "orders_total"), 0) << "nothing bought that could not be written";
  EXPECT_EQ(submit(p, "nopass", {"--key", dir.file(p.names[0] + ".key"), "--format", "pfx"}).exit_code, 2)
      << "a PFX needs a password";

  auto r = submit(p, "out", {"--key", dir.file(p.names[0] + ".key"), "--format", "pfx", "--format", "der", "--password-file", password});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  const std::string out = dir.file("out");
  EXPECT_EQ(file_mode(out + "/privkey.pem"), 0600u);
  EXPECT_EQ(file_mode(out + "/cert.pfx"), 0600u);
  EXPECT_TRUE(std::filesystem::exists(out + "/cert.der"));
  auto pfx = run_program({"/usr/bin/openssl", "pkcs12", "-in", out + "/cert.pfx", "-passin", "file:" + password, "-nodes"});
  ASSERT_EQ(pfx.exit_code, 0) << pfx.all();
  EXPECT_NE(pfx.out.find("PRIVATE KEY"), std::string::npos);
  EXPECT_NE(pfx.out.find("subject=CN = " + p.names[0]), std::string::npos) << pfx.out;
  EXPECT_EQ(count(sandbox->stats(), "orders_total"), 1);
}

TEST_F(OrderE2e, PendingBeforePublishingThenDownloadWaitIssues) {
  start_sandbox();
  auto p = prepare("dns", false);
  auto r = run({"order", "submit", "--product", "ssl_dv_geotrust", "--csr", p.csr, "--method", "dns", "--out-dir", dir.file("o"),
                "--json"});
  ASSERT_EQ(r.exit_code, 15) << r.all();
  const auto j = parse_json(r.out);
  EXPECT_EQ(j["status"], "pending");
  EXPECT_EQ(j["issued"], false);
  EXPECT_NE(j["reason"].get<std::string>().find(p.names[0]), std::string::npos) << j.dump();
  EXPECT_NE(j["reason"].get<std::string>().find("dns."), std::string::npos) << "the reason names what is missing: " << j.dump();
  EXPECT_NE(j["error"]["hint"].get<std::string>().find("order download"), std::string::npos);
  // The order's random value, and where each name would carry it: nobody polls without knowing.
  EXPECT_EQ(j["dcv_random_value"].get<std::string>().size(), 32u) << j.dump();
  ASSERT_EQ(j["random_value_at"].size(), p.names.size()) << j.dump();
  EXPECT_EQ(j["random_value_at"][0], "TXT at _dnsauth." + p.names[0]) << j.dump();
  EXPECT_FALSE(std::filesystem::exists(dir.file("o/cert.pem")));
  const auto id = std::to_string(j["order_id"].get<long>());

  auto status = run({"order", "status", id});
  EXPECT_EQ(status.exit_code, 0) << status.all();
  EXPECT_NE(status.out.find("pending"), std::string::npos);

  for (const auto& n : p.names) publish_dns(n, p.token);
  auto got = run({"order", "download", id, "--wait", "--timeout", "60", "--out-dir", dir.file("o")});
  ASSERT_EQ(got.exit_code, 0) << got.all();
  expect_openssl_verifies(dir.file("o"));
  const auto stats = sandbox->stats();
  EXPECT_EQ(count(stats, "orders_total"), 1);
  EXPECT_EQ(orders_in(stats, "issued"), 1);

  auto list = run({"order", "list", "--status", "issued", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.all();
  ASSERT_EQ(parse_json(list.out)["orders"].size(), 1u);
  EXPECT_EQ(std::to_string(parse_json(list.out)["orders"][0]["id"].get<long>()), id);
}

TEST_F(OrderE2e, SubmitWaitIssuesOncePublishedMeanwhile) {
  start_sandbox();
  auto p = prepare("dns", false);
  // Publish a moment after the order went out: --wait picks it up.
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::seconds(3));
    for (const auto& n : p.names) publish_dns(n, p.token);
  });
  auto r = run({"order", "submit", "--product", "ssl_dv_geotrust", "--csr", p.csr, "--method", "dns", "--out-dir", dir.file("w"),
                "--wait", "--timeout", "90"});
  later.join();
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.err.find("checking again"), std::string::npos) << r.err;
  expect_openssl_verifies(dir.file("w"));
  EXPECT_EQ(count(sandbox->stats(), "orders_total"), 1);
}

TEST_F(OrderE2e, ExpiredTokenStaysPendingWithTheReason) {
  start_sandbox();
  create_auth_key();
  const std::string cn = fresh_name("x");
  const std::string csr = new_csr(cn);
  // 31 days ago: past the 30-day window, still this or last year (the CA's scan finds it).
  const std::string old = new_token(csr, {"--timestamp", format_compact_timestamp(system_clock().now() - 31 * 86400)});
  publish_dns(cn, old);
  auto r = run({"order", "submit", "--product", "ssl_dv_geotrust", "--csr", csr, "--method", "dns", "--out-dir", dir.file("x"),
                "--token", old});
  EXPECT_EQ(r.exit_code, 15) << r.all();
  EXPECT_NE(r.err.find("warning: --token"), std::string::npos) << "the window is checked before ordering: " << r.err;
  EXPECT_NE(r.all().find("token.expired"), std::string::npos) << r.all();
  EXPECT_NE(r.out.find("pending"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("random value instead of a token"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("TXT at _dnsauth." + cn), std::string::npos) << r.out;
  EXPECT_EQ(count(sandbox->stats(), "orders_total"), 1);
}

TEST_F(OrderE2e, ConnectionClosedAfterStoreStillExactlyOneOrder) {
  const auto j = expect_one_order_despite(R"({"method":"POST","path":"/order/certificate/","nth":1,"action":"close_after_store"})");
  EXPECT_EQ(j["adopted"], true) << j.dump();
  EXPECT_EQ(j["posts"], 1);
  EXPECT_NE(j["stderr"].get<std::string>().find("looking for the order"), std::string::npos) << j.dump();
}

TEST_F(OrderE2e, CloseAfterStoreOnAKeptAliveConnectionIsNotResentByLibcurl) {
  // libcurl silently resends a request when a reused connection dies before any answer byte; for
  // the order POST that would be a second order. The POST goes on a new connection instead.
  start_sandbox(R"([{"method":"POST","path":"/order/certificate/","nth":1,"action":"close_after_store"}])");
  auto p = prepare("dns");
  certcentral::ClientOptions o;
  o.base_url = sandbox->url();
  o.api_key = Secret(sandbox->api_key());
  o.ca_bundle = sandbox->ca_bundle();
  auto client = certcentral::Client::connect(std::move(o));
  ASSERT_TRUE(client);
  ASSERT_TRUE((*client)->products());  // leaves a kept-alive connection behind
  certcentral::OrderRequest order;
  order.product = "ssl_dv_geotrust";
  order.common_name = p.names[0];
  order.dns_names = {p.names[1]};
  order.csr = read_text(p.csr);
  auto r = certcentral::submit_order(**client, order);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->adopted);
  EXPECT_EQ(r->posts, 1);
  EXPECT_EQ(count(sandbox->stats(), "orders_total"), 1) << sandbox->stats().dump();
}

TEST_F(OrderE2e, TimeoutWhileTheServerStillWorksIsFoundNotResent) {
  // The answer takes 4 s, the client gives up after 2: the order appears only later.
  const auto j = expect_one_order_despite(R"({"method":"POST","path":"/order/certificate/","nth":1,"action":"delay","ms":4000})",
                                          {"--api-timeout", "2"});
  EXPECT_EQ(j["adopted"], true) << j.dump();
  EXPECT_EQ(j["posts"], 1);
  EXPECT_NE(j["stderr"].get<std::string>().find("timed out"), std::string::npos) << j.dump();
}

TEST_F(OrderE2e, SlowCaIsWaitedForWhileThePostMayBeInFlightNotOrderedTwice) {
  // The client gives up after 2 s, the CA stores the order after 9 s: later than the client's
  // timeout and than the 5 s it used to wait before sending again, inside 2 s + 30 s.
  const auto j = expect_one_order_despite(R"({"method":"POST","path":"/order/certificate/","nth":1,"action":"delay","ms":9000})",
                                          {"--api-timeout", "2"});
  EXPECT_EQ(j["adopted"], true) << j.dump();
  EXPECT_EQ(j["posts"], 1);
  EXPECT_NE(j["stderr"].get<std::string>().find("may still be in flight"), std::string::npos) << j.dump();
}

TEST_F(OrderE2e, OutDirWithoutRoomOrWriteAccessOrdersNothingAndLeavesNoDirectory) {
  start_sandbox(R"([{"method":"POST","path":"/order/certificate/","nth":1,"action":"status","status":400}])");
  auto p = prepare("dns");
  SmallTmpfs full(dir.file("full"), 64 * 1024);  // far less than the room the files are given
  SmallTmpfs read_only(dir.file("ro"), 1 << 20, true);
  if (full.mounted() && read_only.mounted()) {
    auto r = submit(p, "full/certs");
    EXPECT_EQ(r.exit_code, 4) << r.all();
    EXPECT_NE(r.all().find("io.no_space"), std::string::npos) << r.all();
    EXPECT_FALSE(std::filesystem::exists(dir.file("full/certs")));
    r = submit(p, "ro/certs");
    EXPECT_EQ(r.exit_code, 4) << r.all();
    EXPECT_NE(r.all().find("io.not_writable"), std::string::npos) << r.all();
  } else {
    std::cout << "[ skipped ] full and read-only file systems: cannot mount a tmpfs here (" << full.error() << ")\n";
  }
  EXPECT_EQ(count(sandbox->stats(), "orders_total"), 0);
  // The CA refuses the order: the directories made for it go again.
  auto refused = submit(p, "new/deep/certs");
  EXPECT_NE(refused.exit_code, 0) << refused.all();
  EXPECT_FALSE(std::filesystem::exists(dir.file("new"))) << refused.all();
  auto ordered = submit(p, "new/deep/certs");
  EXPECT_EQ(ordered.exit_code, 0) << ordered.all();
  expect_openssl_verifies(dir.file("new/deep/certs"));
}

TEST_F(OrderE2e, ServerErrorOnFirstPostIsRetriedIntoOneOrder) {
  const auto j = expect_one_order_despite(R"({"method":"POST","path":"/order/certificate/","nth":1,"action":"status","status":500})");
  EXPECT_EQ(j["posts"], 2) << j.dump();
  EXPECT_EQ(j["adopted"], false);
}

TEST_F(OrderE2e, RepeatedServerErrorsGiveUpWithoutExtraOrders) {
  start_sandbox(R"([{"method":"POST","path":"/order/certificate/","nth":1,"count":10,"action":"status","status":503}])");
  auto p = prepare("dns");
  auto r = run({"order", "submit", "--product", "ssl_dv_geotrust", "--csr", p.csr, "--method", "dns", "--out-dir", dir.file("s")});
  EXPECT_EQ(r.exit_code, 14) << r.all();
  EXPECT_NE(r.err.find("attempts"), std::string::npos) << r.err;
  EXPECT_EQ(count(sandbox->stats(), "orders_total"), 0);
  EXPECT_FALSE(std::filesystem::exists(dir.file("s/cert.pem")));
}

TEST_F(OrderE2e, BurstOf300RequestsGetsNo429) {
  // Everything through one process's client (the throttle is per process): a pending order, then
  // 300 reads of it as fast as the client lets them go.
  start_sandbox();
  certcentral::ClientOptions o;
  o.base_url = sandbox->url();
  o.api_key = Secret(sandbox->api_key());
  o.ca_bundle = sandbox->ca_bundle();
  auto client = certcentral::Client::connect(std::move(o));
  ASSERT_TRUE(client) << client.error().message;
  const std::string cn = fresh_name("b");
  certcentral::OrderRequest order;
  order.product = "ssl_dv_geotrust";
  order.common_name = cn;
  order.csr = read_text(new_csr(cn));
  auto placed = certcentral::submit_order(**client, order);
  ASSERT_TRUE(placed) << placed.error().message;
  ASSERT_FALSE(placed->order.immediate());

  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 300; ++i) {
    auto info = (*client)->order_info(placed->order.id);
    ASSERT_TRUE(info) << i << ": " << info.error().message;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const auto stats = sandbox->stats();
  EXPECT_EQ(count(stats, "rate_limited"), 0) << stats.dump();
  EXPECT_EQ((*client)->stats().requests, 301u) << "no retries were needed";
  EXPECT_EQ(count(stats, "requests"), 301);
  EXPECT_GT(seconds, 14.9) << "301 requests at 95 per 5 s take at least 15 s";
}

TEST_F(OrderE2e, WithoutTheThrottleTheSandboxRefuses) {
  // The control for the burst test: the same burst unthrottled does hit the limit.
  start_sandbox();
  certcentral::ClientOptions o;
  o.base_url = sandbox->url();
  o.api_key = Secret(sandbox->api_key());
  o.ca_bundle = sandbox->ca_bundle();
  o.throttle = false;
  o.retry.max_attempts = 1;
  auto client = certcentral::Client::connect(std::move(o));
  ASSERT_TRUE(client);
  int limited = 0;
  for (int i = 0; i < 150; ++i) {
    auto r = (*client)->products();
    if (!r) {
      EXPECT_EQ(r.error().kind, ErrorKind::RateLimited) << r.error().message;
      ++limited;
    }
  }
  EXPECT_GT(limited, 0);
  EXPECT_EQ(count(sandbox->stats(), "rate_limited"), limited);
}

TEST_F(OrderE2e, WrongApiKeyIsExit12WithAClearMessage) {
  start_sandbox();
  const std::string wrong = dir.write("wrong-key", "0123456789abcdef0123456789abcdef01234567\n");
  auto r = run_dcvkit({"order", "list", "--api-url", sandbox->url(), "--api-key-file", wrong, "--ca-bundle", sandbox->ca_bundle()});
  printed += r.all();
  EXPECT_EQ(r.exit_code, 12) << r.all();
  EXPECT_NE(r.err.find("API key was not accepted"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--api-key-file"), std::string::npos) << r.err;
  EXPECT_EQ(r.all().find("0123456789abcdef0123456789abcdef01234567"), std::string::npos);
  auto json_mode = run_dcvkit({"authkey", "show", "--json", "--api-url", sandbox->url(), "--api-key-file", wrong, "--ca-bundle",
                               sandbox->ca_bundle()});
  EXPECT_EQ(json_mode.exit_code, 12);
  EXPECT_EQ(parse_json(json_mode.out)["error"]["code"], "api.invalid_api_key") << json_mode.out;

  RunOptions no_key;
  no_key.env["DCVKIT_API_KEY"] = std::nullopt;
  auto missing = run_dcvkit({"order", "list", "--api-url", sandbox->url()}, no_key);
  EXPECT_EQ(missing.exit_code, 12) << missing.all();
  // Without --ca-bundle the sandbox's certificate is not trusted, and there is no switch to skip that.
  auto untrusted = run_dcvkit({"order", "list", "--api-url", sandbox->url(), "--api-key-file", sandbox->api_key_file()});
  printed += untrusted.all();
  EXPECT_EQ(untrusted.exit_code, 14) << untrusted.all();
  EXPECT_NE(untrusted.err.find("--ca-bundle"), std::string::npos) << untrusted.err;
}

TEST_F(OrderE2e, PrecheckRefusesNamesThatWouldFail) {
  start_sandbox();
  create_auth_key();
  const std::string cn = fresh_name("p");
  const std::string csr = new_csr(cn, {"www." + cn});
  const std::string token = new_token(csr);
  publish_dns(cn, token);  // www.<cn> is left out
  const std::vector<std::string> network = {"--resolver", dns->resolver().server(), "--ns-port", std::to_string(dns->ns_port()),
                                            "--check-timeout", "1500", "--no-dnssec"};
  std::vector<std::string> args = {"order", "submit", "--product", "ssl_dv_geotrust", "--csr", csr, "--method", "dns",
                                   "--out-dir", dir.file("p"), "--precheck", "--auth-key-file", auth_key_file};
  args.insert(args.end(), network.begin(), network.end());
  auto r = run(args);
  EXPECT_EQ(r.exit_code, 10) << r.all();
  EXPECT_NE(r.err.find("FAIL www." + cn), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("FAIL " + cn + " "), std::string::npos) << "the published name passes: " << r.err;
  EXPECT_EQ(count(sandbox->stats(), "orders_total"), 0) << "nothing ordered";

  publish_dns("www." + cn, token);
  auto ok = run(args);
  ASSERT_EQ(ok.exit_code, 0) << ok.all();
  EXPECT_NE(ok.err.find("precheck: all 2 names pass"), std::string::npos) << ok.err;
  expect_openssl_verifies(dir.file("p"));
}

TEST_F(OrderE2e, PrecheckWithADeadlineWaitsForANamePublishedMeanwhile) {
  start_sandbox();
  create_auth_key();
  const std::string cn = fresh_name("pw");
  const std::string csr = new_csr(cn, {"www." + cn});
  const std::string token = new_token(csr);
  publish_dns(cn, token);
  // www.<cn> comes a moment after the precheck began: the re-check loop picks it up.
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    publish_dns("www." + cn, token);
  });
  auto r = run({"order", "submit", "--product", "ssl_dv_geotrust", "--csr", csr, "--method", "dns", "--out-dir", dir.file("pw"),
                "--precheck", "--check-deadline", "60s", "--auth-key-file", auth_key_file, "--resolver",
                dns->resolver().server(), "--ns-port", std::to_string(dns->ns_port()), "--no-dnssec"});
  later.join();
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.err.find("precheck: 1 names still failing ("), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("precheck: all 2 names pass"), std::string::npos) << r.err;
  EXPECT_EQ(count(sandbox->stats(), "orders_total"), 1);

  auto bad = run({"order", "submit", "--product", "ssl_dv_geotrust", "--csr", csr, "--method", "dns", "--out-dir",
                  dir.file("pw2"), "--precheck", "--check-deadline", "soon", "--auth-key-file", auth_key_file});
  EXPECT_EQ(bad.exit_code, 2) << bad.all();
  EXPECT_NE(bad.err.find("--check-deadline"), std::string::npos) << bad.err;
}

TEST_F(OrderE2e, DryRunSendsNothing) {
  start_sandbox();
  auto p = prepare("dns", false);
  auto r = run({"order", "submit", "--product", "ssl_dv_geotrust", "--csr", p.csr, "--method", "dns", "--dry-run", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  const auto j = parse_json(r.out);
  EXPECT_EQ(j["headers"]["X-DC-DEVKEY"], "[redacted]");
  EXPECT_EQ(j["url"], sandbox->url() + "/order/certificate/ssl_dv_geotrust");
  EXPECT_EQ(j["body"]["certificate"]["csr"], read_text(p.csr)) << "the CSR's exact bytes";
  EXPECT_EQ(j["body"]["use_auth_key"], true);
  const auto stats = sandbox->stats();
  EXPECT_EQ(count(stats, "orders_total"), 0);
}

// Issue 19: what a CA legitimately adds or reorders is accepted; what it should not have sent is
// refused, but never lost.

std::size_t certificates_in(const std::string& pem) {
  std::size_t n = 0;
  for (auto at = pem.find("-----BEGIN CERTIFICATE-----"); at != std::string::npos; at = pem.find("-----BEGIN", at + 1)) ++n;
  return n;
}

TEST_F(OrderE2e, TheCasAutomaticWwwNameIsAcceptedAndReported) {
  start_sandbox({}, {"--auto-www"});
  create_auth_key();
  const std::string cn = "shop.example.test";
  const std::string csr = new_csr(cn);
  publish_dns(cn, new_token(csr));
  const std::string out = dir.file("shop");
  auto r = run({"order", "submit", "--product", "ssl_dv_geotrust", "--csr", csr, "--method", "dns", "--out-dir", out, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  const auto j = parse_json(r.out);
  EXPECT_EQ(j["added_names"], json::array({"www.shop.example.test"})) << j.dump();
  EXPECT_EQ(j["names"].get<std::set<std::string>>(), (std::set<std::string>{cn, "www." + cn}));
  expect_openssl_verifies(out);
  // Fetched again, the person reading the output is told too.
  auto again = run({"order", "download", std::to_string(j["order_id"].get<long>()), "--out-dir", dir.file("shop-again")});
  ASSERT_EQ(again.exit_code, 0) << again.all();
  EXPECT_NE(again.out.find("added by the CA: www.shop.example.test"), std::string::npos) << again.out;
  EXPECT_EQ(count(sandbox->stats(), "orders_total"), 1);
}

TEST_F(OrderE2e, AShuffledBundleIsWrittenLeafFirst) {
  start_sandbox({}, {"--shuffle-chain"});
  auto p = prepare("dns", false);
  auto placed = submit(p, "placed");
  ASSERT_EQ(placed.exit_code, 15) << placed.all();
  const auto id = std::to_string(parse_json(placed.out)["order_id"].get<long>());
  for (const auto& n : p.names) publish_dns(n, p.token);
  const std::string out = dir.file("sorted");
  auto r = run({"order", "download", id, "--out-dir", out, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  const auto j = parse_json(r.out);
  EXPECT_EQ(j["chain_reordered"], true) << j.dump();
  EXPECT_EQ(j["added_names"], json::array());
  // What the CA sent is intermediate, root, leaf; what was written is leaf, intermediate, root.
  const auto bundle = sandbox->call("GET", "/certificate/" + std::to_string(j["certificate_id"].get<long>()) + "/download/format/pem_all");
  ASSERT_EQ(bundle.status, 200);
  const std::string leaf = read_text(out + "/cert.pem"), intermediate = read_text(out + "/chain.pem");
  EXPECT_EQ(bundle.body, intermediate + read_text(out + "/root.pem") + leaf);
  EXPECT_EQ(read_text(out + "/fullchain.pem"), leaf + intermediate);
  expect_openssl_verifies(out);
}

TEST_F(OrderE2e, AnUnexpectedNameIsRefusedButTheCertificateIsKept) {
  start_sandbox(R"([{"method": "POST", "path": "/order/certificate/", "action": "extra_name", "name": "evil.example.test"}])");
  auto p = prepare("dns");
  auto r = submit(p, "refused");
  ASSERT_EQ(r.exit_code, 16) << r.all();
  const auto j = parse_json(r.out);
  const std::string id = std::to_string(j["order_id"].get<long>());
  const std::string kept = dir.file("refused") + "/received-unverified.pem";
  EXPECT_EQ(j["error"]["code"], "cert.names_mismatch") << j.dump();
  const std::string message = j["error"]["message"];
  EXPECT_NE(message.find("evil.example.test"), std::string::npos) << message;
  EXPECT_NE(message.find(kept), std::string::npos) << message;
  EXPECT_NE(j["error"]["hint"].get<std::string>().find("dcvkit order download " + id), std::string::npos) << j.dump();
  EXPECT_EQ(j["received_unverified"], kept);
  EXPECT_EQ(j["issued"], true);
  EXPECT_EQ(entries_of(dir.file("refused")), std::vector<std::string>{"received-unverified.pem"}) << "no cert.pem, nothing else";
  struct stat st {};
  ASSERT_EQ(::stat(kept.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  EXPECT_EQ(certificates_in(read_text(kept)), 3u) << "leaf, intermediate and root as received";

  // order download refuses it the same way, in text, and keeps it too.
  auto again = run({"order", "download", id, "--out-dir", dir.file("again")});
  EXPECT_EQ(again.exit_code, 16) << again.all();
  EXPECT_NE(again.err.find("evil.example.test"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("received-unverified.pem"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("dcvkit order download " + id), std::string::npos) << again.err;
  EXPECT_EQ(entries_of(dir.file("again")), std::vector<std::string>{"received-unverified.pem"});
  EXPECT_EQ(read_text(dir.file("again/received-unverified.pem")), read_text(kept));
  EXPECT_EQ(count(sandbox->stats(), "orders_total"), 1) << "nothing was ordered twice";
}

// --- After the order: the deploy hook (issue 17 §1) ----------------------------------------------

TEST_F(OrderE2e, TheDeployHookRunsOnceTheFilesAreInPlace) {
  start_sandbox();
  auto p = prepare("dns");
  // The hook proves the files are there when it runs: it verifies the chain it is pointed at.
  const std::string log = dir.file("deploy.log");
  const std::string hook = "openssl verify -CAfile \"$DCVKIT_CERT_DIR/root.pem\" -untrusted \"$DCVKIT_CHAIN_PATH\" "
                           "\"$DCVKIT_CERT_PATH\" >/dev/null && printf '%s|%s|%s' \"$DCVKIT_CERT_ID\" \"$RENEWED_DOMAINS\" "
                           "\"$DCVKIT_FULLCHAIN_PATH\" > " + log;
  auto r = submit(p, "deployed", {"--deploy-hook", hook});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  const auto j = parse_json(r.out);
  EXPECT_EQ(j["deploy"]["hook"], "ok") << j.dump();
  EXPECT_EQ(read_text(log), std::to_string(j["order_id"].get<long>()) + "|" + p.names[0] + " " + p.names[1] + "|" +
                                dir.file("deployed") + "/fullchain.pem");
}

TEST_F(OrderE2e, AFailedDeployHookLeavesTheCertificateAndEndsWithItsOwnCode) {
  start_sandbox();
  auto p = prepare("dns");
  auto r = submit(p, "kept", {"--deploy-hook", "echo reload refused >&2; exit 1"});
  EXPECT_EQ(r.exit_code, 19) << r.all();
  const auto j = parse_json(r.out);
  EXPECT_EQ(j["status"], "issued");
  EXPECT_EQ(j["deploy"]["hook"], "failed");
  EXPECT_EQ(j["deploy"]["error"]["code"], "deploy.hook_failed");
  EXPECT_NE(j["deploy"]["error"]["message"].get<std::string>().find("reload refused"), std::string::npos) << j.dump();
  EXPECT_TRUE(std::filesystem::exists(dir.file("kept/fullchain.pem")));
  EXPECT_EQ(count(sandbox->stats(), "orders_total"), 1);
  // order download runs it again for the same certificate, without ordering.
  const std::string id = std::to_string(j["order_id"].get<long>());
  auto again = run({"order", "download", id, "--out-dir", dir.file("kept"), "--force", "--deploy-hook", "true"});
  EXPECT_EQ(again.exit_code, 0) << again.all();
  EXPECT_NE(again.out.find("Deploy hook: ok"), std::string::npos) << again.out;
  EXPECT_EQ(count(sandbox->stats(), "orders_total"), 1);
  // A bad value is refused before anything is ordered.
  auto bad = submit(prepare("dns"), "bad", {"--deploy-hook", "true", "--deploy-delay", "soon"});
  EXPECT_EQ(bad.exit_code, 2) << bad.all();
  EXPECT_EQ(count(sandbox->stats(), "orders_total"), 1);
}

// --- After the order: cancel, revoke, reissue (issue 17 §4) --------------------------------------
class OrderLifecycleE2e : public OrderE2e {
 protected:
  std::string order_id_of(const RunResult& r) { return std::to_string(parse_json(r.out)["order_id"].get<long>()); }
  std::string status_of(const std::string& id) { return parse_json(run({"order", "status", id, "--json"}).out).value("status", ""); }
};

TEST_F(OrderLifecycleE2e, CancelAPendingOrderButNotAnIssuedOne) {
  start_sandbox();
  auto pending = prepare("dns", false);
  auto r = submit(pending, "p");
  ASSERT_EQ(r.exit_code, 15) << r.all();
  const std::string id = order_id_of(r);
  auto canceled = run({"order", "cancel", id, "--note", "ordered the wrong names", "--json"});
  ASSERT_EQ(canceled.exit_code, 0) << canceled.all();
  EXPECT_EQ(parse_json(canceled.out)["status"], "canceled");
  EXPECT_EQ(orders_in(sandbox->stats(), "canceled"), 1);
  EXPECT_EQ(orders_in(sandbox->stats(), "pending"), 0);

  auto issued = prepare("dns");
  auto done = submit(issued, "i");
  ASSERT_EQ(done.exit_code, 0) << done.all();
  auto refused = run({"order", "cancel", order_id_of(done), "--json"});
  EXPECT_EQ(refused.exit_code, 11) << refused.all();
  EXPECT_EQ(parse_json(refused.out)["error"]["code"], "api.invalid_status") << refused.out;
  EXPECT_EQ(status_of(order_id_of(done)), "issued");
}

TEST_F(OrderLifecycleE2e, RevokeAWholeOrderOrOneCertificateOnlyWithYes) {
  start_sandbox();
  auto p = prepare("dns");
  auto r = submit(p, "a");
  ASSERT_EQ(r.exit_code, 0) << r.all();
  const std::string id = order_id_of(r);
  auto unconfirmed = run({"order", "revoke", id});
  EXPECT_EQ(unconfirmed.exit_code, 2) << unconfirmed.all();
  EXPECT_NE(unconfirmed.err.find("--yes"), std::string::npos);
  EXPECT_EQ(run({"order", "revoke", id, "--reason", "stolen", "--yes"}).exit_code, 2);
  EXPECT_EQ(count(sandbox->stats(), "revoked_certificates"), 0) << "nothing revoked without --yes";
  auto revoked = run({"order", "revoke", id, "--reason", "superseded", "--note", "moved hosts", "--yes", "--json"});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.all();
  EXPECT_EQ(parse_json(revoked.out)["revoked"], true);
  EXPECT_EQ(status_of(id), "revoked");
  EXPECT_EQ(count(sandbox->stats(), "revoked_certificates"), 1);

  // One certificate, named by its file: the serial goes to PUT /certificate/{serial}/revoke and the order stays.
  auto q = prepare("dns");
  auto second = submit(q, "b");
  ASSERT_EQ(second.exit_code, 0) << second.all();
  auto by_cert = run({"order", "revoke", "--cert", dir.file("b/cert.pem"), "--reason", "key_compromise", "--yes", "--json"});
  ASSERT_EQ(by_cert.exit_code, 0) << by_cert.all();
  EXPECT_EQ(parse_json(by_cert.out)["serial"], parse_json(second.out)["serial"]);
  EXPECT_EQ(status_of(order_id_of(second)), "issued");
  EXPECT_EQ(count(sandbox->stats(), "revoked_certificates"), 2);
}

TEST_F(OrderLifecycleE2e, ReissueWithANewKeyAtOnceOrPendingUntilTheTokensAreThere) {
  start_sandbox();
  auto p = prepare("dns");
  auto r = submit(p, "old");
  ASSERT_EQ(r.exit_code, 0) << r.all();
  const std::string id = order_id_of(r);
  const auto old_certificate = parse_json(r.out)["certificate_id"];

  // A new key and CSR for the same names, its tokens published: reissued at once on the same order.
  const std::string new_csr_file = dir.file("new.csr"), new_key = dir.file("new.key");
  auto made = run({"csr", "new", "--cn", p.names[0], "--san", p.names[1], "--key-out", new_key, "--csr-out", new_csr_file}, false);
  ASSERT_EQ(made.exit_code, 0) << made.all();
  const std::string token = new_token(new_csr_file);
  for (const auto& n : p.names) publish_dns(n, token);
  auto reissued = run({"order", "reissue", id, "--csr", new_csr_file, "--out-dir", dir.file("new"), "--json"});
  ASSERT_EQ(reissued.exit_code, 0) << reissued.all();
  const auto j = parse_json(reissued.out);
  EXPECT_EQ(j["reissued"], true);
  EXPECT_NE(j["certificate_id"], old_certificate);
  expect_openssl_verifies(dir.file("new"));
  EXPECT_EQ(run_dcvkit({"cert", "match", "--cert", dir.file("new/cert.pem"), "--key", new_key}).exit_code, 0);
  EXPECT_EQ(run_dcvkit({"cert", "match", "--cert", dir.file("new/cert.pem"), "--key", dir.file(p.names[0] + ".key")}).exit_code, 17);
  EXPECT_EQ(count(sandbox->stats(), "orders_total"), 1) << "a reissue is not a new order";

  // Without its tokens the reissue waits (exit 15), and order download --wait finishes it.
  const std::string third = dir.file("third.csr");
  ASSERT_EQ(run({"csr", "new", "--cn", p.names[0], "--san", p.names[1], "--key-out", dir.file("third.key"), "--csr-out", third}, false)
                .exit_code,
            0);
  auto pending = run({"order", "reissue", id, "--csr", third, "--out-dir", dir.file("third"), "--json"});
  ASSERT_EQ(pending.exit_code, 15) << pending.all();
  EXPECT_EQ(parse_json(pending.out)["status"], "reissue_pending");
  EXPECT_EQ(status_of(id), "reissue_pending");
  const std::string third_token = new_token(third);
  for (const auto& n : p.names) publish_dns(n, third_token);
  auto finished = run({"order", "download", id, "--csr", third, "--wait", "--timeout", "60", "--out-dir", dir.file("third")});
  ASSERT_EQ(finished.exit_code, 0) << finished.all();
  EXPECT_EQ(run_dcvkit({"cert", "match", "--cert", dir.file("third/cert.pem"), "--key", dir.file("third.key")}).exit_code, 0);
  EXPECT_EQ(status_of(id), "issued");
}

class AuthkeyE2e : public OrderE2e {};

TEST_F(AuthkeyE2e, CreateShowDelete) {
  start_sandbox();
  const std::string file = create_auth_key();
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string key = read_text(file);
  EXPECT_EQ(key.size(), 33u) << "32 characters and a newline";

  auto twice = run({"authkey", "create", "--out", dir.file("second")});
  EXPECT_EQ(twice.exit_code, 11) << twice.all();
  EXPECT_NE(twice.err.find("already has an AuthKey"), std::string::npos) << twice.err;
  EXPECT_NE(twice.err.find("dcvkit authkey show --out FILE"), std::string::npos) << twice.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("second")));

  auto shown = run({"authkey", "show", "--json"});
  ASSERT_EQ(shown.exit_code, 0) << shown.all();
  EXPECT_TRUE(parse_json(shown.out)["auth_key_id"].is_number());
  EXPECT_TRUE(parse_json(shown.out)["written_to"].is_null());
  auto to_file = run({"authkey", "show", "--out", dir.file("copy")});
  ASSERT_EQ(to_file.exit_code, 0) << to_file.all();
  EXPECT_EQ(read_text(dir.file("copy")), key);
  auto no_overwrite = run({"authkey", "show", "--out", dir.file("copy")});
  EXPECT_EQ(no_overwrite.exit_code, 4) << no_overwrite.all();
  auto reveal = run({"authkey", "show", "--reveal"});
  EXPECT_EQ(reveal.exit_code, 2) << "not a terminal: " << reveal.all();

  auto unconfirmed = run({"authkey", "delete"});
  EXPECT_EQ(unconfirmed.exit_code, 2) << unconfirmed.all();
  EXPECT_NE(unconfirmed.err.find("--yes"), std::string::npos);
  EXPECT_EQ(count(sandbox->stats(), "auth_keys"), 1);
  auto deleted = run({"authkey", "delete", "--yes"});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.all();
  auto gone = run({"authkey", "show"});
  EXPECT_EQ(gone.exit_code, 11) << gone.all();
  EXPECT_NE(gone.err.find("authkey create"), std::string::npos) << gone.err;
}

TEST_F(AuthkeyE2e, OrderWithoutAuthKeyStaysPendingWithTheHint) {
  start_sandbox();
  auth_key_file = dir.write("local-key", "abcdefghijklmnopqrstuvwxyz012345\n");  // never registered with the sandbox
  const std::string cn = fresh_name("n");
  const std::string csr = new_csr(cn);
  publish_dns(cn, new_token(csr));
  auto r = run({"order", "submit", "--product", "ssl_dv_geotrust", "--csr", csr, "--method", "dns", "--out-dir", dir.file("n")});
  EXPECT_EQ(r.exit_code, 15) << r.all();
  EXPECT_NE(r.all().find("authkey create"), std::string::npos) << r.all();
}

}  // namespace
