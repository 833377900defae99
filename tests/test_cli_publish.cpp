// dcvkit plan / publish / unpublish as a user runs them, against a real DNS server and a webroot.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/dns_server.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

namespace {

using dcvkit::test::DnsImpl;
using dcvkit::test::DnsServer;
using dcvkit::test::DnsServerConfig;
using dcvkit::test::read_text;
using dcvkit::test::run_dcvkit;
using dcvkit::test::RunOptions;
using dcvkit::test::TempDir;

const std::string kToken = "20261123041445659pbo8t9xr1b650ps3igz35aa13hygedan6njadgcwzgtv7n2";
const std::string kToken2 = "20261123041445659pbo8t9xr1b650ps3igz35aa13hygedan6njadgcwzgtv7n3";

std::vector<nlohmann::json> json_lines(const std::string& out) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

TEST(CliPlan, FromCsrAndNames) {
  TempDir dir;
  ASSERT_EQ(run_dcvkit({"csr", "new", "--cn", "Shop.Example.com", "--san", "*.shop.example.com", "--key-out", dir.file("k"),
                        "--csr-out", dir.file("r.csr")}).exit_code, 0);
  auto dns = run_dcvkit({"plan", "--csr", dir.file("r.csr"), "--method", "dns", "--json"});
  ASSERT_EQ(dns.exit_code, 0) << dns.err;
  // The wildcard validates through its base name: one record for both.
  EXPECT_EQ(nlohmann::json::parse(dns.out),
            nlohmann::json::parse(R"([{"name":"shop.example.com","method":"dns-txt-token","record":"_dnsauth.shop.example.com"}])"));
  auto apex = run_dcvkit({"plan", "--name", "a.example.com", "--method", "dns", "--dns-at", "apex", "--json"});
  EXPECT_EQ(nlohmann::json::parse(apex.out)[0]["record"], "a.example.com");
  auto http = run_dcvkit({"plan", "--name", "www.example.com", "--name", "WWW.example.com.", "--method", "http", "--json"});
  EXPECT_EQ(nlohmann::json::parse(http.out),
            nlohmann::json::parse(R"([{"name":"www.example.com","method":"http-token","url":"http://www.example.com/.well-known/pki-validation/fileauth.txt"}])"));

  auto wild = run_dcvkit({"plan", "--csr", dir.file("r.csr"), "--method", "http"});
  EXPECT_EQ(wild.exit_code, 3);
  EXPECT_NE(wild.err.find("wildcard"), std::string::npos);
  EXPECT_NE(wild.err.find("--method dns"), std::string::npos);
  for (const char* bad : {"192.0.2.1", "../x", "a/b.example.com", "%2e%2e"})
    EXPECT_EQ(run_dcvkit({"plan", "--name", bad, "--method", "http"}).exit_code, 3) << bad;
  EXPECT_EQ(run_dcvkit({"plan", "--name", "a.example.com"}).exit_code, 2) << "--method is required";
}

class CliPublishDns : public ::testing::TestWithParam<DnsImpl> {
 protected:
  void SetUp() override {
    DnsServerConfig c;
    c.impl = GetParam();
    c.records = {"_dnsauth.shop IN TXT \"other-certificate-token\""};
    server = std::make_unique<DnsServer>(c);
  }
  std::vector<std::string> with_server(std::vector<std::string> args) const {
    args.insert(args.end(), {"--server", server->server(), "--tsig-key-file", server->key_file()});
    return args;
  }
  std::unique_ptr<DnsServer> server;
};

TEST_P(CliPublishDns, CsrTokenIsPublishedThenRemoved) {
  TempDir dir;
  ASSERT_EQ(run_dcvkit({"csr", "new", "--cn", "shop.example.test", "--san", "www.shop.example.test", "--key-out",
                        dir.file("k"), "--csr-out", dir.file("r.csr")}).exit_code, 0);
  RunOptions env;
  env.env["DCVKIT_AUTH_KEY"] = "cli-publish-key";
  auto token = run_dcvkit({"token", "new", "--csr", dir.file("r.csr"), "--timestamp", "20261123000000", "--json"}, env);
  const std::string expected = nlohmann::json::parse(token.out)["token"];

  auto pub = run_dcvkit(with_server({"publish", "--csr", dir.file("r.csr"), "--method", "dns", "--timestamp",
                                     "20261123000000", "--jsonl"}), env);
  ASSERT_EQ(pub.exit_code, 0) << pub.out << pub.err;
  auto lines = json_lines(pub.out);
  ASSERT_EQ(lines.size(), 3u);  // two names, then the summary
  EXPECT_EQ(lines.back()["summary"]["ok"], 2);
  EXPECT_EQ(server->txt("_dnsauth.shop.example.test"), (std::vector<std::string>{expected, "other-certificate-token"}));
  EXPECT_EQ(server->txt("_dnsauth.www.shop.example.test"), std::vector<std::string>{expected});

  auto unpub = run_dcvkit(with_server({"unpublish", "--csr", dir.file("r.csr"), "--method", "dns", "--timestamp",
                                       "20261123000000"}), env);
  ASSERT_EQ(unpub.exit_code, 0) << unpub.err;
  EXPECT_EQ(server->txt("_dnsauth.shop.example.test"), std::vector<std::string>{"other-certificate-token"});
  EXPECT_TRUE(server->txt("_dnsauth.www.shop.example.test").empty());
}

TEST_P(CliPublishDns, NamesFileWithPerLineTokensAndPartialFailure) {
  TempDir dir;
  const auto names = dir.write("names.jsonl", "a.example.test\n# a comment\n{\"name\": \"b.example.test\", \"token\": \"" +
                                                  kToken2 + "\"}\nc.not-this-zone.test\n");
  auto r = run_dcvkit(with_server({"publish", "--names-file", names, "--token", kToken, "--method", "dns", "--jsonl"}));
  EXPECT_EQ(r.exit_code, 9) << "one entry failed: " << r.err;
  auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines.back()["summary"]["failed"], 1);
  for (const auto& l : lines) {
    if (l.contains("summary") || l["name"] != "c.not-this-zone.test") continue;
    EXPECT_FALSE(l["ok"].get<bool>());
    EXPECT_EQ(l["code"], "publish.dns_not_authoritative");
  }
  EXPECT_EQ(server->txt("_dnsauth.a.example.test"), std::vector<std::string>{kToken});
  EXPECT_EQ(server->txt("_dnsauth.b.example.test"), std::vector<std::string>{kToken2});
}

TEST_P(CliPublishDns, WrongKeyFailsClearly) {
  auto r = run_dcvkit({"publish", "--name", "shop.example.test", "--token", kToken, "--method", "dns", "--server",
                       server->server(), "--tsig-key-file", server->wrong_key_file()});
  EXPECT_EQ(r.exit_code, 9);
  EXPECT_NE(r.err.find("TSIG"), std::string::npos) << r.err;
  EXPECT_EQ(server->txt("_dnsauth.shop.example.test"), std::vector<std::string>{"other-certificate-token"});
}

INSTANTIATE_TEST_SUITE_P(Servers, CliPublishDns, ::testing::Values(DnsImpl::Bind, DnsImpl::Knot),
                         [](const auto& param_info) { return std::string(dcvkit::test::to_string(param_info.param)); });

TEST(CliPublish, PrintZoneAndNsupdate) {
  auto zone = run_dcvkit({"publish", "--name", "*.shop.example.com", "--name", "www.example.com", "--token", kToken,
                          "--method", "dns", "--print", "zone", "--ttl", "300"});
  ASSERT_EQ(zone.exit_code, 0) << zone.err;
  EXPECT_EQ(zone.out, "_dnsauth.shop.example.com. 300 IN TXT \"" + kToken + "\"\n_dnsauth.www.example.com. 300 IN TXT \"" +
                          kToken + "\"\n");
  auto ns = run_dcvkit({"unpublish", "--name", "a.example.com", "--token", kToken, "--method", "dns", "--print",
                        "nsupdate", "--server", "192.0.2.53:5300", "--zone", "example.com"});
  ASSERT_EQ(ns.exit_code, 0) << ns.err;
  EXPECT_EQ(ns.out, "server 192.0.2.53 5300\nzone example.com\nupdate delete _dnsauth.a.example.com. TXT \"" + kToken +
                        "\"\nsend\n");
  EXPECT_EQ(run_dcvkit({"publish", "--name", "a.example.com", "--token", kToken, "--method", "http", "--print", "zone"}).exit_code, 2);
}

TEST(CliPublish, UsageErrors) {
  TempDir dir;
  EXPECT_EQ(run_dcvkit({"publish", "--name", "a.example.com", "--token", kToken, "--method", "dns"}).exit_code, 2)
      << "nowhere to publish";
  EXPECT_EQ(run_dcvkit({"publish", "--name", "a.example.com", "--token", kToken, "--method", "dns", "--webroot",
                        dir.path().string()}).exit_code, 2)
      << "webroot cannot publish DNS tokens";
  EXPECT_EQ(run_dcvkit({"publish", "--name", "a.example.com", "--method", "dns", "--print", "zone"}).exit_code, 2)
      << "no token";
  EXPECT_EQ(run_dcvkit({"publish", "--name", "a.example.com", "--token", "short", "--method", "dns", "--print", "zone"}).exit_code, 5);
}

TEST(CliPublish, WebrootAndHook) {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "www");
  const std::string webroot = (dir.path() / "www").string();
  auto pub = run_dcvkit({"publish", "--name", "a.example.com", "--name", "b.example.com", "--token", kToken, "--method",
                         "http", "--webroot", webroot});
  ASSERT_EQ(pub.exit_code, 0) << pub.err;
  const std::string file = webroot + "/.well-known/pki-validation/fileauth.txt";
  EXPECT_EQ(read_text(file), kToken + "\n") << "two names, one webroot: one line";
  ASSERT_EQ(run_dcvkit({"publish", "--name", "a.example.com", "--token", kToken2, "--method", "http", "--webroot", webroot}).exit_code, 0);
  EXPECT_NE(read_text(file).find(kToken2), std::string::npos);
  ASSERT_EQ(run_dcvkit({"unpublish", "--name", "a.example.com", "--token", kToken, "--method", "http", "--webroot", webroot}).exit_code, 0);
  EXPECT_EQ(read_text(file), kToken2 + "\n");

  const std::string log = dir.file("hook.log");
  auto hook = run_dcvkit({"publish", "--name", "h.example.com", "--token", kToken, "--method", "dns", "--hook",
                          "echo \"$DCVKIT_ACTION $DCVKIT_METHOD $DCVKIT_NAME $DCVKIT_RECORD $DCVKIT_TOKEN\" >> " + log});
  ASSERT_EQ(hook.exit_code, 0) << hook.err;
  EXPECT_EQ(read_text(log), "publish dns-txt-token h.example.com _dnsauth.h.example.com " + kToken + "\n");
  auto failing = run_dcvkit({"publish", "--name", "h.example.com", "--token", kToken, "--method", "dns", "--hook",
                             "echo 'zone is locked' >&2; exit 3"});
  EXPECT_EQ(failing.exit_code, 9);
  EXPECT_NE(failing.err.find("zone is locked"), std::string::npos) << failing.err;
}

}  // namespace
