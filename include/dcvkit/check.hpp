// Pre-validation verdicts: what the CA would conclude for a name, with a stable reason code, a
// message saying what was seen where, and a hint saying what to fix.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "dcvkit/check_dns.hpp"
#include "dcvkit/check_http.hpp"
#include "dcvkit/clock.hpp"
#include "dcvkit/plan.hpp"
#include "dcvkit/token.hpp"

namespace dcvkit {

// Which tokens count: given ones exactly, or any token made from a CSR text (any of its forms)
// with the AuthKey. Safe to share between threads.
class TokenExpectation {
 public:
  static std::shared_ptr<TokenExpectation> exact(std::vector<std::string> tokens);
  static Result<std::shared_ptr<TokenExpectation>> from_csr(std::vector<std::string> csr_texts, std::string_view auth_key);
  bool matches(std::string_view candidate) const;
  bool csr_based() const { return engine_ != nullptr; }
  const std::vector<std::string>& tokens() const { return tokens_; }

 private:
  std::vector<std::string> tokens_;
  std::vector<std::string> csr_texts_;
  mutable std::unique_ptr<TokenEngine> engine_;
  mutable std::mutex mutex_;  // the engine is not thread-safe; matching is rare (only on candidates)
};

struct CheckResult {
  std::string name;
  DcvMethod method = DcvMethod::Dns;
  TokenKind kind = TokenKind::RequestToken;  // AcmeHttp01 / AcmeDns01: an ACME challenge was judged
  bool ok = false;
  std::string code;     // "ok" or a reason: dns.*, http.*, token.*
  std::string message;  // what was seen, where
  std::string hint;     // what to do about it
  std::vector<std::string> servers;       // DNS: one line per authoritative server and owner; HTTP: per address
  std::string url;                        // HTTP: the URL whose answer decided
  std::string owner;                      // acme-dns-01: the TXT owner judged
  std::string address;                    // HTTP: the IP address that answered it (all of them: --all-addresses)
  std::vector<std::string> tokens_found;  // every candidate seen (for mismatches)
  std::string token_found;                // the token that matched, if any
  UnixSeconds valid_until = 0;            // of token_found
  double elapsed_ms = 0;
};

// The hint a person gets for a reason code (the reference in docs/ lists the same).
std::string_view hint_for(std::string_view code);
// The same for an ACME challenge: a few codes get an ACME hint (docs/reason-codes.md, "ACME").
std::string_view hint_for(std::string_view code, TokenKind kind);
// How informative a failure is (higher: closer to success); the one table in src/check/hints.cpp.
// An unknown code ranks 0, below all (a test keeps every emitted code in the table).
int reason_rank(std::string_view code);
bool is_reason_code(std::string_view code);

// "dns-txt-token", "http-token", "acme-http-01" or "acme-dns-01".
std::string_view method_name(const CheckResult& result);

CheckResult judge_dns(const DnsObservation& observation, const TokenExpectation& expected, UnixSeconds now);
CheckResult judge_http(const HttpObservation& observation, const TokenExpectation& expected, UnixSeconds now);
// ACME (RFC 8555): http-01 wants the key authorization as the body of a 200 answer (trailing
// whitespace ignored, §8.3); dns-01 wants one TXT record equal to `txt_value` (§8.4).
CheckResult judge_acme_http(const HttpObservation& observation, std::string_view key_authorization);
CheckResult judge_acme_dns(const DnsObservation& observation, std::string_view txt_value);

}  // namespace dcvkit
