// Hostile sizes (issue 7): each input that can be made arbitrarily large gets a clear error or is
// handled within bounded memory and time. The bounds are measured from outside the code under
// test, in a forked child (support/limit_child): its resident-memory growth and its wall time.
// The time bounds are hang detectors (generous multiples of the real figures, also under ASan),
// not benchmarks.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "dcvkit/certcentral.hpp"
#include "dcvkit/check.hpp"
#include "dcvkit/csr.hpp"
#include "dcvkit/manifest.hpp"
#include "dcvkit/names.hpp"
#include "dcvkit/token.hpp"
#include "support/csr_fixtures.hpp"
#include "support/dns_server.hpp"
#include "support/limit_child.hpp"
#include "support/limit_stream_server.hpp"
#include "support/nginx_server.hpp"
#include "support/run.hpp"
#include "support/temp_dir.hpp"

namespace dcvkit {
namespace {

using test::ChildUsage;
using test::child_report;
using test::run_in_child;
using test::TempDir;

constexpr long kMiB = 1024;  // in KiB, the unit of ChildUsage::rss_growth_kib
constexpr UnixSeconds kNow = 1795435200;  // 2026-11-23T12:00:00Z
const std::string kToken = "20261123110000" + std::string(50, 'k');

// A bound on resident-memory growth, with room for what a sanitizer build holds itself.
long rss_bound(long kib) { return kib + test::kSanitizerRssSlackKib; }

std::string describe(const ChildUsage& u) {
  return "exit " + std::to_string(u.exit_code) + ", RSS +" + std::to_string(u.rss_growth_kib) + " KiB, " +
         std::to_string(u.seconds) + " s; " + u.message;
}

// The body's verdict as an exit code: 0 when `ok`, else 1 with `what` reported.
int verdict(bool ok, const std::string& what) {
  child_report(what);
  return ok ? 0 : 1;
}

std::string csr_pem() { return test::csr_pem({.common_name = "limits.example.com"}); }

// A file of `size` bytes that takes no disk: a hole after `head`.
std::string sparse_file(const TempDir& dir, const std::string& name, const std::string& head, std::uintmax_t size) {
  const std::string path = dir.write(name, head);
  std::filesystem::resize_file(path, size);
  return path;
}

// ---- CSR files --------------------------------------------------------------------------------

TEST(LimitsCsr, OneMegabyteLoadsOneByteMoreIsRefused) {
  TempDir dir;
  const std::string csr = csr_pem();
  // Text before the PEM block is allowed (and hashed as it is): pad up to the limit with it.
  const std::string at_limit = dir.write("at.csr", std::string(kMaxCsrFileBytes - csr.size() - 1, 'x') + "\n" + csr);
  auto ok = load_csr_file(at_limit);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->bytes.size(), kMaxCsrFileBytes);

  const std::string over = dir.write("over.csr", std::string(kMaxCsrFileBytes - csr.size(), 'x') + "\n" + csr);
  auto refused = load_csr_file(over);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "input.too_large");
  EXPECT_EQ(refused.error().kind, ErrorKind::InvalidInput);
  EXPECT_NE(refused.error().message.find("larger than 1048576 bytes"), std::string::npos) << refused.error().message;
}

TEST(LimitsCsr, GigabyteFileIsNotReadIntoMemory) {
  TempDir dir;
  const std::string path = sparse_file(dir, "huge.csr", csr_pem(), 1ull << 30);
  const auto u = run_in_child([&] {
    auto r = load_csr_file(path);
    return verdict(!r.ok() && r.error().code == "input.too_large", r.ok() ? "loaded" : r.error().code);
  });
  EXPECT_EQ(u.exit_code, 0) << describe(u);
  EXPECT_LT(u.rss_growth_kib, rss_bound(16 * kMiB)) << describe(u);
  EXPECT_LT(u.seconds, 10.0) << describe(u);
}

