// The library examples in examples/ run as a user would run them: their token must be the
// reference vectors' token and must verify with the dcvkit command; their batch check must give
// the verdicts the CA would reach against real BIND servers.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "dcvkit/csr.hpp"
#include "dcvkit/token.hpp"
#include "support/dns_fixture.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"
#include "support/vectors.hpp"

#if defined(DCVKIT_EXAMPLE_TOKEN_BIN) && defined(DCVKIT_EXAMPLE_CHECK_BATCH_BIN)

namespace {

using namespace dcvkit;
using namespace dcvkit::test;

const std::string kAuthKey = "examples-auth-key";

// The AuthKey goes where the examples and the command read it: the environment (nullopt: unset).
RunOptions with_auth_key(std::optional<std::string> auth_key) {
  RunOptions options;
  options.env["DCVKIT_AUTH_KEY"] = std::move(auth_key);
  return options;
}

RunResult run_token_example(const std::vector<std::string>& args, const std::string& auth_key) {
  std::vector<std::string> argv{DCVKIT_EXAMPLE_TOKEN_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv, with_auth_key(auth_key));
}

// The value printed after "<field> " at the start of a line, "" when there is none.
std::string field(const std::string& out, const std::string& name) {
  const std::string prefix = name + " ";
  for (std::size_t at = 0; at < out.size();) {
    const std::size_t end = out.find('\n', at);
    const std::string line = out.substr(at, end == std::string::npos ? std::string::npos : end - at);
    if (line.rfind(prefix, 0) == 0) return line.substr(line.find_first_not_of(' ', prefix.size()));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return "";
}

TEST(Examples, TokenExampleGivesEveryReferenceToken) {
  TempDir dir;
  for (const auto& v : token_vectors()) {
    const auto r = run_token_example({dir.write(v.id + ".csr", v.csr), v.timestamp}, v.auth_key);
    ASSERT_EQ(r.exit_code, 0) << v.id << ": " << r.all();
    EXPECT_EQ(field(r.out, "token"), v.token) << v.id;
    // Short keys (one character) occur in any text by chance.
    if (v.auth_key.size() >= 16) {
      EXPECT_EQ(r.all().find(v.auth_key), std::string::npos) << v.id << ": the AuthKey was printed";
    }
  }
}

TEST(Examples, TokenExampleTokenVerifiesWithTheCommand) {
  TempDir dir;
  CsrRequest request;
  request.common_name = "example.example.test";
  const std::string csr = dir.write("req.csr", generate_csr(request)->csr_pem);

  const auto made = run_token_example({csr}, kAuthKey);
  ASSERT_EQ(made.exit_code, 0) << made.all();
  const std::string token = field(made.out, "token");
  ASSERT_EQ(token.size(), kTokenLength) << made.out;
  EXPECT_EQ(field(made.out, "status_now"), "valid");

  const auto verified = run_dcvkit({"token", "verify", token, "--csr", csr}, with_auth_key(kAuthKey));
  EXPECT_EQ(verified.exit_code, 0) << verified.all();
  const auto other_key = run_dcvkit({"token", "verify", token, "--csr", csr}, with_auth_key("x"));
  EXPECT_EQ(other_key.exit_code, 6) << "a different AuthKey must not verify: " << other_key.all();
}

TEST(Examples, TokenExampleRejectsBadInputClearly) {
  TempDir dir;
  const std::string not_csr = dir.write("key.pem", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  const auto wrong_file = run_token_example({not_csr}, kAuthKey);
  EXPECT_EQ(wrong_file.exit_code, 3);
  EXPECT_NE(wrong_file.err.find("key.pem"), std::string::npos) << wrong_file.err;
  EXPECT_EQ(wrong_file.out, "");

  CsrRequest request;
  request.common_name = "bad-time.example.test";
  const std::string csr = dir.write("req.csr", generate_csr(request)->csr_pem);
  const auto bad_time = run_token_example({csr, "20261341000000"}, kAuthKey);
  EXPECT_EQ(bad_time.exit_code, 3) << bad_time.all();
  EXPECT_EQ(bad_time.out, "");

  const auto no_key = run_program({DCVKIT_EXAMPLE_TOKEN_BIN, csr}, with_auth_key(std::nullopt));
  EXPECT_EQ(no_key.exit_code, 2);
  EXPECT_NE(no_key.err.find("DCVKIT_AUTH_KEY"), std::string::npos) << no_key.err;
}

class CheckBatchExample : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { dns = new DnsFixture(); }
  static void TearDownTestSuite() {
    delete dns;
    dns = nullptr;
  }
  static RunResult run(const std::vector<std::string>& names, const std::string& token, const std::string& stdin_data = {}) {
    std::vector<std::string> argv{DCVKIT_EXAMPLE_CHECK_BATCH_BIN, "--resolver", dns->resolver().server(), "--ns-port",
                                  std::to_string(dns->ns_port()), token};
    argv.insert(argv.end(), names.begin(), names.end());
    RunOptions options;
    options.stdin_data = stdin_data;
    return run_program(argv, options);
  }
  static DnsFixture* dns;
};
DnsFixture* CheckBatchExample::dns = nullptr;

const std::string kToken = *compute_token(kAuthKey, "any CSR text", system_clock().now() - 3600);

TEST_F(CheckBatchExample, GivesTheCasVerdictPerName) {
  const std::string good = dns->token_on_both({kToken});
  const std::string partial = dns->token_on_ns1_only({kToken});
  const std::string missing = dns->nonexistent();
  const auto r = run({good, partial, missing}, kToken);
  EXPECT_EQ(r.exit_code, 1) << "some names fail: " << r.all();
  EXPECT_NE(r.out.find(good + " ok\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(partial + " dns.partial_propagation: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(missing + " dns.nxdomain: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("    hint: "), std::string::npos) << "a failing name says what to do: " << r.out;
}

TEST_F(CheckBatchExample, ReadsNamesFromStdinAndPassesWhenAllPass) {
  const std::string a = dns->token_on_both({kToken});
  const std::string b = dns->token_at_base({kToken});
  const auto r = run({}, kToken, a + "\n\n" + b + "\n");
  EXPECT_EQ(r.exit_code, 0) << r.all();
  EXPECT_NE(r.out.find(a + " ok\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(b + " ok\n"), std::string::npos) << r.out;
}

TEST_F(CheckBatchExample, UnusableResolverStopsTheBatchWithAReason) {
  const auto r = run_program({DCVKIT_EXAMPLE_CHECK_BATCH_BIN, "--resolver", "localhost", kToken, "a.example.test"});
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_NE(r.err.find("error: "), std::string::npos) << r.err;
  const auto no_port = run_program({DCVKIT_EXAMPLE_CHECK_BATCH_BIN, "--ns-port", "99999", kToken, "a.example.test"});
  EXPECT_EQ(no_port.exit_code, 2) << no_port.all();
  EXPECT_NE(no_port.err.find("--ns-port"), std::string::npos) << no_port.err;
}

}  // namespace

#endif  // the examples were built
