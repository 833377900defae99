#include "dcvkit/token.hpp"

#include <openssl/crypto.h>

#include "dcvkit/time.hpp"
#include "util/display.hpp"

namespace dcvkit {
namespace {

bool is_digit_or_lower(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'); }

Error malformed(std::string message, std::string hint) {
  return make_error(ErrorKind::TokenMalformed, "token.malformed", std::move(message), std::move(hint));
}

// Only a short, escaped prefix of untrusted input goes into a message.
std::string quoted_prefix(std::string_view s) { return "'" + detail::printable(s, 70) + "'"; }

}  // namespace

Result<std::string> compute_token(std::string_view auth_key, std::string_view csr_bytes, UnixSeconds timestamp) {
  auto engine = TokenEngine::create(auth_key);
  if (!engine) return engine.error();
  return engine->compute(csr_bytes, timestamp);
}

Result<ParsedToken> parse_token(std::string_view text) {
  if (text.size() != kTokenLength)
    return malformed("token " + quoted_prefix(text) + " has " + std::to_string(text.size()) + " characters, not 64",
                     "a request token is 14 timestamp digits followed by 50 base-36 characters");
  auto ts = parse_compact_timestamp(text.substr(0, kTimestampLength));
  if (!ts)
    return malformed("token " + quoted_prefix(text) + " does not start with a valid yyyyMMddHHmmss UTC time",
                     ts.error().hint);
  for (std::size_t i = kTimestampLength; i < kTokenLength; ++i) {
    if (!is_digit_or_lower(text[i]))
      return malformed("token " + quoted_prefix(text) + " has an invalid character at position " + std::to_string(i + 1),
                       "after the timestamp only 0-9 and lowercase a-z may follow (the CA compares case-sensitively)");
  }
  return ParsedToken{std::string(text), *ts};
}

std::string_view to_string(TokenStatus status) {
  switch (status) {
    case TokenStatus::NotYetValid: return "not_yet_valid";
    case TokenStatus::Valid: return "valid";
    case TokenStatus::Expired: return "expired";
  }
  return "unknown";
}

TokenInspection inspect_token(UnixSeconds timestamp, UnixSeconds now) {
  TokenInspection r;
  r.valid_from = timestamp;
  r.valid_until = timestamp + kTokenValiditySeconds;
  if (now < r.valid_from) {
    r.status = TokenStatus::NotYetValid;
    r.seconds_until_valid = r.valid_from - now;
  } else if (now > r.valid_until) {
    r.status = TokenStatus::Expired;
  } else {
    r.status = TokenStatus::Valid;
    r.seconds_left = r.valid_until - now;
  }
  return r;
}

Result<TokenInspection> verify_token(std::string_view token, std::string_view auth_key, std::string_view csr_bytes,
                                     const Clock& clock) {
  auto parsed = parse_token(token);
  if (!parsed) return parsed.error();
  auto engine = TokenEngine::create(auth_key);
  if (!engine) return engine.error();
  char expected[kTokenLength];
  engine->compute_into(csr_bytes, token.substr(0, kTimestampLength), expected);
  if (CRYPTO_memcmp(expected, token.data(), kTokenLength) != 0)
    return make_error(ErrorKind::TokenMismatch, "token.mismatch",
                      "the token was not made from this CSR text and AuthKey",
                      "check the AuthKey, the CSR file and the CSR form (try --all-forms)");
  const TokenInspection info = inspect_token(parsed->timestamp, clock.now());
  if (info.status == TokenStatus::Expired)
    return make_error(ErrorKind::TokenExpired, "token.expired",
                      "the token expired at " + format_iso8601(info.valid_until) + " (30 days after its timestamp)",
                      "make a new token: dcvkit token new");
  if (info.status == TokenStatus::NotYetValid)
    return make_error(ErrorKind::TokenNotYetValid, "token.not_yet_valid",
                      "the token is not valid before " + format_iso8601(info.valid_from) + " (its timestamp is in the future)",
                      "wait until then, or make a token for now: dcvkit token new --valid-from now");
  return info;
}

}  // namespace dcvkit
