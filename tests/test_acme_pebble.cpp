// dcvkit acme against Debian's real Pebble (EAB required, PEBBLE_VA_NOSLEEP=1): its DNS lookups go
// to a real BIND (which also takes our RFC 2136 updates), its http-01 fetches to a real nginx
// serving the webroots we publish into. Everything on loopback.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/acme_world.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace dcvkit::test;
using json = nlohmann::json;
namespace fs = std::filesystem;


class AcmePebble : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    PebbleOptions two_chains;
    two_chains.alternate_roots = 1;
    world = new AcmeWorld(two_chains);
    dns = &world->dns();
    nginx = &world->nginx();
    pebble = &world->pebble();
    shared = new TempDir();
    account_key = shared->file("account.pem");
    auto r = run_dcvkit(with_ca({"acme", "register", "--account-key", account_key, "--agree-tos", "--eab-kid", "kid-1",
                                 "--eab-hmac-key-file", pebble->eab_key_file("kid-1"), "--json"}));
    if (r.exit_code != 0) throw std::runtime_error("register failed: " + r.all());
  }
  static void TearDownTestSuite() {
    delete shared;
    delete world;
  }

  static std::vector<std::string> with_ca(std::vector<std::string> args) {
    const auto ca = world->ca_args();
    args.insert(args.begin() + 2, ca.begin(), ca.end());
    return args;
  }
  static std::string webroot(const std::string& host) { return world->webroot(host); }
  static RunResult order(std::vector<std::string> args) {
    std::vector<std::string> all = {"acme", "order", "--account-key", account_key};
    all.insert(all.end(), args.begin(), args.end());
    return run_dcvkit(with_ca(all));
  }

  static inline AcmeWorld* world = nullptr;
  static inline DnsServer* dns = nullptr;
  static inline NginxServer* nginx = nullptr;
  static inline PebbleServer* pebble = nullptr;
  static inline TempDir* shared = nullptr;
  static inline std::string account_key;
  TempDir dir;
};

TEST_F(AcmePebble, RegisterWithoutEabIsRefusedWithAClearMessage) {
  const std::string key = dir.file("new-account.pem");
  auto r = run_dcvkit(with_ca({"acme", "register", "--account-key", key, "--agree-tos", "--json"}));
  EXPECT_EQ(r.exit_code, 12) << r.all();
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["error"]["code"], "acme.externalAccountRequired");
  EXPECT_NE(j["error"]["hint"].get<std::string>().find("--eab-kid"), std::string::npos);
  EXPECT_EQ(file_mode(key), 0600u) << "the account key is generated 0600 even when the CA refuses";
}

TEST_F(AcmePebble, RegisterWithEabBindsTheAccountAndNeverShowsTheKeys) {
  const std::string key = dir.file("eab-account.pem");
  const std::string hmac_file = pebble->eab_key_file("kid-2");
  auto r = run_dcvkit(with_ca({"acme", "register", "--account-key", key, "--agree-tos", "--email", "ops@example.test",
                               "--eab-kid", "kid-2", "--eab-hmac-key-file", hmac_file, "--json", "-v"}));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  const auto j = json::parse(r.out);
  EXPECT_TRUE(j["created"].get<bool>());
  EXPECT_TRUE(j["key_created"].get<bool>());
  EXPECT_TRUE(j["eab"].get<bool>());
  EXPECT_EQ(j["status"], "valid");
  EXPECT_EQ(j["contacts"], json::array({"mailto:ops@example.test"}));
  EXPECT_EQ(file_mode(key), 0600u);
  EXPECT_NE(r.err.find("externalAccountBinding"), std::string::npos) << "-v shows the request";
  EXPECT_EQ(r.all().find(PebbleOptions().eab_keys.at("kid-2")), std::string::npos) << "the HMAC key never appears";
  EXPECT_EQ(r.all().find("PRIVATE KEY"), std::string::npos) << "the account key never appears";

  auto again = run_dcvkit(with_ca({"acme", "register", "--account-key", key, "--agree-tos", "--eab-kid", "kid-2",
                                   "--eab-hmac-key-file", hmac_file, "--json"}));
  ASSERT_EQ(again.exit_code, 0) << again.all();
  EXPECT_FALSE(json::parse(again.out)["created"].get<bool>()) << "the existing account is returned";
  EXPECT_EQ(json::parse(again.out)["account_url"], j["account_url"]);

  auto shown = run_dcvkit(with_ca({"acme", "show", "--account-key", key, "--json"}));
  ASSERT_EQ(shown.exit_code, 0) << shown.all();
  EXPECT_EQ(json::parse(shown.out)["account_url"], j["account_url"]);
}

