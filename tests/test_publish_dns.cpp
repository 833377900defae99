// RFC 2136 publishing against real BIND and Knot servers on loopback, read back with dig.
#include <gtest/gtest.h>

#include <chrono>

#include "dcvkit/publish_rfc2136.hpp"
#include "dcvkit/time.hpp"
#include "dcvkit/token.hpp"
#include "support/dns_server.hpp"
#include "support/plan_fixtures.hpp"

namespace {

using namespace dcvkit;
using dcvkit::test::DnsImpl;
using dcvkit::test::DnsServer;
using dcvkit::test::DnsServerConfig;
using dcvkit::test::dns_entry;
using dcvkit::test::token_for;

class PublishDns : public ::testing::TestWithParam<DnsImpl> {
 protected:
  void SetUp() override {
    DnsServerConfig c;
    c.impl = GetParam();
    c.records = {"_dnsauth.shop IN TXT \"other-certificate-token\"", "shop IN A 127.0.0.1"};
    server = std::make_unique<DnsServer>(c);
  }

  std::unique_ptr<Publisher> publisher(const std::string& key_file, int timeout_ms = 3000, std::string server_text = {}) {
    Rfc2136Options o;
    o.server = *parse_host_port(server_text.empty() ? server->server() : server_text, 53);
    if (!key_file.empty()) o.tsig = *load_tsig_key_file(key_file);
    o.timeout_ms = timeout_ms;
    auto p = make_rfc2136_publisher(std::move(o));
    EXPECT_TRUE(p.ok());
    return std::move(*p);
  }

  std::unique_ptr<DnsServer> server;
};

TEST_P(PublishDns, AddsBesideOtherRecordsAndRemovesOnlyItsOwn) {
  auto p = publisher(server->key_file());
  const auto token = token_for("a");
  const auto entry = dns_entry("shop.example.test");
  ASSERT_TRUE(p->publish(entry, token).ok());
  EXPECT_EQ(server->txt("_dnsauth.shop.example.test"), (std::vector<std::string>{token, "other-certificate-token"}));
  ASSERT_TRUE(p->publish(entry, token).ok()) << "publishing twice is not an error";
  EXPECT_EQ(server->txt("_dnsauth.shop.example.test").size(), 2u) << "and leaves one record";
  ASSERT_TRUE(p->unpublish(entry, token).ok());
  EXPECT_EQ(server->txt("_dnsauth.shop.example.test"), std::vector<std::string>{"other-certificate-token"});
  EXPECT_TRUE(p->unpublish(entry, token).ok()) << "unpublishing what is gone is not an error";
}

TEST_P(PublishDns, NewNameAndExplicitZone) {
  Rfc2136Options o;
  o.server = *parse_host_port(server->server(), 53);
  o.tsig = *load_tsig_key_file(server->key_file());
  o.zone = "example.test.";
  auto p = std::move(*make_rfc2136_publisher(std::move(o)));
  const auto token = token_for("b");
  ASSERT_TRUE(p->publish(dns_entry("new.deep.example.test"), token).ok());
  EXPECT_EQ(server->txt("_dnsauth.new.deep.example.test"), std::vector<std::string>{token});
}

TEST_P(PublishDns, WrongKeyIsRefusedAndChangesNothing) {
  auto p = publisher(server->wrong_key_file());
  auto s = p->publish(dns_entry("shop.example.test"), token_for("c"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "publish.dns_badsig") << s.error().message;
  EXPECT_NE(s.error().hint.find("--tsig-key-file"), std::string::npos);
  EXPECT_EQ(server->txt("_dnsauth.shop.example.test"), std::vector<std::string>{"other-certificate-token"});
}

TEST_P(PublishDns, UnsignedUpdateIsRefused) {
  auto p = publisher("");
  auto s = p->publish(dns_entry("shop.example.test"), token_for("d"));
  ASSERT_FALSE(s.ok());
  // BIND answers REFUSED, Knot NOTAUTH; both say to sign the update.
  EXPECT_EQ(s.error().code, GetParam() == DnsImpl::Bind ? "publish.dns_refused" : "publish.dns_notauth");
  EXPECT_NE(s.error().hint.find("--tsig-key-file"), std::string::npos);
  EXPECT_EQ(server->txt("_dnsauth.shop.example.test").size(), 1u);
}

TEST_P(PublishDns, UnknownZoneIsNamed) {
  auto p = publisher(server->key_file());
  auto s = p->publish(dns_entry("shop.elsewhere.test"), token_for("e"));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "publish.dns_not_authoritative");
  EXPECT_NE(s.error().message.find("_dnsauth.shop.elsewhere.test"), std::string::npos);
}

TEST_P(PublishDns, ServerDownTimesOutWithinTheLimit) {
  const std::string down = "127.0.0.1:" + std::to_string(dcvkit::test::free_loopback_port());
  auto p = publisher(server->key_file(), 1000, down);
  const auto start = std::chrono::steady_clock::now();
  auto s = p->publish(dns_entry("shop.example.test"), token_for("f"));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "publish.dns_timeout");
  EXPECT_LT(seconds, 1.6) << "the configured limit was 1 s";
}

