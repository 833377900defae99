// dcvkit order / authkey as a user runs them, where no API is needed: what is refused before any
// request (secrets on argv, files in the way, tokens that do not fit), and --dry-run.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "dcvkit/validity_limit.hpp"
#include "dcvkit/clock.hpp"
#include "dcvkit/csr.hpp"
#include "dcvkit/time.hpp"
#include "dcvkit/token.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace dcvkit;
using namespace dcvkit::test;
using json = nlohmann::json;

// Nothing listens here: a command that reaches the network fails with 14, not with what a test expects.
const std::vector<std::string> kNoApi = {"--api-url", "https://127.0.0.1:1/services/v2", "--api-timeout", "2", "--api-retries", "0"};
const char* kApiKey = "FEEDFACE0123456789abcdef0123456789abcdef";

struct Files {
  TempDir dir;
  std::string csr, api_key, auth_key;
  Files() {
    csr = dir.file("r.csr");
    auto r = run_dcvkit({"csr", "new", "--cn", "shop.example.test", "--san", "www.shop.example.test", "--key-out", dir.file("k.pem"),
                         "--csr-out", csr});
    if (r.exit_code != 0) throw std::runtime_error(r.all());
    api_key = dir.write("api-key", std::string(kApiKey) + "\n");
    auth_key = dir.write("ak", "authkey-for-cli-order-tests\n");
  }
  RunResult order(std::vector<std::string> args) const {
    std::vector<std::string> all = {"order", "submit", "--product", "ssl_dv_geotrust", "--csr", csr, "--api-key-file", api_key};
    all.insert(all.end(), args.begin(), args.end());
    all.insert(all.end(), kNoApi.begin(), kNoApi.end());
    return run_dcvkit(all);
  }
};

TEST(CliOrder, DryRunPrintsTheExactRequestWithTheKeyRedacted) {
  Files f;
  auto r = f.order({"--method", "dns", "--dry-run", "--cn", "SHOP.example.test", "--validity-days", "90"});
  ASSERT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.out.find("POST https://127.0.0.1:1/services/v2/order/certificate/ssl_dv_geotrust"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("X-DC-DEVKEY: [redacted]"), std::string::npos);
  EXPECT_EQ(r.all().find(kApiKey), std::string::npos);
  EXPECT_NE(r.out.find("nothing was sent"), std::string::npos);

  auto j = run_dcvkit({"order", "submit", "--product", "wildcard_dv_geotrust", "--csr", f.csr, "--method", "dns", "--dry-run", "--json",
                       "--san", "*.shop.example.test", "--csr-form", "oneline", "--api-url", "eu"},
                      {.stdin_data = "", .env = {{"DCVKIT_API_KEY", kApiKey}}, .cwd = ""});
  ASSERT_EQ(j.exit_code, 0) << j.all();
  const auto body = json::parse(j.out);
  EXPECT_EQ(body["url"], "https://certcentral.digicert.eu/services/v2/order/certificate/wildcard_dv_geotrust");
  EXPECT_EQ(body["body"]["certificate"]["common_name"], "shop.example.test");
  EXPECT_EQ(body["body"]["certificate"]["dns_names"], json::array({"*.shop.example.test"}));
  const std::string csr = body["body"]["certificate"]["csr"];
  EXPECT_EQ(csr.find('\n'), std::string::npos) << "--csr-form oneline: " << csr;
  EXPECT_EQ(j.out.find(kApiKey), std::string::npos);
}

TEST(CliOrder, SecretsAreNeverArguments) {
  Files f;
  for (const char* flag : {"--api-key", "--api-key=abc"}) {
    auto r = run_dcvkit({"order", "list", flag, "SECRETVALUE"});
    EXPECT_EQ(r.exit_code, 2) << flag;
    EXPECT_EQ(r.all().find("SECRETVALUE"), std::string::npos);
  }
  RunOptions no_key;
  no_key.env["DCVKIT_API_KEY"] = std::nullopt;
  auto missing = run_dcvkit({"order", "status", "12"}, no_key);
  EXPECT_EQ(missing.exit_code, 12) << missing.all();
  EXPECT_NE(missing.err.find("DCVKIT_API_KEY"), std::string::npos);
  auto bad = run_dcvkit({"order", "list", "--api-key-file", f.dir.write("bad", "abc def\n"), "--json"});
  EXPECT_EQ(bad.exit_code, 3) << bad.all();
  EXPECT_EQ(json::parse(bad.out)["error"]["code"], "api.bad_key");
  auto plain = run_dcvkit({"order", "list", "--api-key-file", f.api_key, "--api-url", "http://api.example.com/services/v2"});
  EXPECT_EQ(plain.exit_code, 3) << plain.all();
  EXPECT_NE(plain.err.find("unencrypted"), std::string::npos);
}