TEST_F(AcmePebble, WrongHmacKeyIsRefusedByTheCa) {
  const std::string wrong = dir.write("wrong.key", PebbleOptions().eab_keys.at("kid-2") + "\n");  // kid-1's id, kid-2's key
  auto r = run_dcvkit(with_ca({"acme", "register", "--account-key", dir.file("a.pem"), "--agree-tos", "--eab-kid", "kid-1",
                               "--eab-hmac-key-file", wrong, "--json"}));
  EXPECT_NE(r.exit_code, 0) << r.all();
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["error"]["code"].get<std::string>().rfind("acme.", 0), 0u) << r.out;
  EXPECT_NE(j["error"]["message"].get<std::string>().find("creating the account"), std::string::npos) << r.out;
  EXPECT_NE(j["error"]["hint"].get<std::string>().find("EAB"), std::string::npos) << r.out;

  auto on_argv = run_dcvkit(with_ca({"acme", "register", "--account-key", dir.file("b.pem"), "--agree-tos", "--eab-kid", "kid-1",
                                     "--eab-hmac-key", "c2VjcmV0"}));
  EXPECT_EQ(on_argv.exit_code, 2) << "a secret on the command line is refused";
  EXPECT_EQ(on_argv.all().find("c2VjcmV0"), std::string::npos);
}

