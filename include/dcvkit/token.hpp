// The request token (DESIGN §2):
//   token = yyyyMMddHHmmss (UTC) + base36(HMAC-SHA256(AuthKey, timestamp + CSR text)), the base-36
//   digits lowercase and left-padded with '0' to 50, so a token is always 64 characters.
// Valid from its timestamp to 30 days later, inclusive, as the CA checks it.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dcvkit/clock.hpp"
#include "dcvkit/error.hpp"

namespace dcvkit {

inline constexpr std::size_t kTimestampLength = 14;
inline constexpr std::size_t kDigitsLength = 50;
inline constexpr std::size_t kTokenLength = kTimestampLength + kDigitsLength;
inline constexpr UnixSeconds kTokenValiditySeconds = UnixSeconds{30} * 86400;

using Mac = std::array<std::uint8_t, 32>;

// The 256-bit big-endian value as 50 lowercase base-36 digits, zero-padded.
void base36_encode(const Mac& mac, char out[kDigitsLength]);
std::string base36_encode(const Mac& mac);

// HMAC-SHA256 keyed once, reused for any number of tokens. Not thread-safe: clone() one per thread.
class TokenEngine {
 public:
  static Result<TokenEngine> create(std::string_view auth_key);
  TokenEngine(TokenEngine&&) noexcept;
  TokenEngine& operator=(TokenEngine&&) noexcept;
  ~TokenEngine();

  Result<TokenEngine> clone() const;

  // `timestamp` must be a valid time in years 1970-9999 (InvalidInput otherwise).
  Result<std::string> compute(std::string_view csr_bytes, UnixSeconds timestamp);
  // The hot path for batches: `timestamp14` already formatted, writes exactly 64 chars.
  void compute_into(std::string_view csr_bytes, std::string_view timestamp14, char out[kTokenLength]);
  Mac mac(std::string_view timestamp14, std::string_view csr_bytes);

 private:
  struct Impl;
  explicit TokenEngine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// What makes an AuthKey doubtful, one sentence each (empty: nothing). CertCentral hands out the
// AuthKey as a short string of ASCII letters and digits (the API's `auth_key`; 32 lowercase base-36
// characters in the sandbox), and the token is an HMAC over its exact bytes, so a control byte, a
// trailing carriage return (a file saved with CRLF endings, or twice), a non-ASCII byte, or a
// length outside kAuthKeyPlausibleLength almost always means a key that makes tokens the CA will
// not match. Doubts are warnings, not refusals: the format is not published, and a refusal would
// block a genuine key the day the CA changes it; `check --csr` shows a wrong key at once.
inline constexpr std::size_t kAuthKeyMinPlausibleLength = 12, kAuthKeyMaxPlausibleLength = 128;
std::vector<std::string> auth_key_doubts(std::string_view auth_key);

Result<std::string> compute_token(std::string_view auth_key, std::string_view csr_bytes, UnixSeconds timestamp);

struct ParsedToken {
  std::string text;      // the 64 characters
  UnixSeconds timestamp; // the instant in its first 14 digits
};

// 64 characters: a real UTC calendar time as yyyyMMddHHmmss, then 50 of [0-9a-z].
Result<ParsedToken> parse_token(std::string_view text);

enum class TokenStatus { NotYetValid, Valid, Expired };
std::string_view to_string(TokenStatus status);  // "not_yet_valid", "valid", "expired"

struct TokenInspection {
  UnixSeconds valid_from = 0;
  UnixSeconds valid_until = 0;  // valid_from + 30 days, still valid at that second
  TokenStatus status = TokenStatus::Valid;
  UnixSeconds seconds_left = 0;         // until expiry (0 unless valid)
  UnixSeconds seconds_until_valid = 0;  // until valid_from (0 unless not yet valid)
};

TokenInspection inspect_token(UnixSeconds timestamp, UnixSeconds now);

// The candidates the CA sees in a TXT value or a fileauth.txt body (DigiCert's validator): the
// 64 characters starting wherever the current or the previous UTC year's four digits occur, in text
// order, duplicates removed. Candidates are not parsed or checked here.
std::vector<std::string> scan_token_candidates(std::string_view text, UnixSeconds now);

// Recomputes the token from the CSR text and AuthKey and compares in constant time, then checks
// the window. Errors: TokenMalformed, TokenMismatch, TokenExpired, TokenNotYetValid.
Result<TokenInspection> verify_token(std::string_view token, std::string_view auth_key,
                                     std::string_view csr_bytes, const Clock& clock);

}  // namespace dcvkit
