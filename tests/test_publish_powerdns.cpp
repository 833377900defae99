// The PowerDNS provider against a real pdns_server (gsqlite3, HTTP API on loopback), every result
// read back over DNS with dig: add-not-clobber, exactly-ours removal, concurrent writers, one PATCH
// per zone batch, the zone by longest suffix, and the API's errors as codes with hints.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "dcvkit/manifest.hpp"
#include "dcvkit/publish_powerdns.hpp"
#include "dcvkit/publish_spec.hpp"
#include "dcvkit/time.hpp"
#include "dcvkit/token.hpp"
#include "support/pdns_server.hpp"
#include "support/plan_fixtures.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

namespace dcvkit::test {
namespace {


class PublishPowerDns : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    PdnsServerConfig c;
    c.zones = {"example.test", "sub.example.test"};
    c.records = {{"example.test", "_dnsauth.shop", "TXT", "\"other-certificate-token\""},
                 {"example.test", "_dnsauth.alias", "CNAME", "elsewhere.example.test."}};
    server = new PdnsServer(c);
  }
  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
  }

  static std::unique_ptr<Publisher> publisher(const std::string& key_file, std::string zone = {}) {
    PublisherSpec spec;
    spec.kind = "powerdns";
    spec.server = server->api_url();
    spec.settings["api_key_file"] = key_file;
    spec.zone = std::move(zone);
    auto p = make_publisher(spec, DcvMethod::Dns);
    EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().message);
    return p.ok() ? std::move(*p) : nullptr;
  }

  static std::size_t patches() {
    const std::string log = read_text(server->dir() + "/server.log");
    std::size_t n = 0;
    for (auto at = log.find("\"PATCH "); at != std::string::npos; at = log.find("\"PATCH ", at + 1)) ++n;
    return n;
  }

  static inline PdnsServer* server = nullptr;
};

TEST_F(PublishPowerDns, TwoCertificatesTokensAtOneOwnerAndUnpublishRemovesExactlyOurs) {
  auto first = publisher(server->key_file());
  auto second = publisher(server->key_file());
  const auto a = token_for("certificate a"), b = token_for("certificate b");
  const auto entry = dns_entry("shop.example.test");
  ASSERT_TRUE(first->publish(entry, a).ok());
  ASSERT_TRUE(second->publish(entry, b).ok());
  std::vector<std::string> all{a, b, "other-certificate-token"};
  std::sort(all.begin(), all.end());
  EXPECT_EQ(server->txt("_dnsauth.shop.example.test"), all);
  ASSERT_TRUE(first->publish(entry, a).ok()) << "publishing twice is not an error";
  EXPECT_EQ(server->txt("_dnsauth.shop.example.test").size(), 3u) << "and adds nothing";

  ASSERT_TRUE(first->unpublish(entry, a).ok());
  std::vector<std::string> rest{b, "other-certificate-token"};
  std::sort(rest.begin(), rest.end());
  EXPECT_EQ(server->txt("_dnsauth.shop.example.test"), rest);
  ASSERT_TRUE(second->unpublish(entry, b).ok());
  EXPECT_EQ(server->txt("_dnsauth.shop.example.test"), std::vector<std::string>{"other-certificate-token"});
  EXPECT_TRUE(second->unpublish(entry, b).ok()) << "unpublishing what is gone is not an error";

  const auto fresh = dns_entry("new.example.test");
  ASSERT_TRUE(first->publish(fresh, a).ok());
  EXPECT_EQ(server->txt("_dnsauth.new.example.test"), std::vector<std::string>{a});
  ASSERT_TRUE(first->unpublish(fresh, a).ok());
  EXPECT_TRUE(server->txt("_dnsauth.new.example.test").empty()) << "the last token gone, the RRset goes";
}

TEST_F(PublishPowerDns, ManyNamesOfOneZoneGoInOnePatch) {
  auto p = publisher(server->key_file());
  const auto t = token_for("batch");
  std::vector<PublishItem> items;
  for (int i = 0; i < 50; ++i) items.push_back({dns_entry("b" + std::to_string(i) + ".example.test"), t});
  const std::size_t before = patches();
  EXPECT_EQ(run_publish_batch(*p, PublishAction::Publish, items, 1, nullptr), 0u);
  EXPECT_EQ(patches() - before, 1u) << "50 names of one zone, one PATCH";
  EXPECT_EQ(server->txt("_dnsauth.b0.example.test"), std::vector<std::string>{t});
  EXPECT_EQ(server->txt("_dnsauth.b49.example.test"), std::vector<std::string>{t});
  EXPECT_EQ(run_publish_batch(*p, PublishAction::Unpublish, items, 1, nullptr), 0u);
  EXPECT_TRUE(server->txt("_dnsauth.b7.example.test").empty());
}

