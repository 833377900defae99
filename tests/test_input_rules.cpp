// The same rules for the same kind of input in every command (issue 15 §2): bounded lines with a
// short escaped prefix in the message, strict JSONL objects (no unknown, no repeated keys), key
// files that must be regular files, doubtful AuthKeys, one name cap, product ids, and local
// errors that are not retried.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <string>
#include <vector>

#include "dcvkit/certcentral.hpp"
#include "dcvkit/csr.hpp"
#include "dcvkit/manifest.hpp"
#include "dcvkit/names.hpp"
#include "dcvkit/publish_rfc2136.hpp"
#include "dcvkit/token.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace dcvkit;
using dcvkit::test::run_dcvkit;
using dcvkit::test::run_program;
using dcvkit::test::RunOptions;
using dcvkit::test::RunResult;
using dcvkit::test::TempDir;
using Clock = std::chrono::steady_clock;

const std::string kToken = "20251201000000" + std::string(50, 'a');
const std::string kAuthKey = "abcdefghijklmnopqrstuvwxyz012345";  // 32 characters, as CertCentral's

// The executable under `timeout`, so that a regression that blocks fails the test instead of
// hanging it.
RunResult run_bounded(const std::vector<std::string>& args, const RunOptions& options = {}) {
  std::vector<std::string> argv = {"/usr/bin/timeout", "20", DCVKIT_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv, options);
}

std::string make_fifo(const TempDir& dir, const std::string& name) {
  const std::string path = dir.file(name);
  if (::mkfifo(path.c_str(), 0600) != 0) throw std::runtime_error("mkfifo failed");
  return path;
}

// ---- check --input -------------------------------------------------------------------------

TEST(InputRulesCheckInput, AHugeLineIsRefusedWithItsNumberAndAShortPrefix) {
  TempDir dir;
  const std::string good = R"({"name": "a.example.test", "method": "dns", "token": ")" + kToken + "\"}\n";
  const std::string input = dir.write("in.jsonl", good + good + "{\"name\": \"" + std::string(3 << 20, 'x') + "\"}\n");
  auto r = run_bounded({"check", "--input", input, "--resolver", "127.0.0.1:9", "--dns-timeout", "1s"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("in.jsonl:3: line longer than 1024 KiB (starts with \"{\"name\": \"xxx"), std::string::npos)
      << r.err.substr(0, 500);
  EXPECT_LT(r.all().size(), 2000u) << "the message is built from a prefix, not the line";
}

TEST(InputRulesCheckInput, AnEndlessLineStopsAtTheCap) {
  const auto start = Clock::now();
  auto r = run_bounded({"check", "--input", "/dev/zero", "--method", "dns"});
  EXPECT_EQ(r.exit_code, 3) << r.err.substr(0, 300);
  EXPECT_NE(r.err.find("/dev/zero:1: line longer than 1024 KiB (starts with \"\\x00\\x00"), std::string::npos)
      << r.err.substr(0, 300);
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - start).count(), 15.0);
}

TEST(InputRulesCheckInput, UnknownAndRepeatedKeysAreRefused) {
  TempDir dir;
  const std::string head = R"({"name": "a.example.test", "method": "dns", )";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {head + R"("token": ")" + kToken + R"(", "tokne": "x"})", "unknown key \"tokne\" (allowed: name, method, token, csr, key_authorization)"},
      {head + R"("token": ")" + kToken + R"(", "token": ")" + kToken + "\"}", "key \"token\" appears twice"},
      {head + R"("token": ")" + kToken + R"(", "csr": "x.csr"})", "both \"token\" and \"csr\""},
  };
  for (const auto& [line, expected] : cases) {
    const std::string input = dir.write("in.jsonl", line + "\n");
    auto r = run_bounded({"check", "--input", input, "--resolver", "127.0.0.1:9", "--timeout", "1"});
    EXPECT_EQ(r.exit_code, 3) << line << "\n" << r.all();
    EXPECT_NE(r.err.find("in.jsonl:1: " + expected), std::string::npos) << r.err;
  }
}

TEST(InputRulesNamesFile, JsonLinesFollowTheSameRules) {
  TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"name": "a.example.test", "nmae": "b.example.test"})", "unknown key \"nmae\" (allowed: name, token)"},
      {R"({"name": "a.example.test", "name": "b.example.test"})", "key \"name\" appears twice"},
  };
  for (const auto& [line, expected] : cases) {
    const std::string names = dir.write("names.txt", "ok.example.test\n" + line + "\n");
    auto r = run_bounded({"check", "--names-file", names, "--method", "dns", "--token", kToken, "--resolver",
                          "127.0.0.1:9", "--timeout", "1"});
    EXPECT_EQ(r.exit_code, 3) << line << "\n" << r.all();
    EXPECT_NE(r.err.find("names.txt:2: " + expected), std::string::npos) << r.err;
  }
}