TEST(LimitsCsr, CommandLineSaysWhatIsWrongWithExitCode3) {
  TempDir dir;
  const std::string path = sparse_file(dir, "huge.csr", csr_pem(), 5ull << 20);
  const std::string key = dir.write("auth.key", "limits-auth-key\n");
  auto r = test::run_dcvkit({"token", "new", "--csr", path, "--auth-key-file", key});
  EXPECT_EQ(r.exit_code, 3) << r.all();
  EXPECT_NE(r.err.find("larger than 1048576 bytes"), std::string::npos) << r.err;
}

TEST(LimitsCsr, MegabyteOfArmourLinesIsRefusedInBoundedTime) {
  // Headers without footers, and thousands of complete blocks: the scan must stay linear.
  std::string headers;
  while (headers.size() < kMaxCsrFileBytes - 64) headers += "-----BEGIN CERTIFICATE REQUEST-----";
  const std::string block = csr_pem();
  std::string blocks;
  while (blocks.size() + block.size() < kMaxCsrFileBytes) blocks += block;
  const auto u = run_in_child([&] {
    auto a = parse_csr_text(headers, "headers.csr");
    auto b = parse_csr_text(blocks, "blocks.csr");
    const bool ok = !a.ok() && a.error().code == "csr.multiple_blocks" && !b.ok() && b.error().code == "csr.multiple_blocks";
    return verdict(ok, (a.ok() ? "a ok" : a.error().code) + " / " + (b.ok() ? "b ok" : b.error().code));
  });
  EXPECT_EQ(u.exit_code, 0) << describe(u);
  EXPECT_LT(u.seconds, 20.0) << describe(u);
  EXPECT_LT(u.rss_growth_kib, rss_bound(64 * kMiB)) << describe(u);
}

// ---- tokens -----------------------------------------------------------------------------------

TEST(LimitsToken, StringsOfAnyLengthAreMalformedWithAShortMessage) {
  const FixedClock clock(kNow);
  for (std::size_t length : {std::size_t{0}, std::size_t{63}, std::size_t{65}, std::size_t{1} << 20}) {
    const std::string text = std::string(kToken).substr(0, std::min(length, kToken.size())) +
                             std::string(length > kToken.size() ? length - kToken.size() : 0, 'a');
    ASSERT_EQ(text.size(), length);
    auto parsed = parse_token(text);
    ASSERT_FALSE(parsed.ok()) << length;
    EXPECT_EQ(parsed.error().code, "token.malformed") << length;
    EXPECT_NE(parsed.error().message.find("has " + std::to_string(length) + " characters, not 64"), std::string::npos)
        << parsed.error().message;
    // Only a short prefix of the input is quoted back, whatever its length.
    EXPECT_LT(parsed.error().message.size(), 200u) << length;
    auto verified = verify_token(text, "limits-auth-key", csr_pem(), clock);
    ASSERT_FALSE(verified.ok());
    EXPECT_EQ(verified.error().kind, ErrorKind::TokenMalformed);
  }
}

TEST(LimitsToken, CommandLineRefusesLongTokensWithExitCode5) {
  // 100 KiB: close to the largest single argument Linux passes (MAX_ARG_STRLEN, 128 KiB).
  for (std::size_t length : {std::size_t{0}, std::size_t{63}, std::size_t{65}, std::size_t{100} * 1024}) {
    auto r = test::run_dcvkit({"token", "inspect", std::string(length, '7')});
    // An empty argument is a usage error with a hint (usually an unset shell variable), not a token.
    EXPECT_EQ(r.exit_code, length == 0 ? 2 : 5) << length << ": " << r.err.substr(0, 300);
    EXPECT_LT(r.all().size(), 2000u) << length;
  }
}

