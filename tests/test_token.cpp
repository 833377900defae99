#include <gtest/gtest.h>

#include "dcvkit/time.hpp"
#include "dcvkit/token.hpp"
#include "support/vectors.hpp"

namespace {

using namespace dcvkit;
using dcvkit::test::token_vectors;

UnixSeconds ts(const char* compact) { return *parse_compact_timestamp(compact); }

TEST(TokenVectors, EveryVectorThroughComputeToken) {
  for (const auto& v : token_vectors()) {
    auto token = compute_token(v.auth_key, v.csr, ts(v.timestamp.c_str()));
    ASSERT_TRUE(token.ok()) << v.id;
    EXPECT_EQ(*token, v.token) << v.id << " (" << v.category << ")";
  }
}

TEST(TokenVectors, EveryVectorThroughOneReusedEngineAndItsClone) {
  // The batch path: one engine per key, reused; a clone must give the same bytes.
  for (const auto& v : token_vectors()) {
    auto engine = TokenEngine::create(v.auth_key);
    ASSERT_TRUE(engine.ok());
    auto clone = engine->clone();
    ASSERT_TRUE(clone.ok());
    for (int round = 0; round < 3; ++round) {
      char out[kTokenLength];
      engine->compute_into(v.csr, v.timestamp, out);
      EXPECT_EQ(std::string(out, kTokenLength), v.token) << v.id << " round " << round;
      clone->compute_into(v.csr, v.timestamp, out);
      EXPECT_EQ(std::string(out, kTokenLength), v.token) << v.id << " clone";
    }
  }
}

TEST(TokenVectors, EveryVectorVerifiesAtItsOwnTimestamp) {
  for (const auto& v : token_vectors()) {
    FixedClock clock(ts(v.timestamp.c_str()));
    auto r = verify_token(v.token, v.auth_key, v.csr, clock);
    EXPECT_TRUE(r.ok()) << v.id << ": " << (r.ok() ? "" : r.error().message);
  }
}

TEST(Token, ShapeAndPadding) {
  auto t = compute_token("k", "csr", ts("20240229235959"));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->size(), kTokenLength);
  EXPECT_EQ(t->substr(0, 14), "20240229235959");
  EXPECT_EQ(t->find_first_not_of("0123456789abcdefghijklmnopqrstuvwxyz"), std::string::npos);
  int padded = 0;
  for (const auto& v : token_vectors()) padded += v.token[14] == '0';
  EXPECT_GT(padded, 0) << "the vectors include short MACs; padding must keep them 64 chars";
}

TEST(Token, EmptyKeyRefused) {
  auto e = TokenEngine::create("");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, "authkey.empty");
}

TEST(Token, KeysAroundTheHmacBlockSizeDiffer) {
  // RFC 2104: keys longer than the 64-byte block are hashed first; 64 exactly is not.
  std::string k63(63, 'a'), k64(64, 'a'), k65(65, 'a');
  const auto t = ts("20260101000000");
  EXPECT_NE(*compute_token(k63, "x", t), *compute_token(k64, "x", t));
  EXPECT_NE(*compute_token(k64, "x", t), *compute_token(k65, "x", t));
  // A key with an embedded NUL is not cut at the NUL.
  EXPECT_NE(*compute_token(std::string("ab\0cd", 5), "x", t), *compute_token("ab", "x", t));
}

TEST(Token, ComputeRangeIs1970To9999) {
  EXPECT_TRUE(compute_token("k", "c", ts("19700101000000")).ok());
  EXPECT_TRUE(compute_token("k", "c", ts("99991231235959")).ok());
  auto before = compute_token("k", "c", -1);
  ASSERT_FALSE(before.ok());
  EXPECT_EQ(before.error().code, "timestamp.out_of_range");
  EXPECT_FALSE(compute_token("k", "c", ts("99991231235959") + 1).ok());
}

TEST(TokenParse, AcceptsWellFormed) {
  const auto& v = token_vectors().front();
  auto p = parse_token(v.token);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->timestamp, ts(v.timestamp.c_str()));
}