TEST(CliOrder, RefusedBeforeAnyRequest) {
  Files f;
  // Existing certificate files: exit 4 (not 14: no request was attempted).
  std::filesystem::create_directories(f.dir.file("out"));
  f.dir.write("out/chain.pem", "old");
  auto exists = f.order({"--method", "dns", "--out-dir", f.dir.file("out")});
  EXPECT_EQ(exists.exit_code, 4) << exists.all();
  EXPECT_NE(exists.err.find("--force"), std::string::npos);
  EXPECT_EQ(read_text(f.dir.file("out/chain.pem")), "old");

  auto wildcard_http = f.order({"--method", "http", "--san", "*.shop.example.test"});
  EXPECT_EQ(wildcard_http.exit_code, 3) << wildcard_http.all();
  auto forms = f.order({"--method", "dns", "--all-forms"});
  EXPECT_EQ(forms.exit_code, 2) << forms.all();
  auto both = f.order({"--method", "dns", "--validity-days", "90", "--validity-years", "1"});
  EXPECT_EQ(both.exit_code, 2) << both.all();
  auto no_method = f.order({});
  EXPECT_EQ(no_method.exit_code, 2) << no_method.all();
  auto bad_name = f.order({"--method", "dns", "--cn", "not a name"});
  EXPECT_EQ(bad_name.exit_code, 3) << bad_name.all();
  auto precheck = f.order({"--method", "dns", "--precheck"});
  EXPECT_EQ(precheck.exit_code, 2) << "needs the AuthKey or a token: " << precheck.all();
}

// BR 6.3.2 (ballot SC-081): 200 days from 2026-03-15, 100 from 2027-03-15, 47 from 2029-03-15. A
// longer order is refused by the CA after it was placed; dcvkit refuses it before any request
// (kNoApi would make a sent request fail with 14), even with --dry-run.
TEST(CliOrder, ValidityBeyondTheBaselineRequirementsIsRefusedBeforeAnyRequest) {
  Files f;
  const auto limit = max_validity(system_clock().now());
  for (const bool dry_run : {false, true}) {
    std::vector<std::string> args = {"--method", "dns", "--validity-days", std::to_string(limit.days + 1), "--json"};
    if (dry_run) args.push_back("--dry-run");
    auto r = f.order(args);
    EXPECT_EQ(r.exit_code, 3) << r.all();
    const auto j = json::parse(r.out, nullptr, false);
    ASSERT_TRUE(j.is_object()) << r.all();
    EXPECT_EQ(j["error"]["code"], "order.validity_too_long") << r.out;
    const std::string message = j["error"]["message"];
    EXPECT_NE(message.find("at most " + std::to_string(limit.days) + " days"), std::string::npos) << message;
    if (!limit.since.empty()) {
      EXPECT_NE(message.find(limit.since), std::string::npos) << message;
    }
  }
  auto at_limit = f.order({"--method", "dns", "--validity-days", std::to_string(limit.days), "--dry-run"});
  EXPECT_EQ(at_limit.exit_code, 0) << at_limit.all();
}

TEST(CertcentralValidity, FollowsTheBaselineRequirementsSchedule) {
  auto at = [](const char* compact) { return *parse_compact_timestamp(compact); };
  EXPECT_EQ(max_validity(at("20260314235959")).days, 398);
  EXPECT_EQ(max_validity(at("20260315000000")).days, 200);
  EXPECT_EQ(max_validity(at("20260315000000")).since, "2026-03-15");
  EXPECT_EQ(max_validity(at("20270314235959")).days, 200);
  EXPECT_EQ(max_validity(at("20270315000000")).days, 100);
  EXPECT_EQ(max_validity(at("20290314235959")).days, 100);
  EXPECT_EQ(max_validity(at("20290315000000")).days, 47);
  EXPECT_EQ(max_validity(at("20290315000000")).since, "2029-03-15");
  const auto refused = check_validity_limit(101, at("20270601000000"), "x: ");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message.rfind("x: asks for 101 days", 0), 0u) << refused.error().message;
  EXPECT_NE(refused.error().message.find("from 2027-03-15"), std::string::npos);
  EXPECT_TRUE(check_validity_limit(100, at("20270601000000")).ok());
  EXPECT_TRUE(check_validity_limit(std::nullopt, at("20290601000000")).ok());
}

