// The peer check of acme-http-01: on one http-01 setup (a real nginx webroot), dcvkit's verdict
// before the challenge is answered and Pebble's validation authority's after must agree.
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>

#include "dcvkit/acme.hpp"
#include "dcvkit/check_batch.hpp"
#include "support/dns_server.hpp"
#include "support/nginx_server.hpp"
#include "support/pebble_server.hpp"

namespace {

using namespace dcvkit;
using namespace dcvkit::test;

class CheckAcmePebble : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    DnsServerConfig c;
    c.records = {"* IN A 127.0.0.1"};  // every name under example.test is this machine (nginx)
    dns = new DnsServer(c);
    nginx = new NginxServer();
    PebbleOptions p;
    p.http_port = nginx->http_port();
    p.dns_server = dns->server();
    p.nonce_reject_percent = 0;
    pebble = new PebbleServer(p);
    auto key = acme::AccountKey::generate(acme::KeyAlgorithm::ES256);
    if (!key) throw std::runtime_error(key.error().message);
    acme::ClientOptions o;
    o.directory_url = pebble->directory_url();
    o.ca_bundle = pebble->ca_bundle();
    auto connected = acme::Client::connect(o, std::move(*key));
    if (!connected) throw std::runtime_error(connected.error().message);
    client = connected->release();
    acme::NewAccount account;
    account.terms_agreed = true;
    auto eab = acme::load_eab_credentials("kid-1", pebble->eab_key_file("kid-1"), nullptr);
    if (!eab) throw std::runtime_error(eab.error().message);
    account.eab = std::move(*eab);
    if (auto a = client->register_account(account); !a) throw std::runtime_error(a.error().message);
  }
  static void TearDownTestSuite() {
    delete client;
    delete pebble;
    delete nginx;
    delete dns;
  }

  struct Verdicts {
    CheckResult ours;
    std::string pebble_status;  // "valid" / "invalid"
    std::string pebble_detail;
  };

  // Orders `name`, serves `body(key authorization)` at its http-01 URL, checks it with dcvkit, then
  // answers the challenge and waits for Pebble's verdict.
  static Verdicts both(const std::string& name, const std::function<std::string(const std::string&)>& body) {
    Verdicts v;
    auto order = client->new_order({name});
    if (!order) throw std::runtime_error(order.error().message);
    auto authz = client->fetch_authorization(order->authorizations.at(0));
    if (!authz) throw std::runtime_error(authz.error().message);
    const acme::Challenge* challenge = authz->challenge("http-01");
    if (challenge == nullptr) throw std::runtime_error("no http-01 challenge");
    const std::string key_authorization = acme::key_authorization(challenge->token, client->key());
    const std::string served = body(key_authorization);
    if (!served.empty()) nginx->put_file(name, ".well-known/acme-challenge/" + challenge->token, served);

    CheckBatchOptions options;
    options.http.connect_address = "127.0.0.1";
    options.http.http_port = nginx->http_port();
    options.http.https_port = nginx->https_port();
    bool asked = false;
    EXPECT_TRUE(run_check_batch(
                    options,
                    [&]() -> std::optional<CheckRequest> {
                      if (asked) return std::nullopt;
                      asked = true;
                      return acme_check_request(name, AcmeChallengeKind::Http01, key_authorization);
                    },
                    [&](CheckResult r) { v.ours = std::move(r); })
                    .ok());

    if (auto st = client->respond(*challenge); !st) throw std::runtime_error(st.error().message);
    auto settled = client->wait_authorization(authz->url, std::chrono::seconds(30));
    if (settled) {
      v.pebble_status = settled->status;
      if (const auto* c = settled->challenge("http-01"); c && c->error) v.pebble_detail = c->error->detail;
    } else {
      v.pebble_status = "invalid";  // a challenge failure comes back as an error
      v.pebble_detail = settled.error().message;
    }
    return v;
  }

  static inline DnsServer* dns = nullptr;
  static inline NginxServer* nginx = nullptr;
  static inline PebbleServer* pebble = nullptr;
  static inline acme::Client* client = nullptr;
};

TEST_F(CheckAcmePebble, OursAndPebblesVerdictsAgree) {
  struct Case {
    std::string name;
    std::function<std::string(const std::string&)> body;
    std::string our_code;
  };
  const std::vector<Case> cases = {
      {"peer-ok.example.test", [](const std::string& ka) { return ka + "\n"; }, "ok"},
      {"peer-crlf.example.test", [](const std::string& ka) { return ka + "\r\n"; }, "ok"},
      {"peer-other-key.example.test",
       [](const std::string& ka) { return ka.substr(0, ka.find('.')) + ".nP1qzpXGymHBrUEepNY9HCsQk7K8KhOypzEt62jcerQ\n"; },
       "acme.http01_mismatch"},
      {"peer-leading-space.example.test", [](const std::string& ka) { return " " + ka; }, "acme.http01_mismatch"},
      {"peer-missing.example.test", [](const std::string&) { return std::string(); }, "http.not_found"},
  };
  for (const auto& c : cases) {
    const auto v = both(c.name, c.body);
    EXPECT_EQ(v.ours.code, c.our_code) << c.name << ": " << v.ours.message;
    EXPECT_EQ(v.pebble_status, c.our_code == "ok" ? "valid" : "invalid") << c.name << ": " << v.pebble_detail;
  }
}

}  // namespace