// ---- the manifest ----------------------------------------------------------------------------

std::string manifest_line(const std::string& id, const std::string& extra = "") {
  return R"({"id": ")" + id + R"(", "names": ["a.example.test"], "method": "http", "publish": {"webroot": "/tmp"})" +
         extra + "}";
}

TEST(InputRulesManifest, RepeatedKeysAreRefused) {
  auto r = parse_manifest_line(manifest_line("shop", R"(, "method": "dns")"), "/tmp", "m:1");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("key \"method\" appears twice"), std::string::npos) << r.error().message;
  auto nested = parse_manifest_line(
      R"({"id": "x", "names": ["a.example.test"], "method": "http", "publish": {"webroot": "/a", "webroot": "/b"}})", "/tmp",
      "m:1");
  ASSERT_FALSE(nested.ok());
  EXPECT_NE(nested.error().message.find("key \"webroot\" appears twice"), std::string::npos) << nested.error().message;
}

TEST(InputRulesManifest, IdsDifferingOnlyByCaseAreRefused) {
  std::istringstream in(manifest_line("Shop") + "\n" + manifest_line("shop") + "\n");
  auto st = read_manifest(in, "m.jsonl", "/tmp", [](ManifestEntry&&) -> Status { return {}; });
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("m.jsonl:2"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("id \"shop\" differs from \"Shop\" only by case"), std::string::npos)
      << st.error().message;
}

TEST(InputRulesManifest, ATooLongLineShowsAShortPrefix) {
  std::istringstream in(std::string(2 << 20, '\x1b') + "\n");
  auto st = read_manifest(in, "m.jsonl", "/tmp", [](ManifestEntry&&) -> Status { return {}; });
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("m.jsonl:1: line longer than 1024 KiB (starts with \"\\x1b\\x1b"), std::string::npos)
      << st.error().message.substr(0, 300);
  EXPECT_LT(st.error().message.size(), 400u);
}

TEST(InputRulesManifest, ProductIdsAreCheckedAndBounded) {
  EXPECT_TRUE(parse_manifest_line(manifest_line("a", R"(, "product": "ssl_dv_geotrust")"), "/tmp", "m:1").ok());
  for (const std::string& product : std::vector<std::string>{"ssl_dv/../../account", std::string(65, 'a'), "SSL DV"}) {
    auto r = parse_manifest_line(manifest_line("a", R"(, "product": ")" + product + "\""), "/tmp", "m:1");
    ASSERT_FALSE(r.ok()) << product;
    EXPECT_NE(r.error().message.find("is not a product id"), std::string::npos) << r.error().message;
  }
  EXPECT_TRUE(certcentral::validate_product_id(std::string(64, 'a')).ok());
  EXPECT_FALSE(certcentral::validate_product_id(std::string(65, 'a')).ok());
}

// ---- one name cap ----------------------------------------------------------------------------

std::vector<std::string> many_names(std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back("n" + std::to_string(i) + ".example.test");
  return out;
}

TEST(InputRulesNameCap, CsrNewAndTheManifestShareOneCap) {
  CsrRequest request;
  request.common_name = "example.test";
  request.sans = many_names(kMaxCertificateNames);  // 251 with the CN
  auto csr = generate_csr(request);
  ASSERT_FALSE(csr.ok());
  EXPECT_EQ(csr.error().code, "names.too_many");
  request.sans.pop_back();
  EXPECT_TRUE(generate_csr(request).ok());

  std::string names;
  for (const auto& n : many_names(kMaxCertificateNames + 1)) names += (names.empty() ? "\"" : ", \"") + n + "\"";
  auto m = parse_manifest_line(R"({"id": "a", "names": [)" + names + R"(], "method": "dns", "publish": {"hook": "true"}})",
                               "/tmp", "m:1");
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.error().message.find(csr.error().message), std::string::npos) << m.error().message;
}