TEST(LimitsToken, ScanningAMegabyteOfCandidatesIsLinear) {
  // A candidate every 8 bytes, all different: 131,072 of them. Removing duplicates by comparing
  // each with every earlier one took minutes here; a set takes milliseconds.
  std::string text;
  for (unsigned i = 0; text.size() < (1u << 20); ++i) {
    char block[9];
    std::snprintf(block, sizeof block, "2026%04x", i & 0xffffu);
    text += block;
  }
  const auto u = run_in_child([&] {
    const auto found = scan_token_candidates(text, kNow);
    return verdict(found.size() > 65000, std::to_string(found.size()) + " candidates");
  });
  EXPECT_EQ(u.exit_code, 0) << describe(u);
  EXPECT_LT(u.seconds, 10.0) << describe(u);
  EXPECT_LT(u.rss_growth_kib, rss_bound(64 * kMiB)) << describe(u);
}

// ---- names ------------------------------------------------------------------------------------

TEST(LimitsNames, TenThousandCharactersAreRefusedWithoutEchoingThem) {
  std::string labels;
  while (labels.size() < 10000) labels += "abcdefghi.";
  for (const std::string& name : {std::string(10000, 'a'), labels.substr(0, 10000), "*." + std::string(9998, 'b')}) {
    auto r = normalize_dns_name(name);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "name.too_long");
    EXPECT_LT(r.error().message.size(), 400u);
  }
  TempDir dir;
  auto cli = test::run_dcvkit({"csr", "new", "--cn", std::string(10000, 'a'), "--key-out", dir.file("k.pem"),
                               "--csr-out", dir.file("c.pem")});
  EXPECT_EQ(cli.exit_code, 3) << cli.err.substr(0, 300);
  EXPECT_NE(cli.err.find("at most 253"), std::string::npos) << cli.err.substr(0, 300);
  EXPECT_LT(cli.all().size(), 2000u);
  EXPECT_TRUE(dir.entries().empty()) << "nothing may be written";

  auto line = parse_manifest_line(R"({"id":"x","names":[")" + std::string(10000, 'a') +
                                      R"("],"method":"dns","publish":{"hook":"h"}})",
                                  "/srv", "m.jsonl:1");
  ASSERT_FALSE(line.ok());
  EXPECT_NE(line.error().message.find("m.jsonl:1 (x)"), std::string::npos) << line.error().message.substr(0, 300);
  EXPECT_LT(line.error().message.size(), 400u);
}

// ---- manifests --------------------------------------------------------------------------------

TEST(LimitsManifest, AMillionLinesAreStreamedInBoundedMemory) {
  TempDir dir;
  const std::string path = dir.file("million.jsonl");
  {
    std::ofstream out(path);
    char line[160];
    for (int i = 0; i < 1000000; ++i) {
      std::snprintf(line, sizeof line,
                    R"({"id":"c%07d","names":["c%07d.example.test"],"method":"dns","publish":{"hook":"h"}})"
                    "\n",
                    i, i);
      out << line;
    }
  }
  const auto u = run_in_child([&] {
    std::ifstream in(path);
    std::size_t entries = 0, last_line = 0;
    auto st = read_manifest(in, path, dir.path().string(), [&](ManifestEntry&& e) -> Status {
      ++entries;
      last_line = e.line;
      return {};
    });
    return verdict(st.ok() && entries == 1000000 && last_line == 1000000,
                   (st.ok() ? "" : st.error().message) + " " + std::to_string(entries) + " entries");
  }, 600);
  EXPECT_EQ(u.exit_code, 0) << describe(u);
  // What stays is the set of ids (for the duplicate check): about 80 bytes per line here. The
  // entries themselves (about 1 KiB each with their JSON) would be a gigabyte.
  EXPECT_LT(u.rss_growth_kib, rss_bound(192 * kMiB)) << describe(u);
  std::cout << "[ limits ] 1,000,000-line manifest streamed: " << describe(u) << "\n";
}