TEST_P(PublishDns, ThousandNamesInOneBatch) {
  auto p = publisher(server->key_file());
  std::vector<PublishItem> items;
  for (int i = 0; i < 1000; ++i) items.push_back({dns_entry("host" + std::to_string(i) + ".example.test"), token_for(std::to_string(i))});
  const auto start = std::chrono::steady_clock::now();
  std::size_t reported = 0;
  const auto failed = run_publish_batch(*p, PublishAction::Publish, items, 32, [&](const PublishOutcome& o) {
    ++reported;
    EXPECT_TRUE(o.status.ok()) << o.item->entry.record << ": " << (o.status.ok() ? "" : o.status.error().message);
  });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(failed, 0u);
  EXPECT_EQ(reported, 1000u);
  RecordProperty("publish_1000_seconds", std::to_string(seconds));
  std::printf("[ figure   ] %s: 1000 names published in %.2f s\n", dcvkit::test::to_string(GetParam()), seconds);
  EXPECT_LT(seconds, 5.0);
  for (int i : {0, 1, 499, 998, 999}) EXPECT_EQ(server->txt("_dnsauth.host" + std::to_string(i) + ".example.test"),
                                               std::vector<std::string>{items[static_cast<std::size_t>(i)].token});
  EXPECT_EQ(run_publish_batch(*p, PublishAction::Unpublish, items, 32, nullptr), 0u);
  EXPECT_TRUE(server->txt("_dnsauth.host499.example.test").empty());
}

INSTANTIATE_TEST_SUITE_P(Servers, PublishDns, ::testing::Values(DnsImpl::Bind, DnsImpl::Knot),
                         [](const auto& param_info) { return std::string(dcvkit::test::to_string(param_info.param)); });

TEST(PublishTsigKey, ParsesBothFormatsAndNeverEchoesTheSecret) {
  auto bind = parse_tsig_key("key \"upd.example\" {\n algorithm hmac-sha512;\n secret \"c2VjcmV0LXZhbHVl\";\n};\n", "t");
  ASSERT_TRUE(bind.ok());
  EXPECT_EQ(bind->name, "upd.example.");
  EXPECT_EQ(bind->algorithm, "hmac-sha512");
  EXPECT_EQ(bind->secret.view(), "c2VjcmV0LXZhbHVl");
  auto commented = parse_tsig_key("# made by tsig-keygen\n/* block */ key \"k2\" { // the name\n algorithm \"HMAC-SHA256\";"
                                  " secret \"c2VjcmV0LXZhbHVl\"; };", "t");
  ASSERT_TRUE(commented.ok());
  EXPECT_EQ(commented->name, "k2.");
  EXPECT_EQ(commented->algorithm, "hmac-sha256");
  auto line = parse_tsig_key("upd:c2VjcmV0LXZhbHVl\n", "t");
  ASSERT_TRUE(line.ok());
  EXPECT_EQ(line->algorithm, "hmac-sha256");
  auto alg = parse_tsig_key("hmac-sha384:upd:c2VjcmV0LXZhbHVl", "t");
  ASSERT_TRUE(alg.ok());
  EXPECT_EQ(alg->algorithm, "hmac-sha384");
  for (const char* bad : {"", "just words", "key \"x\" { algorithm hmac-sha256; };", "rot13:upd:c2VjcmV0LXZhbHVl",
                          "key \"x\" { algorithm hmac-sha256; secret \"not base64 c2VjcmV0!\"; };"}) {
    auto r = parse_tsig_key(bad, "t");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().message.find("c2VjcmV0"), std::string::npos);
  }
}

TEST(PublishHostPort, Forms) {
  EXPECT_EQ(parse_host_port("127.0.0.1", 53)->port, 53);
  EXPECT_EQ(parse_host_port("127.0.0.1:5300", 53)->port, 5300);
  EXPECT_EQ(parse_host_port("[::1]:5300", 53)->host, "::1");
  EXPECT_EQ(parse_host_port("::1", 53)->host, "::1");
  for (const char* bad : {"", ":53", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "[::1", "h:x"})
    EXPECT_FALSE(parse_host_port(bad, 53).ok()) << bad;
}

}  // namespace
