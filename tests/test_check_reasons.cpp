// Reasons that name the real cause (issue 15 §4): answers a real server will not send on demand
// (malformed, truncated, non-authoritative) from a scripted fake server that plays both the
// resolver and the zone's only nameserver; a local resolver that refuses; one ranking table.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "dcvkit/check.hpp"
#include "dcvkit/check_dns.hpp"
#include "dcvkit/time.hpp"
#include "support/doc_sources.hpp"
#include "support/fake_dns.hpp"
#include "util/display.hpp"

namespace {

using namespace dcvkit;
using dcvkit::test::FakeDnsMode;
using dcvkit::test::FakeDnsServer;
using Bytes = std::vector<unsigned char>;

constexpr std::uint16_t kTxt = 16, kNs = 2, kA = 1, kSoa = 6;
const std::string kZone = "example.test";
const std::string kName = "shop.example.test";

void put16(Bytes& b, unsigned v) {
  b.push_back(static_cast<unsigned char>(v >> 8));
  b.push_back(static_cast<unsigned char>(v & 0xff));
}

void put_name(Bytes& b, const std::string& name) {
  std::istringstream in(name);
  for (std::string label; std::getline(in, label, '.');) {
    b.push_back(static_cast<unsigned char>(label.size()));
    b.insert(b.end(), label.begin(), label.end());
  }
  b.push_back(0);
}

void put_record(Bytes& b, const std::string& owner, std::uint16_t type, const Bytes& rdata) {
  put_name(b, owner);
  put16(b, type);
  put16(b, 1);
  put16(b, 0);
  put16(b, 60);
  put16(b, static_cast<unsigned>(rdata.size()));
  b.insert(b.end(), rdata.begin(), rdata.end());
}

struct Query {
  std::uint16_t type = 0;
  std::size_t question_end = 0;  // just past the question
};

Query read_query(const Bytes& q) {
  Query out;
  std::size_t p = 12;
  while (p < q.size() && q[p] != 0) p += q[p] + 1u;
  out.type = static_cast<std::uint16_t>((q[p + 1] << 8) | q[p + 2]);
  out.question_end = p + 5;
  return out;
}

// Header and question of the query, answered with `flags3` (AA 0x04, TC 0x02 | 0x80 QR, in byte 2)
// and the given counts.
Bytes header(const Bytes& q, const Query& query, unsigned char byte2, unsigned an, unsigned ns, unsigned ar) {
  Bytes b(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(query.question_end));
  b[2] = static_cast<unsigned char>(0x80 | byte2 | (q[2] & 0x01));  // QR, and RD as asked
  b[3] = 0x80;                                                      // RA, NOERROR
  b[6] = 0, b[7] = static_cast<unsigned char>(an);
  b[8] = 0, b[9] = static_cast<unsigned char>(ns);
  b[10] = 0, b[11] = static_cast<unsigned char>(ar);
  return b;
}

// The fake as resolver (a negative CNAME answer naming the zone, the zone's NS with glue) and as
// the zone's nameserver (TXT, answered by `txt`).
FakeDnsServer make_zone_server(std::function<Bytes(const Bytes&, const Query&)> txt) {
  return FakeDnsServer([txt = std::move(txt)](const Bytes& q) -> Bytes {
    if (q.size() < 17) return {};
    const Query query = read_query(q);
    if (query.type == kTxt) return txt(q, query);
    if (query.type == kNs) {
      Bytes b = header(q, query, 0x04, 1, 0, 1);
      Bytes ns;
      put_name(ns, "ns." + kZone);
      put_record(b, kZone, kNs, ns);
      put_record(b, "ns." + kZone, kA, {127, 0, 0, 1});
      return b;
    }
    // CNAME (and anything else): no such record; the SOA in the authority section names the zone.
    Bytes b = header(q, query, 0x04, 0, 1, 0);
    Bytes soa;
    put_name(soa, "ns." + kZone);
    put_name(soa, "hostmaster." + kZone);
    for (int i = 0; i < 5; ++i) put16(soa, 0), put16(soa, 60);
    put_record(b, kZone, kSoa, soa);
    return b;
  });
}

DnsObservation probe(const FakeDnsServer& fake, int timeout_ms = 1500) {
  DnsProbeOptions o;
  o.resolver = HostPort{fake.address(), fake.port()};
  o.ns_port = fake.port();
  o.timeout_ms = timeout_ms;
  auto p = DnsProbe::create(o);
  EXPECT_TRUE(p.ok());
  DnsObservation out;
  if (!p) return out;
  (*p)->submit(kName, [&out](DnsObservation obs) { out = std::move(obs); });
  (*p)->run();
  return out;
}

CheckResult judged(const DnsObservation& obs) {
  return judge_dns(obs, *TokenExpectation::exact({"20261120000000" + std::string(50, 'a')}), system_clock().now());
}

TEST(CheckReasonsDns, AReferralFromAnAuthoritativeServerIsNotAuthoritative) {
  FakeDnsServer fake = make_zone_server([](const Bytes& q, const Query& query) {
    Bytes b = header(q, query, 0x00, 0, 1, 0);  // no AA: a referral to a child zone
    Bytes ns;
    put_name(ns, "ns.elsewhere.test");
    put_record(b, kName, kNs, ns);
    return b;
  });
  const auto obs = probe(fake);
  ASSERT_EQ(obs.owners.size(), 2u);
  ASSERT_EQ(obs.owners[0].answers.size(), 1u) << obs.owners[0].error_code << " " << obs.owners[0].error_detail;
  EXPECT_TRUE(obs.owners[0].answers[0].not_authoritative);
  const auto r = judged(obs);
  EXPECT_EQ(r.code, "dns.not_authoritative") << r.message;
  EXPECT_NE(r.message.find("without authority"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("does not serve example.test"), std::string::npos) << r.message;
}

struct Malformed {
  const char* what;
  std::function<Bytes(const Bytes&, const Query&)> txt;
  const char* problem;
};

TEST(CheckReasonsDns, MalformedAnswersHaveTheirOwnCodeAtOnce) {
  const std::vector<Malformed> cases = {
      {"ANCOUNT lies",
       [](const Bytes& q, const Query& query) { return header(q, query, 0x04, 3, 0, 0); },
       "the header counts 3 records in the answer section, but the message ends after 0"},
      {"RDLENGTH past the end",
       [](const Bytes& q, const Query& query) {
         Bytes b = header(q, query, 0x04, 1, 0, 0);
         put_record(b, kName, kTxt, {5, 'h', 'e', 'l', 'l', 'o'});
         b[b.size() - 7] = 200;  // the low byte of RDLENGTH
         return b;
       },
       "record 1 of the answer section: its RDLENGTH 200 runs past the end of the message"},
      {"compression loop",
       [](const Bytes& q, const Query& query) {
         Bytes b = header(q, query, 0x04, 1, 0, 0);
         const std::size_t at = b.size();
         b.push_back(static_cast<unsigned char>(0xC0 | (at >> 8)));  // a pointer to itself
         b.push_back(static_cast<unsigned char>(at & 0xff));
         put16(b, kTxt), put16(b, 1), put16(b, 0), put16(b, 60), put16(b, 1), b.push_back(0);
         return b;
       },
       "record 1 of the answer section: its name is malformed"},
  };
  for (const auto& c : cases) {
    FakeDnsServer fake = make_zone_server(c.txt);
    const int timeout_ms = 3000;
    const auto obs = probe(fake, timeout_ms);
    ASSERT_EQ(obs.owners.size(), 2u) << c.what;
    ASSERT_EQ(obs.owners[0].answers.size(), 1u) << c.what << ": " << obs.owners[0].error_detail;
    EXPECT_EQ(obs.owners[0].answers[0].rcode, "MALFORMED") << c.what;
    const auto r = judged(obs);
    EXPECT_EQ(r.code, "dns.malformed_answer") << c.what << ": " << r.message;
    EXPECT_NE(r.message.find(c.problem), std::string::npos) << c.what << ": " << r.message;
    EXPECT_EQ(r.message.find("Successful completion"), std::string::npos) << r.message;
    EXPECT_GT(obs.elapsed_ms, 0.0);
    EXPECT_LT(obs.elapsed_ms, timeout_ms / 2.0) << c.what << ": reported at once, not after a timeout";
  }
}

TEST(CheckReasonsDns, AMalformedAnswerFromTheResolverNamesTheResolver) {
  FakeDnsServer fake([](const Bytes& q) {
    const Query query = read_query(q);
    return header(q, query, 0x00, 2, 0, 0);  // ANCOUNT 2, no records
  });
  const auto obs = probe(fake);
  for (const auto& o : obs.owners) {
    EXPECT_EQ(o.error_code, "dns.malformed_answer") << o.error_detail;
    EXPECT_NE(o.error_detail.find("to the local resolver 127.0.0.1:" + std::to_string(fake.port())), std::string::npos)
        << o.error_detail;
    EXPECT_NE(o.error_detail.find("the answer is malformed: the header counts 2 records"), std::string::npos) << o.error_detail;
  }
  EXPECT_LT(obs.elapsed_ms, 750.0);
}

TEST(CheckReasonsDns, AnAlwaysTruncatedAnswerIsNotReportedAsEmpty) {
  // TC over UDP; the fake has no TCP side, so the retry over TCP finds nothing listening.
  FakeDnsServer fake = make_zone_server([](const Bytes& q, const Query& query) { return header(q, query, 0x04 | 0x02, 0, 0, 0); });
  const auto obs = probe(fake);
  ASSERT_EQ(obs.owners.size(), 2u);
  ASSERT_EQ(obs.owners[0].answers.size(), 1u) << obs.owners[0].error_detail;
  const auto r = judged(obs);
  EXPECT_EQ(r.code, "dns.timeout") << r.message;
  EXPECT_NE(r.message.find("did not answer for " + std::string("_dnsauth.") + kName + ": "), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("TCP"), std::string::npos) << r.message;
}

TEST(CheckReasonsDns, ARefusingLocalResolverIsNamedAsLocal) {
  FakeDnsServer fake(FakeDnsMode::Rcode, 5);
  const auto obs = probe(fake);
  const auto r = judged(obs);
  EXPECT_EQ(r.code, "dns.resolver_failed") << r.message;
  EXPECT_NE(r.message.find("local resolver 127.0.0.1:" + std::to_string(fake.port()) + " (--resolver) returned REFUSED"),
            std::string::npos)
      << r.message;
  EXPECT_NE(r.hint.find("local resolver"), std::string::npos) << r.hint;
  EXPECT_EQ(r.hint.find("the CA will time out"), std::string::npos) << r.hint;
  EXPECT_EQ(r.hint.find("see that server's log"), std::string::npos) << r.hint;
}

// ---- one ranking table -------------------------------------------------------------------------

TEST(CheckReasonsRank, ReadTimeoutOnHttpBeatsConnectionRefusedOnHttps) {
  HttpObservation o;
  o.name = "shop.example.test";
  HttpAttempt https{"https://shop.example.test/.well-known/pki-validation/fileauth.txt", {}, "http.connect_failed",
                    "https://shop.example.test/...: Failed to connect to 127.0.0.1 port 1", "", ""};
  HttpAttempt http{"http://shop.example.test/.well-known/pki-validation/fileauth.txt", {}, "http.timeout",
                   "http://shop.example.test/...: connected, but no complete answer within 5000 ms", "", ""};
  o.attempts = {https, http};
  const auto r = judge_http(o, *TokenExpectation::exact({"20261120000000" + std::string(50, 'a')}), system_clock().now());
  EXPECT_EQ(r.code, "http.timeout") << r.message;
  EXPECT_NE(r.message.find("no complete answer within 5000 ms"), std::string::npos) << r.message;
  EXPECT_EQ(r.message.find("port 1"), std::string::npos) << r.message;
}

// Every "dns.*" / "http.*" / "token.*" literal in src/check is in the table, with a rank.
TEST(CheckReasonsRank, EveryCodeTheCheckCanEmitHasARank) {
  static const std::regex literal(R"rx("((?:dns|http|token)\.[a-z0-9_]+)")rx");
  std::set<std::string> codes;
  for (const auto& e : std::filesystem::directory_iterator(dcvkit::test::source_root() / "src" / "check")) {
    if (e.path().extension() != ".cpp") continue;
    std::ifstream in(e.path());
    for (std::string line; std::getline(in, line);) {
      if (line.find("make_error") != std::string::npos) continue;
      for (std::sregex_iterator it(line.begin(), line.end(), literal), end; it != end; ++it) codes.insert((*it)[1]);
    }
  }
  ASSERT_GE(codes.size(), 25u);
  for (const auto& code : codes) {
    EXPECT_TRUE(is_reason_code(code)) << code << " is emitted but not in the table of src/check/hints.cpp";
    EXPECT_GT(reason_rank(code), 0) << code;
  }
  EXPECT_EQ(reason_rank("dns.no_such_code"), 0);
  EXPECT_GT(reason_rank("http.timeout"), reason_rank("http.connect_failed"));
}

// ---- what a terminal is shown ------------------------------------------------------------------

TEST(CheckReasonsDisplay, QuotesStayQuotesTerminalControlsAreEscaped) {
  EXPECT_EQ(detail::printable("cannot open CSR file 'shop.csr': Couldn't connect", 200),
            "cannot open CSR file 'shop.csr': Couldn't connect");
  EXPECT_EQ(detail::printable("a\x1b[31mb", 80), "a\\x1b[31mb");
  EXPECT_EQ(detail::printable("c\xc2\x9b" "31md", 80), "c\\xc2\\x9b31md");          // C1 CSI
  EXPECT_EQ(detail::printable("x\xe2\x80\xaey", 80), "x\\xe2\\x80\\xaey");           // RIGHT-TO-LEFT OVERRIDE
  EXPECT_EQ(detail::printable("caf\xc3\xa9 \xe2\x82\xac", 80), "caf\xc3\xa9 \xe2\x82\xac");  // ordinary text stays
  EXPECT_EQ(detail::printable("a\\b", 80), "a\\x5cb");
}

}  // namespace