TEST(CliOrder, TokensAreCheckedAgainstTheCsrForm) {
  Files f;
  const std::string csr_bytes = read_text(f.csr);
  const UnixSeconds now = system_clock().now();
  const std::string good = *compute_token("authkey-for-cli-order-tests", csr_bytes, now - 60);
  // Made from the one-line form but ordered as pem: the order would never be immediate.
  auto text = parse_csr_text(csr_bytes, "x");
  const std::string other_form = *compute_token("authkey-for-cli-order-tests", csr_form_bytes(*text, CsrForm::OneLine), now - 60);
  auto mismatch = f.order({"--method", "dns", "--token", other_form, "--auth-key-file", f.auth_key, "--dry-run"});
  EXPECT_EQ(mismatch.exit_code, 6) << mismatch.all();
  EXPECT_NE(mismatch.err.find("--csr-form"), std::string::npos) << mismatch.err;
  auto fits = f.order({"--method", "dns", "--token", other_form, "--auth-key-file", f.auth_key, "--dry-run", "--csr-form", "oneline"});
  EXPECT_EQ(fits.exit_code, 0) << fits.all();
  auto ok = f.order({"--method", "dns", "--token", good, "--auth-key-file", f.auth_key, "--dry-run"});
  EXPECT_EQ(ok.exit_code, 0) << ok.all();
  EXPECT_EQ(ok.err.find("warning"), std::string::npos) << ok.err;

  const std::string old = *compute_token("authkey-for-cli-order-tests", csr_bytes, now - 31 * 86400);
  auto expired = f.order({"--method", "dns", "--token", old, "--dry-run"});
  EXPECT_EQ(expired.exit_code, 0) << "a warning, not a refusal: " << expired.all();
  EXPECT_NE(expired.err.find("warning: --token"), std::string::npos) << expired.err;
  EXPECT_NE(expired.err.find("expired"), std::string::npos) << expired.err;
  auto malformed = f.order({"--method", "dns", "--token", "not-a-token", "--dry-run"});
  EXPECT_EQ(malformed.exit_code, 5) << malformed.all();
}

TEST(CliOrder, IdsAndOptionsOfTheOtherCommands) {
  Files f;
  auto no_id = run_dcvkit({"order", "status", "--api-key-file", f.api_key});
  EXPECT_EQ(no_id.exit_code, 2) << no_id.all();
  auto bad_id = run_dcvkit({"order", "download", "12x", "--api-key-file", f.api_key});
  EXPECT_EQ(bad_id.exit_code, 2) << bad_id.all();
  auto limit = run_dcvkit({"order", "list", "--limit", "5000", "--api-key-file", f.api_key});
  EXPECT_EQ(limit.exit_code, 2) << limit.all();
  std::vector<std::string> unreachable = {"order", "status", "12", "--api-key-file", f.api_key, "--json"};
  unreachable.insert(unreachable.end(), kNoApi.begin(), kNoApi.end());
  auto down = run_dcvkit(unreachable);
  EXPECT_EQ(down.exit_code, 14) << down.all();
  EXPECT_EQ(json::parse(down.out)["error"]["code"], "api.connect_failed");
}

TEST(AuthkeyCli, RefusedBeforeAnyRequest) {
  Files f;
  std::vector<std::string> api = {"--api-key-file", f.api_key};
  api.insert(api.end(), kNoApi.begin(), kNoApi.end());
  auto del = run_dcvkit({"authkey", "delete", "--api-key-file", f.api_key});
  EXPECT_EQ(del.exit_code, 2) << del.all();
  EXPECT_NE(del.err.find("voids every request token"), std::string::npos);
  std::vector<std::string> reveal = {"authkey", "show", "--reveal"};
  reveal.insert(reveal.end(), api.begin(), api.end());
  EXPECT_EQ(run_dcvkit(reveal).exit_code, 2) << "stdout is not a terminal";
  std::vector<std::string> exists = {"authkey", "create", "--out", f.auth_key};
  exists.insert(exists.end(), api.begin(), api.end());
  auto r = run_dcvkit(exists);
  EXPECT_EQ(r.exit_code, 4) << "checked before the key is made: " << r.all();
}

}  // namespace
