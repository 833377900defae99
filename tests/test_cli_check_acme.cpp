// dcvkit check --method acme-http-01 / acme-dns-01 end to end: the executable against real nginx
// and BIND, the key authorization from --key-authorization or a JSONL "key_authorization", and the
// usage errors that keep an ACME method out of CertCentral commands.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "dcvkit/acme_jose.hpp"
#include "support/real_servers_test.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace dcvkit;
using namespace dcvkit::test;

const std::string kToken = "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0";
const std::string kKeyAuthz = kToken + ".9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";

class CliCheckAcme : public RealServersTest {
 protected:
  static std::vector<std::string> flags() {
    return {"--resolver", dns->resolver().server(), "--ns-port", std::to_string(dns->ns_port()),
            "--http-port", std::to_string(nginx->http_port()), "--https-port", std::to_string(nginx->https_port()),
            "--connect-address", "127.0.0.1", "--dns-timeout", "1500ms", "--no-dnssec", "--jsonl"};
  }
  static std::map<std::string, nlohmann::json> by_name(const std::string& out) {
    std::map<std::string, nlohmann::json> got;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object() && j.contains("name")) got[j["name"].get<std::string>()] = j;
    }
    return got;
  }
  static RunResult check(std::vector<std::string> args) {
    auto all = flags();
    args.insert(args.begin(), "check");
    args.insert(args.end(), all.begin(), all.end());
    return run_dcvkit(args);
  }
};

TEST_F(CliCheckAcme, Http01FromTheCommandLineAndJsonl) {
  nginx->put_file("acme-cli.example.test", ".well-known/acme-challenge/" + kToken, kKeyAuthz + "\n");
  auto r = check({"--method", "acme-http-01", "--name", "acme-cli.example.test", "--key-authorization", kKeyAuthz,
                  "--no-caa"});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  auto got = by_name(r.out);
  ASSERT_TRUE(got.count("acme-cli.example.test")) << r.out;
  EXPECT_EQ(got["acme-cli.example.test"]["method"], "acme-http-01");
  EXPECT_EQ(got["acme-cli.example.test"]["url"], "http://acme-cli.example.test/.well-known/acme-challenge/" + kToken);

  // A batch mixing both kinds of line; one wrong key authorization fails the run with exit 10.
  TempDir dir;
  const std::string other = kToken + ".nP1qzpXGymHBrUEepNY9HCsQk7K8KhOypzEt62jcerQ";
  const std::string input = nlohmann::json{{"name", "acme-cli.example.test"}, {"method", "acme-http-01"}, {"key_authorization", kKeyAuthz}}.dump() +
                            "\n" +
                            nlohmann::json{{"name", "acme-cli.example.test."}, {"method", "acme-http-01"}, {"key_authorization", other}}.dump() + "\n";
  const auto report = (dir.path() / "report.html").string();
  r = check({"--input", dir.write("in.jsonl", input), "--no-caa", "--report", report});
  EXPECT_EQ(r.exit_code, 10) << r.all();
  std::size_t lines = 0, mismatches = 0;
  std::istringstream out(r.out);
  for (std::string line; std::getline(out, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || !j.contains("code")) continue;
    ++lines;
    EXPECT_EQ(j["method"], "acme-http-01");
    mismatches += j["code"] == "acme.http01_mismatch" ? 1 : 0;
  }
  EXPECT_EQ(lines, 2u) << r.out;
  EXPECT_EQ(mismatches, 1u) << r.out;
  // The text table names the method and the URL judged.
  auto text_flags = flags();
  text_flags.pop_back();  // no --jsonl
  std::vector<std::string> text_args = {"check", "--input", dir.file("in.jsonl"), "--no-caa"};
  text_args.insert(text_args.end(), text_flags.begin(), text_flags.end());
  r = run_dcvkit(text_args);
  EXPECT_EQ(r.exit_code, 10) << r.all();
  EXPECT_NE(r.out.find("FAIL acme-cli.example.test (acme-http-01) [acme.http01_mismatch] http://acme-cli.example.test/.well-known/acme-challenge/"),
            std::string::npos)
      << r.out;
  std::ifstream html(report);
  const std::string page((std::istreambuf_iterator<char>(html)), std::istreambuf_iterator<char>());
  EXPECT_NE(page.find("acme-http-01"), std::string::npos) << "the report names the method";
}

TEST_F(CliCheckAcme, Dns01FromJsonl) {
  Placement p;
  p.on_ns1 = p.on_ns2 = {{acme::dns01_txt_value(kKeyAuthz)}};
  p.label = "_acme-challenge";
  const std::string name = dns->place(p);
  TempDir dir;
  // The second line takes its key authorization from --key-authorization.
  const std::string input =
      nlohmann::json{{"name", "*." + name}, {"method", "acme-dns-01"}, {"key_authorization", kKeyAuthz}}.dump() + "\n" +
      nlohmann::json{{"name", name}, {"method", "acme-dns-01"}}.dump() + "\n";
  auto r = check({"--input", dir.write("in.jsonl", input), "--caa-identity", "letsencrypt.org", "--key-authorization", kKeyAuthz});
  EXPECT_EQ(r.exit_code, 0) << r.all();
  auto got = by_name(r.out);
  ASSERT_TRUE(got.count(name)) << r.out;
  EXPECT_EQ(got[name]["code"], "ok") << got[name].dump();
  ASSERT_TRUE(got.count("*." + name)) << r.out;
  EXPECT_EQ(got["*." + name]["method"], "acme-dns-01");
  EXPECT_EQ(got["*." + name]["owner"], "_acme-challenge." + name);
}

TEST_F(CliCheckAcme, UsageErrorsAreClear) {
  // DigiCert's CAA identities would judge an ACME CA's names wrongly. (--jsonl: the error is JSON on stdout.)
  auto r = check({"--method", "acme-dns-01", "--name", "x.example.test", "--key-authorization", kKeyAuthz});
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_NE(r.all().find("--caa-identity"), std::string::npos) << r.all();
  r = check({"--method", "acme-http-01", "--name", "x.example.test", "--no-caa"});
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_NE(r.all().find("--key-authorization is required"), std::string::npos) << r.all();
  r = check({"--method", "acme-http-01", "--name", "x.example.test", "--no-caa", "--key-authorization", kToken});
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_NE(r.all().find("token.thumbprint"), std::string::npos) << r.all();
  r = check({"--method", "dns", "--name", "x.example.test", "--key-authorization", kKeyAuthz});
  EXPECT_EQ(r.exit_code, 2) << r.all();
  // CertCentral commands share the method flag: an ACME method is told where it belongs.
  r = run_dcvkit({"plan", "--method", "acme-dns-01", "--name", "x.example.test"});
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_NE(r.err.find("is an ACME challenge, not a CertCentral DCV method"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("dcvkit acme order"), std::string::npos) << r.err;
}

}  // namespace