TEST(InputRulesNameCap, OrderSubmitRefusesMoreNamesBeforeAnyRequest) {
  TempDir dir;
  const std::string csr = dir.file("req.csr");
  ASSERT_EQ(run_dcvkit({"csr", "new", "--cn", "example.test", "--key-out", dir.file("k.pem"), "--csr-out", csr}).exit_code, 0);
  std::vector<std::string> args = {"order", "submit", "--csr", csr, "--product", "ssl_dv_geotrust", "--method", "dns",
                                   "--dry-run", "--api-url", "https://127.0.0.1:9/services/v2"};
  for (const auto& n : many_names(kMaxCertificateNames)) args.insert(args.end(), {"--san", n});
  RunOptions o;
  o.env["DCVKIT_API_KEY"] = "fake-key-0123456789";
  auto r = run_bounded(args, o);
  EXPECT_EQ(r.exit_code, 3) << r.all().substr(0, 500);
  EXPECT_NE(r.err.find("more than the 250 one certificate may hold"), std::string::npos) << r.err.substr(0, 500);
}

// ---- key files -------------------------------------------------------------------------------

TEST(InputRulesKeyFiles, FifosAndDevicesAreRefusedAtOnce) {
  TempDir dir;
  const std::string csr = dir.file("req.csr");
  ASSERT_EQ(run_dcvkit({"csr", "new", "--cn", "example.test", "--key-out", dir.file("k.pem"), "--csr-out", csr}).exit_code, 0);
  const std::string fifo = make_fifo(dir, "authkey.fifo");
  const auto start = Clock::now();
  auto r = run_bounded({"token", "new", "--csr", csr, "--auth-key-file", fifo});
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_NE(r.err.find("AuthKey file '" + fifo + "' is a FIFO (named pipe), not a regular file"), std::string::npos) << r.err;
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - start).count(), 10.0);

  auto null = run_bounded({"token", "new", "--csr", csr, "--auth-key-file", "/dev/null"});
  EXPECT_EQ(null.exit_code, 3) << null.all();
  EXPECT_NE(null.err.find("'/dev/null' is a device"), std::string::npos) << null.err;
  EXPECT_EQ(null.err.find("chmod"), std::string::npos) << "no chmod hint for a device: " << null.err;

  auto api = run_bounded({"authkey", "show", "--api-key-file", fifo, "--api-url", "https://127.0.0.1:9/services/v2"});
  EXPECT_EQ(api.exit_code, 3) << api.all();
  EXPECT_NE(api.err.find("API key file '" + fifo + "' is a FIFO"), std::string::npos) << api.err;

  auto tsig = load_tsig_key_file(fifo);
  ASSERT_FALSE(tsig.ok());
  EXPECT_EQ(tsig.error().code, "io.not_regular_file");
}

// ---- the AuthKey -----------------------------------------------------------------------------

TEST(InputRulesAuthKey, DoubtfulKeysAreNamed) {
  EXPECT_TRUE(auth_key_doubts(kAuthKey).empty());
  auto one = [](const std::string& key) {
    auto d = auth_key_doubts(key);
    return d.size() == 1 ? d.front() : "(" + std::to_string(d.size()) + " doubts)";
  };
  EXPECT_NE(one(kAuthKey + "\r").find("carriage return"), std::string::npos);
  EXPECT_NE(one(kAuthKey.substr(0, 16) + "\t" + kAuthKey.substr(16)).find("control character"), std::string::npos);
  EXPECT_NE(one(kAuthKey.substr(0, 30) + "\xc3\xa9").find("non-ASCII"), std::string::npos);
  EXPECT_NE(one("abc").find("3 bytes long"), std::string::npos);
  EXPECT_NE(one(std::string(200, 'a')).find("200 bytes long"), std::string::npos);
}

TEST(InputRulesAuthKey, TheCommandWarnsAndSaysWhichSourceWins) {
  TempDir dir;
  const std::string csr = dir.file("req.csr");
  ASSERT_EQ(run_dcvkit({"csr", "new", "--cn", "example.test", "--key-out", dir.file("k.pem"), "--csr-out", csr}).exit_code, 0);
  const std::string crlf = dir.write("crlf.key", kAuthKey + "\r\r\n");
  auto r = run_bounded({"token", "new", "--csr", csr, "--auth-key-file", crlf});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: the AuthKey looks wrong: it ends in a carriage return"), std::string::npos) << r.err;

  const std::string good = dir.write("good.key", kAuthKey + "\n");
  RunOptions env;
  env.env["DCVKIT_AUTH_KEY"] = "another-key-from-the-environment";
  auto both = run_bounded({"token", "new", "--csr", csr, "--auth-key-file", good, "--timestamp", "20251201000000"}, env);
  auto file_only = run_bounded({"token", "new", "--csr", csr, "--auth-key-file", good, "--timestamp", "20251201000000"});
  EXPECT_EQ(both.exit_code, 0) << both.err;
  EXPECT_NE(both.err.find("DCVKIT_AUTH_KEY is set and ignored: --auth-key-file wins"), std::string::npos) << both.err;
  EXPECT_EQ(both.out, file_only.out) << "the file's key made the token";
}