TEST(LimitsManifest, LineWithoutEndIsRefusedAfterOneMegabyte) {
  TempDir dir;
  const std::string path = sparse_file(dir, "one-line.jsonl", "{\"id\":\"", 64ull << 20);  // NUL bytes, no '\n'
  const auto u = run_in_child([&] {
    auto m = load_manifest(path);
    const bool ok = !m.ok() && m.error().message.find(path + ":1: line longer than 1024 KiB") != std::string::npos;
    return verdict(ok, m.ok() ? "loaded" : m.error().message);
  });
  EXPECT_EQ(u.exit_code, 0) << describe(u);
  EXPECT_LT(u.rss_growth_kib, rss_bound(16 * kMiB)) << describe(u);
}

// ---- DNS answers ------------------------------------------------------------------------------

// Knot, not BIND: BIND 9.18.28+ refuses RRsets of more than 100 records (max-records-per-type,
// the CVE-2024-1737 fix), so it cannot serve the answers this test needs.
class LimitsDns : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    test::DnsServerConfig config;
    config.impl = test::DnsImpl::Knot;
    config.zone = "limits.test";
    // 2,500 records in one RRset (about 50 KB: TCP after a truncated UDP answer), the token among them.
    for (int i = 0; i < 2500; ++i) config.records.push_back("_dnsauth.many IN TXT \"filler-" + std::to_string(i) + "\"");
    config.records.push_back("_dnsauth.many IN TXT \"" + kToken + "\"");
    // One record of 250 strings of 255 bytes (64,000 bytes), the token split across two of them.
    std::string strings;
    const std::string text = std::string(255 * 100 - 30, 'x') + kToken + std::string(255 * 150 + 30 - 64, 'y');
    for (std::size_t at = 0; at < text.size(); at += 255) strings += " \"" + text.substr(at, 255) + "\"";
    config.records.push_back("_dnsauth.long IN TXT" + strings);
    server_ = new test::DnsServer(config);
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static DnsProbeOptions options() {
    DnsProbeOptions o;
    o.resolver = {"127.0.0.1", server_->port()};
    o.ns_port = server_->port();
    o.timeout_ms = 5000;
    return o;
  }
  static CheckResult check(const std::string& name, std::size_t& values) {
    auto probe = DnsProbe::create(options());
    if (!probe) {
      CheckResult failed;
      failed.code = probe.error().code;
      return failed;
    }
    DnsObservation seen;
    (*probe)->submit(name, [&](DnsObservation o) { seen = std::move(o); });
    (*probe)->run();
    values = 0;
    for (const auto& owner : seen.owners)
      for (const auto& a : owner.answers) values = std::max(values, a.values.size());
    return judge_dns(seen, *TokenExpectation::exact({kToken}), kNow);
  }
  static test::DnsServer* server_;
};
test::DnsServer* LimitsDns::server_ = nullptr;

TEST_F(LimitsDns, ThousandsOfRecordsGiveAVerdict) {
  std::size_t values = 0;
  CheckResult r;
  const auto u = run_in_child([&] {
    r = check("many.limits.test", values);
    return verdict(r.ok && values == 2501, r.code + ": " + r.message.substr(0, 300) + " values " + std::to_string(values));
  });
  EXPECT_EQ(u.exit_code, 0) << describe(u);
  EXPECT_LT(u.seconds, 20.0) << describe(u);
  EXPECT_LT(u.rss_growth_kib, rss_bound(64 * kMiB)) << describe(u);
}

// Read as the CA's library renders it ("..." "..."), the split token is not there: dns.token_split.
TEST_F(LimitsDns, RecordOfHundredsOfStringsIsRenderedAndScanned) {
  std::size_t values = 0;
  const auto u = run_in_child([&] {
    const auto r = check("long.limits.test", values);
    return verdict(r.code == "dns.token_split" && values == 1, r.code + ": " + r.message.substr(0, 300));
  });
  EXPECT_EQ(u.exit_code, 0) << describe(u);
  EXPECT_LT(u.seconds, 20.0) << describe(u);
}

// ---- HTTP bodies ------------------------------------------------------------------------------