TEST(TokenParse, RejectsMalformed) {
  const std::string good = token_vectors().front().token;
  std::vector<std::string> bad = {
      "", good.substr(0, 63), good + "0", std::string(64, 'a'),
      "20230229000000" + good.substr(14),  // no Feb 29 in 2023
      "20241301000000" + good.substr(14),  // month 13
      "20240101240000" + good.substr(14),  // hour 24
      "20240101006000" + good.substr(14),  // minute 60
      good.substr(0, 14) + std::string(49, 'a') + "A",  // uppercase: the CA compares case-sensitively
      good.substr(0, 14) + std::string(49, 'a') + "-",
      good.substr(0, 14) + std::string(49, 'a') + std::string(1, '\0'),
      std::string(100000, '2'),
  };
  for (const auto& b : bad) {
    auto p = parse_token(b);
    ASSERT_FALSE(p.ok()) << b.substr(0, 80);
    EXPECT_EQ(p.error().kind, ErrorKind::TokenMalformed);
    EXPECT_LT(p.error().message.size(), 300u) << "a huge input must not be echoed whole";
  }
}

TEST(TokenWindow, Edges) {
  const UnixSeconds t = ts("20260101120000");
  EXPECT_EQ(inspect_token(t, t - 1).status, TokenStatus::NotYetValid);
  EXPECT_EQ(inspect_token(t, t - 1).seconds_until_valid, 1);
  EXPECT_EQ(inspect_token(t, t).status, TokenStatus::Valid);
  EXPECT_EQ(inspect_token(t, t).seconds_left, 30 * 86400);
  EXPECT_EQ(inspect_token(t, t + 30 * 86400).status, TokenStatus::Valid);  // exactly 30 days old
  EXPECT_EQ(inspect_token(t, t + 30 * 86400).seconds_left, 0);
  EXPECT_EQ(inspect_token(t, t + 30 * 86400 + 1).status, TokenStatus::Expired);
  EXPECT_EQ(inspect_token(t, t).valid_until, ts("20260131120000"));
}

TEST(TokenVerify, EachOutcomeHasItsOwnKind) {
  const std::string key = "verify-key", csr = "-----BEGIN CERTIFICATE REQUEST-----\nabc\n-----END CERTIFICATE REQUEST-----\n";
  const UnixSeconds t = ts("20260101120000");
  const std::string token = *compute_token(key, csr, t);
  FixedClock clock(t + 30 * 86400);
  EXPECT_TRUE(verify_token(token, key, csr, clock).ok());

  auto kind_at = [&](const std::string& tok, const std::string& k, const std::string& c, UnixSeconds now) {
    clock.set(now);
    auto r = verify_token(tok, k, c, clock);
    return r.ok() ? std::string("ok") : r.error().code;
  };
  EXPECT_EQ(kind_at(token, key, csr, t + 30 * 86400 + 1), "token.expired");
  EXPECT_EQ(kind_at(token, key, csr, t - 1), "token.not_yet_valid");
  EXPECT_EQ(kind_at(token, "other-key", csr, t), "token.mismatch");
  EXPECT_EQ(kind_at(token, key, csr + "\n", t), "token.mismatch");  // one extra byte of CSR text
  std::string flipped = token;
  flipped[63] = flipped[63] == 'a' ? 'b' : 'a';
  EXPECT_EQ(kind_at(flipped, key, csr, t), "token.mismatch");
  EXPECT_EQ(kind_at(token.substr(1), key, csr, t), "token.malformed");
}

}  // namespace

namespace {

TEST(TokenScan, FindsEveryCandidateTheCaWould) {
  const UnixSeconds now = ts("20261123120000");
  const std::string a = *compute_token("k", "a", ts("20261120000000"));
  const std::string b = *compute_token("k", "b", ts("20251225000000"));  // previous year: still scanned
  const std::string old = *compute_token("k", "c", ts("20240101000000"));  // two years back: not a candidate
  const std::string body = "some text " + a + "\n" + old + "\r\n  " + b + "\n" + a + "\ntrailing 2026 short";
  const auto found = scan_token_candidates(body, now);
  EXPECT_EQ(found, (std::vector<std::string>{a, b})) << "in text order, each once, nothing from 2024 or a short tail";
  EXPECT_TRUE(scan_token_candidates("", now).empty());
  EXPECT_TRUE(scan_token_candidates(a.substr(0, 63), now).empty());
  // Two tokens glued together (multi-string TXT values are joined) are both found.
  EXPECT_EQ(scan_token_candidates(a + b, now), (std::vector<std::string>{a, b}));
}

}  // namespace