// ---- one name per concept, durations with units ---------------------------------------------

TEST(InputRulesOptions, TimeoutsAreDurationsAndTheOldSpellingsAreHidden) {
  const auto check_help = run_bounded({"check", "--help"});
  EXPECT_NE(check_help.out.find("--dns-timeout DURATION"), std::string::npos) << check_help.out;
  EXPECT_EQ(check_help.out.find("--timeout"), std::string::npos) << "hidden: " << check_help.out;
  const auto submit_help = run_bounded({"order", "submit", "--help"});
  EXPECT_NE(submit_help.out.find("--dns-timeout DURATION"), std::string::npos) << submit_help.out;
  EXPECT_NE(submit_help.out.find("--timeout DURATION"), std::string::npos) << submit_help.out;
  EXPECT_EQ(submit_help.out.find("--check-timeout"), std::string::npos) << submit_help.out;
  const auto publish_help = run_bounded({"publish", "--help"});
  EXPECT_NE(publish_help.out.find("--update-timeout DURATION"), std::string::npos) << publish_help.out;
  EXPECT_EQ(publish_help.out.find("--dns-timeout"), std::string::npos) << publish_help.out;

  // A number without its unit is refused with the two readings it could have.
  auto bare = run_bounded({"check", "--name", "a.example.test", "--method", "dns", "--token", kToken, "--dns-timeout", "3000"});
  EXPECT_EQ(bare.exit_code, 2) << bare.all();
  EXPECT_NE(bare.err.find("--dns-timeout must be a duration"), std::string::npos) << bare.err;
  EXPECT_NE(bare.err.find("3000ms or 3000s"), std::string::npos) << bare.err;
  // The old spellings still parse (milliseconds), for one release.
  for (const auto& old : {std::vector<std::string>{"check", "--timeout", "1500", "--help"},
                          std::vector<std::string>{"order", "submit", "--check-timeout", "1500", "--help"},
                          std::vector<std::string>{"publish", "--dns-timeout", "1500", "--help"},
                          std::vector<std::string>{"order", "download", "1", "--timeout", "90", "--help"},
                          std::vector<std::string>{"order", "download", "1", "--timeout", "10m", "--help"}}) {
    auto r = run_bounded(old);
    EXPECT_EQ(r.exit_code, 0) << old[0] << " " << old[1] << ": " << r.all();
  }
}

// ---- empty values, local errors ------------------------------------------------------------

TEST(InputRulesOptions, AnEmptyValueGetsAHint) {
  auto r = run_bounded({"csr", "new", "--cn", "example.test", "--key-out", "", "--csr-out", "x.csr"});
  EXPECT_EQ(r.exit_code, 2) << r.all();
  EXPECT_NE(r.err.find("--key-out is given an empty value"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("shell variable"), std::string::npos) << r.err;
  auto out = run_bounded({"authkey", "show", "--out", ""});
  EXPECT_EQ(out.exit_code, 2) << out.all();
  EXPECT_NE(out.err.find("--out is given an empty value"), std::string::npos) << out.err;
}

TEST(InputRulesApi, AHugeHostIsRefusedBeforeAnyRequest) {
  auto url = certcentral::resolve_api_url("https://" + std::string(130 * 1024, 'a') + "/services/v2");
  ASSERT_FALSE(url.ok());
  EXPECT_EQ(url.error().code, "api.bad_url");
  EXPECT_LT(url.error().message.size(), 200u);
}

TEST(InputRulesApi, AUrlLibcurlRefusesIsNotRetried) {
  TempDir dir;
  const std::string key = dir.write("api.key", "fake-key-0123456789\n");
  const auto start = Clock::now();
  auto r = run_bounded({"authkey", "show", "--api-key-file", key, "--api-url", "https://127.0.0.1:99999/services/v2",
                        "--api-retries", "5"});
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(r.exit_code, 14) << r.all();
  EXPECT_NE(r.err.find("the request cannot be made"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("try again later"), std::string::npos) << r.err;
  EXPECT_LT(secs, 3.0) << "retried with backoff: " << r.err;
}

}  // namespace