TEST_F(AcmePebble, IssuesThroughHttp01InARealWebroot) {
  const std::string host = "web1.example.test";
  const std::string root = webroot(host);
  const std::string out = dir.file("out");
  auto r = order({"--name", host, "--challenge", "http-01", "--webroot", root, "--out-dir", out, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.all() << pebble->log();
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["names"], json::array({host}));
  EXPECT_EQ(j["challenges_published"], 1);
  for (const char* f : {"cert.pem", "chain.pem", "fullchain.pem", "privkey.pem"})
    EXPECT_TRUE(fs::exists(out + "/" + f)) << f;
  EXPECT_EQ(file_mode(out + "/privkey.pem"), 0600u);
  EXPECT_NE(nginx->access_log().find("/.well-known/acme-challenge/"), std::string::npos) << "Pebble fetched from nginx";
  EXPECT_TRUE(fs::is_empty(root + "/.well-known/acme-challenge")) << "the challenge file is removed afterwards";
  auto check = run_program({"/usr/bin/openssl", "x509", "-in", out + "/cert.pem", "-noout", "-ext", "subjectAltName"});
  EXPECT_NE(check.out.find("DNS:" + host), std::string::npos) << check.all();
}

// The issuer common name of the last certificate in a PEM file (the top of a chain).
std::string top_issuer_cn(const std::string& pem_path) {
  const std::string text = read_text(pem_path);
  const auto last = text.rfind("-----BEGIN CERTIFICATE-----");
  return last == std::string::npos ? "" : certificate_cn(text.substr(last), "issuer");
}

// Pebble with an alternate root offers every certificate under two chains (Link: rel="alternate").
// --preferred-chain picks the chain whose top certificate's issuer has that common name, as
// certbot's and lego's do; a name no chain has keeps the default chain. The written chain is
// verified either way (the bundle holds both roots).
TEST_F(AcmePebble, PreferredChainPicksAmongTheAlternateChains) {
  const auto& roots = pebble->root_names();
  ASSERT_EQ(roots.size(), 2u);
  ASSERT_NE(roots[0], roots[1]);
  const std::string host = "chains.example.test";
  int n = 0;
  for (const auto& [preferred, expected] : std::vector<std::pair<std::string, std::string>>{
           {"", roots[0]}, {roots[1], roots[1]}, {roots[0], roots[0]}, {"No Such Root CA", roots[0]}}) {
    const std::string out = dir.file("out" + std::to_string(n++));
    std::vector<std::string> args = {"--name", host, "--challenge", "http-01", "--webroot", webroot(host), "--out-dir", out};
    if (!preferred.empty()) args.insert(args.end(), {"--preferred-chain", preferred});
    auto r = order(args);
    ASSERT_EQ(r.exit_code, 0) << "preferred '" << preferred << "': " << r.all() << pebble->log();
    EXPECT_EQ(top_issuer_cn(out + "/fullchain.pem"), expected) << "preferred '" << preferred << "'";
  }
}

TEST_F(AcmePebble, IssuesThroughDns01WithRfc2136OnBindForAGivenCsrWithAWildcard) {
  const std::string csr = dir.file("w.csr");
  auto made = run_dcvkit({"csr", "new", "--cn", "dns1.example.test", "--san", "*.dns1.example.test", "--key-out",
                          dir.file("w.key"), "--csr-out", csr});
  ASSERT_EQ(made.exit_code, 0) << made.all();
  const std::string out = dir.file("out");
  auto r = order({"--csr", csr, "--challenge", "dns-01", "--server", dns->server(), "--tsig-key-file", dns->key_file(),
                  "--out-dir", out, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.all() << pebble->log();
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["challenges_published"], 2) << "one TXT record per authorization (name and wildcard)";
  EXPECT_TRUE(j["privkey"].is_null()) << "the key came with the CSR";
  EXPECT_FALSE(fs::exists(out + "/privkey.pem"));
  EXPECT_TRUE(dns->txt("_acme-challenge.dns1.example.test").empty()) << "the TXT records are removed afterwards";
  auto check = run_program({"/usr/bin/openssl", "x509", "-in", out + "/cert.pem", "-noout", "-ext", "subjectAltName"});
  EXPECT_NE(check.out.find("DNS:*.dns1.example.test"), std::string::npos) << check.all();
}

TEST_F(AcmePebble, AFailingChallengeReportsPebblesProblemAndWritesNothing) {
  const std::string wrong_root = dir.file("not-served");
  fs::create_directories(wrong_root);
  const std::string out = dir.file("out");
  auto r = order({"--name", "fail1.example.test", "--challenge", "http-01", "--webroot", wrong_root, "--out-dir", out, "--json"});
  EXPECT_EQ(r.exit_code, 10) << r.all();
  const auto j = json::parse(r.out);
  const std::string message = j["error"]["message"];
  EXPECT_NE(message.find("validating fail1.example.test (http-01)"), std::string::npos) << message;
  EXPECT_NE(message.find("404"), std::string::npos) << "Pebble's detail: " << message;
  EXPECT_FALSE(fs::exists(out + "/cert.pem"));
  EXPECT_TRUE(fs::is_empty(wrong_root + "/.well-known/acme-challenge")) << "removed after the failure too";
}

TEST_F(AcmePebble, RevokesItsCertificate) {
  const std::string host = "revoke1.example.test";
  const std::string out = dir.file("out");
  auto r = order({"--name", host, "--challenge", "http-01", "--webroot", webroot(host), "--out-dir", out});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  auto revoked = run_dcvkit(with_ca({"acme", "revoke", "--account-key", account_key, "--cert", out + "/cert.pem", "--reason",
                                     "superseded", "--json"}));
  ASSERT_EQ(revoked.exit_code, 0) << revoked.all();
  EXPECT_EQ(json::parse(revoked.out)["reason"], 4);
  auto twice = run_dcvkit(with_ca({"acme", "revoke", "--account-key", account_key, "--cert", out + "/cert.pem", "--json"}));
  EXPECT_NE(twice.exit_code, 0);
  EXPECT_EQ(json::parse(twice.out)["error"]["code"], "acme.alreadyRevoked") << twice.out;
}

TEST_F(AcmePebble, DeactivatedAccountIsRefusedAfterwards) {
  const std::string key = dir.file("short-lived.pem");
  auto reg = run_dcvkit(with_ca({"acme", "register", "--account-key", key, "--agree-tos", "--eab-kid", "kid-1",
                                 "--eab-hmac-key-file", pebble->eab_key_file("kid-1")}));
  ASSERT_EQ(reg.exit_code, 0) << reg.all();
  auto off = run_dcvkit(with_ca({"acme", "deactivate", "--account-key", key, "--json"}));
  ASSERT_EQ(off.exit_code, 0) << off.all();
  EXPECT_EQ(json::parse(off.out)["status"], "deactivated");
  auto show = run_dcvkit(with_ca({"acme", "show", "--account-key", key, "--json"}));
  EXPECT_EQ(show.exit_code, 12) << show.all();
  EXPECT_EQ(json::parse(show.out)["error"]["code"], "acme.unauthorized") << show.out;
}

TEST_F(AcmePebble, UnknownAccountKeyIsToldToRegister) {
  auto r = run_dcvkit(with_ca({"acme", "show", "--account-key", pebble->dir() + "/tls.key", "--json"}));
  EXPECT_EQ(r.exit_code, 12) << r.all();
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["error"]["code"], "acme.accountDoesNotExist");
  EXPECT_NE(j["error"]["hint"].get<std::string>().find("dcvkit acme register"), std::string::npos);
}

// Pebble rejecting 30% of all good nonces: every request still gets through (retried with the
// nonce the refusal brought, up to 5 times: 0.3^6 per request), and -v shows the refusals (the ~20
// requests of a register and an order all passing first time: 0.7^20, under 0.1%). At 50% a
// request failed six times in a row about once in 64, which made this test fail now and then.
// Rejecting all of them ends in a clear error.
TEST(AcmePebbleNonces, BadNonceStormsAreRetried) {
  PebbleOptions stormy;
  stormy.nonce_reject_percent = 30;
  AcmeWorld world(stormy);
  TempDir dir;
  const std::vector<std::string> ca = world.ca_args();
  auto with = [&](std::vector<std::string> args) {
    args.insert(args.begin() + 2, ca.begin(), ca.end());
    return args;
  };
  auto reg = run_dcvkit(with({"acme", "register", "--account-key", dir.file("k.pem"), "--agree-tos", "--eab-kid", "kid-1",
                              "--eab-hmac-key-file", world.pebble().eab_key_file("kid-1"), "-v"}));
  ASSERT_EQ(reg.exit_code, 0) << reg.all();
  const std::string root = world.webroot("storm.example.test");
  auto r = run_dcvkit(with({"acme", "order", "--account-key", dir.file("k.pem"), "--name", "storm.example.test", "--challenge",
                            "http-01", "--webroot", root, "--out-dir", dir.file("out"), "-v"}));
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE((reg.err + r.err).find("badNonce"), std::string::npos) << "half the nonces were refused, and retried";
}

TEST(AcmePebbleNonces, AllNoncesRefusedEndsInAClearError) {
  PebbleOptions p;
  p.nonce_reject_percent = 100;
  PebbleServer pebble(p);
  TempDir dir;
  auto r = run_dcvkit({"acme", "register", "--directory", pebble.directory_url(), "--ca-bundle", pebble.ca_bundle(),
                       "--account-key", dir.file("k.pem"), "--agree-tos", "--eab-kid", "kid-1", "--eab-hmac-key-file",
                       pebble.eab_key_file("kid-1"), "--json"});
  EXPECT_EQ(r.exit_code, 14) << r.all();
  EXPECT_EQ(json::parse(r.out)["error"]["code"], "acme.badNonce");
}

}  // namespace