// Two publishers (as two dcvkit processes: no lock in common) at the same 200 owners at once, one
// taking token A away while the other adds token B: the API has no conditional update, and the
// re-read after each PATCH must still leave exactly B everywhere.
TEST_F(PublishPowerDns, ConcurrentPublishAndUnpublishOf200Names) {
  const auto a = token_for("old"), b = token_for("new");
  std::vector<PublishItem> old_items, new_items;
  for (int i = 0; i < 200; ++i) {
    const auto e = dns_entry("c" + std::to_string(i) + ".example.test");
    old_items.push_back({e, a});
    new_items.push_back({e, b});
  }
  auto setup = publisher(server->key_file());
  ASSERT_EQ(run_publish_batch(*setup, PublishAction::Publish, old_items, 8, nullptr), 0u);
  auto remover = publisher(server->key_file());
  auto adder = publisher(server->key_file());
  std::size_t removed_failures = 0, added_failures = 0;
  std::mutex first_error_mutex;
  std::string first_error;
  auto note = [&](const PublishOutcome& o) {
    std::lock_guard lock(first_error_mutex);
    if (!o.status && first_error.empty()) first_error = o.status.error().code + ": " + o.status.error().message;
  };
  std::thread t1([&] { removed_failures = run_publish_batch(*remover, PublishAction::Unpublish, old_items, 8, note); });
  std::thread t2([&] { added_failures = run_publish_batch(*adder, PublishAction::Publish, new_items, 8, note); });
  t1.join();
  t2.join();
  EXPECT_EQ(first_error, "");
  EXPECT_EQ(removed_failures, 0u);
  EXPECT_EQ(added_failures, 0u);
  for (int i = 0; i < 200; i += 1)
    ASSERT_EQ(server->txt("_dnsauth.c" + std::to_string(i) + ".example.test"), std::vector<std::string>{b}) << i;
  EXPECT_EQ(run_publish_batch(*remover, PublishAction::Unpublish, new_items, 8, nullptr), 0u);
}

TEST_F(PublishPowerDns, ZoneIsTheLongestSuffixUnlessGiven) {
  auto p = publisher(server->key_file());
  const auto t = token_for("suffix");
  ASSERT_TRUE(p->publish(dns_entry("a.sub.example.test"), t).ok());
  const RunResult sub = run_program({"/usr/bin/pdnsutil", "--config-dir=" + server->dir(), "list-zone", "sub.example.test"});
  EXPECT_NE(sub.out.find("_dnsauth.a.sub.example.test"), std::string::npos) << sub.out;
  const RunResult parent = run_program({"/usr/bin/pdnsutil", "--config-dir=" + server->dir(), "list-zone", "example.test"});
  EXPECT_EQ(parent.out.find("_dnsauth.a.sub.example.test"), std::string::npos) << "not in the parent zone";
  EXPECT_EQ(server->txt("_dnsauth.a.sub.example.test"), std::vector<std::string>{t});
  ASSERT_TRUE(p->unpublish(dns_entry("a.sub.example.test"), t).ok());

  auto given = publisher(server->key_file(), "example.test");
  ASSERT_TRUE(given->publish(dns_entry("given.example.test"), t).ok());
  EXPECT_EQ(server->txt("_dnsauth.given.example.test"), std::vector<std::string>{t});
  ASSERT_TRUE(given->unpublish(dns_entry("given.example.test"), t).ok());
}

TEST_F(PublishPowerDns, ApiErrorsBecomeCodesWithHints) {
  const auto t = token_for("errors");
  auto wrong_key = publisher(server->wrong_key_file());
  const Status unauthorized = wrong_key->publish(dns_entry("shop.example.test"), t);
  ASSERT_FALSE(unauthorized.ok());
  EXPECT_EQ(unauthorized.error().code, "publish.powerdns_auth");
  EXPECT_NE(unauthorized.error().message.find("401"), std::string::npos) << unauthorized.error().message;
  EXPECT_NE(unauthorized.error().hint.find("api-key"), std::string::npos);
  const std::string wrong = read_text(server->wrong_key_file());
  EXPECT_EQ(unauthorized.error().message.find(wrong.substr(0, 16)), std::string::npos) << "the key is never shown";

  auto no_zone = publisher(server->key_file(), "nope.test");
  const Status missing = no_zone->publish(dns_entry("x.nope.test"), t);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "publish.powerdns_no_zone");
  EXPECT_NE(missing.error().message.find("404"), std::string::npos) << missing.error().message;
  EXPECT_NE(missing.error().hint.find("pdnsutil create-zone"), std::string::npos) << missing.error().hint;

  auto p = publisher(server->key_file());
  const Status beside_cname = p->publish(dns_entry("alias.example.test"), t);
  ASSERT_FALSE(beside_cname.ok());
  EXPECT_EQ(beside_cname.error().code, "publish.powerdns_rejected");
  EXPECT_NE(beside_cname.error().message.find("422"), std::string::npos) << beside_cname.error().message;
  const Status outside = p->publish(dns_entry("shop.other.test"), t);
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.error().code, "publish.powerdns_no_zone") << outside.error().message;
}