HttpObservation probe_http(const HttpProbeOptions& o, const std::string& host) {
  HttpObservation seen;
  auto probe = HttpProbe::create(o);
  if (!probe) return seen;
  (*probe)->submit(host, [&](HttpObservation obs) { seen = std::move(obs); });
  (*probe)->run();
  return seen;
}

TEST(LimitsHttp, GigabyteFileauthIsReadOnlyToTheCap) {
  test::NginxServer nginx;
  const std::string host = "huge.example.test";
  nginx.put_token_file(host, kToken + "\n");
  std::filesystem::resize_file(nginx.dir() + "/www/" + host + "/.well-known/pki-validation/fileauth.txt", 4ull << 30);
  HttpProbeOptions o;
  o.http_port = nginx.http_port();
  o.https_port = nginx.https_port();
  o.connect_address = "127.0.0.1";
  const auto u = run_in_child([&] {
    const auto seen = probe_http(o, host);
    if (seen.attempts.empty()) return verdict(false, "no attempt");
    const auto& a = seen.attempts.front();
    const auto r = judge_http(seen, *TokenExpectation::exact({kToken}), kNow);
    return verdict(r.ok && a.body.size() == o.body_limit && a.body.size() + a.beyond.size() <= o.diagnostic_limit,
                   r.code + " body " + std::to_string(a.body.size()) + " beyond " + std::to_string(a.beyond.size()));
  });
  EXPECT_EQ(u.exit_code, 0) << describe(u);
  EXPECT_LT(u.seconds, 10.0) << describe(u);
  EXPECT_LT(u.rss_growth_kib, rss_bound(32 * kMiB)) << describe(u);
}

TEST(LimitsHttp, EndlessBodyIsCutAndTheConnectionDropped) {
  test::StreamServer endless(kToken + "\n", 0);
  HttpProbeOptions o;
  o.http_port = endless.port();
  o.https_port = test::free_loopback_port();  // nothing listens: https fails at once, then http
  o.connect_address = "127.0.0.1";
  const auto u = run_in_child([&] {
    const auto seen = probe_http(o, "endless.example.test");
    const auto r = judge_http(seen, *TokenExpectation::exact({kToken}), kNow);
    return verdict(r.ok, r.code + ": " + r.message.substr(0, 300));
  });
  EXPECT_EQ(u.exit_code, 0) << describe(u);
  EXPECT_LT(u.seconds, 10.0) << describe(u);
  EXPECT_LT(u.rss_growth_kib, rss_bound(32 * kMiB)) << describe(u);
  // The server stops once the probe hangs up: what it sent is bounded by socket buffers.
  EXPECT_LT(endless.bytes_sent(), 64ull << 20);
}

// ---- API answers ------------------------------------------------------------------------------

TEST(LimitsApi, HundredMegabyteAnswerIsRefusedOnceWithAClearError) {
  test::StreamServer api("{\"products\":[", 100ull << 20);
  const auto u = run_in_child([&] {
    certcentral::ClientOptions o;
    o.base_url = api.url() + "/services/v2";
    o.api_key = Secret(std::string("limits-api-key"));
    auto client = certcentral::Client::connect(std::move(o));
    if (!client) return verdict(false, client.error().message);
    auto products = (*client)->products();
    if (products.ok()) return verdict(false, "accepted");
    const Error& e = products.error();
    return verdict(e.code == "api.answer_too_large" && e.kind == ErrorKind::Network &&
                       e.message.find("larger than 16 MiB") != std::string::npos,
                   e.code + ": " + e.message + " / " + e.hint);
  });
  EXPECT_EQ(u.exit_code, 0) << describe(u);
  EXPECT_LT(u.seconds, 30.0) << describe(u);
  EXPECT_LT(u.rss_growth_kib, rss_bound(96 * kMiB)) << describe(u);
  EXPECT_EQ(api.connections(), 1u) << "an oversized answer is not fetched again";
  EXPECT_LT(api.bytes_sent(), 64ull << 20);
}

}  // namespace
}  // namespace dcvkit