TEST(PublishPowerDnsOptions, RefusesCleartextKeysOffThisMachineAndEmptyKeys) {
  PowerDnsOptions o;
  o.url = "http://pdns.example.com:8081";
  o.api_key = Secret("k");
  auto clear = make_powerdns_publisher(std::move(o));
  ASSERT_FALSE(clear.ok());
  EXPECT_EQ(clear.error().code, "publish.powerdns_bad_url");
  PowerDnsOptions empty;
  empty.url = "https://pdns.example.com";
  auto no_key = make_powerdns_publisher(std::move(empty));
  ASSERT_FALSE(no_key.ok());
  EXPECT_EQ(no_key.error().code, "publish.powerdns_no_key");
}

TEST_F(PublishPowerDns, CommandLineAndManifest) {
  TempDir dir;
  const auto t = token_for("cli");
  const std::vector<std::string> common{"--name", "cli.example.test", "--method", "dns", "--token", t, "--powerdns",
                                        server->api_url(), "--powerdns-key-file", server->key_file(), "--jsonl"};
  std::vector<std::string> pub{"publish"};
  pub.insert(pub.end(), common.begin(), common.end());
  const RunResult ok = run_dcvkit(pub);
  ASSERT_EQ(ok.exit_code, 0) << ok.all();
  EXPECT_NE(ok.out.find(R"("publisher":"powerdns")"), std::string::npos) << ok.out;
  EXPECT_EQ(server->txt("_dnsauth.cli.example.test"), std::vector<std::string>{t});
  std::vector<std::string> unpub{"unpublish"};
  unpub.insert(unpub.end(), common.begin(), common.end());
  ASSERT_EQ(run_dcvkit(unpub).exit_code, 0);
  EXPECT_TRUE(server->txt("_dnsauth.cli.example.test").empty());

  const RunResult wrong = run_dcvkit({"publish", "--name", "cli.example.test", "--method", "dns", "--token", t, "--powerdns",
                                      server->api_url(), "--powerdns-key-file", server->wrong_key_file()});
  EXPECT_EQ(wrong.exit_code, 9) << wrong.all();
  EXPECT_NE(wrong.err.find("401"), std::string::npos) << wrong.err;
  EXPECT_EQ(wrong.all().find(read_text(server->wrong_key_file()).substr(0, 16)), std::string::npos);
  const RunResult keyless = run_dcvkit({"publish", "--name", "cli.example.test", "--method", "dns", "--token", t,
                                        "--powerdns", server->api_url()});
  EXPECT_EQ(keyless.exit_code, 2);
  EXPECT_NE(keyless.err.find("--powerdns-key-file"), std::string::npos) << keyless.err;

  auto line = parse_manifest_line(R"({"id":"p","names":["m.example.test"],"method":"dns","publish":{"powerdns":
      {"url":"http://127.0.0.1:8081","api_key_file":"pdns.key","server_id":"localhost","zone":"example.test","ttl":30}}})",
                                  "/srv/m", "m.jsonl:1");
  ASSERT_TRUE(line.ok()) << line.error().message;
  EXPECT_EQ(line->publish.kind, "powerdns");
  EXPECT_EQ(line->publish.settings.at("api_key_file"), "/srv/m/pdns.key");
  EXPECT_EQ(line->publish.zone, "example.test");
  EXPECT_EQ(line->publish.ttl, 30u);
  auto unfit = parse_manifest_line(R"({"id":"p","names":["m.example.test"],"method":"http","publish":{"powerdns":{"url":"u","api_key_file":"k"}}})",
                                   "/srv/m", "m.jsonl:1");
  ASSERT_FALSE(unfit.ok());
  EXPECT_NE(unfit.error().message.find("does not fit"), std::string::npos);
}

}  // namespace
}  // namespace dcvkit::test
