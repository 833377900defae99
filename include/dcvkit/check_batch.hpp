// Thousands of checks at network speed: requests stream in, DNS and HTTP probes run concurrently
// in their own event loops, results stream out. Memory does not grow with the input.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dcvkit/check.hpp"
#include "dcvkit/check_caa.hpp"

namespace dcvkit {

struct CheckRequest {
  std::string name;  // as given: it is validated here, an invalid one yields a "name.*" result
  DcvMethod method = DcvMethod::Dns;  // the lane: acme-dns-01 is checked by DNS, acme-http-01 by HTTP
  std::shared_ptr<const TokenExpectation> expected;  // request tokens (kind RequestToken)
  TokenKind kind = TokenKind::RequestToken;
  std::string key_authorization{};  // ACME kinds: token "." account key thumbprint (RFC 8555 §8.1)
  // false: no CAA for this name even when the service checks CAA — the name is ordered from a CA
  // whose identity is not the service's (an ACME line of dcvkit run; that CA checks CAA itself).
  bool caa = true;
};

// The pre-check of one ACME challenge before it is answered (the CA tries it once): http-01 fetches
// http://<name>/.well-known/acme-challenge/<token> (the token is the key authorization up to its
// '.') with Let's Encrypt's redirect rules and wants the key authorization as the body; dns-01
// wants base64url(SHA-256(key authorization)) in one TXT record at _acme-challenge.<name> ("*.x"
// at _acme-challenge.x) on every authoritative server. It goes through CheckService /
// run_check_batch like any other request; its CheckResult has the same `kind`. A key
// authorization that is not token.thumbprint yields an "acme.key_authorization_invalid" result.
CheckRequest acme_check_request(std::string name, AcmeChallengeKind kind, std::string key_authorization);
// Empty when `key_authorization` is token.thumbprint (a base64url token of 1..128 characters, a
// dot, a 43-character base64url SHA-256 thumbprint); else why not, for a message.
std::string key_authorization_problem(std::string_view key_authorization);

struct CheckBatchOptions {
  DnsProbeOptions dns;  // dns.dnssec: validate the deciding answers
  CaaOptions caa;       // CAA for every name, whatever its method (asked through dns.resolver)
  HttpProbeOptions http;
  std::size_t concurrency = 200;  // names in flight per method
  const Clock* clock = nullptr;   // null: the system clock
  // HTTP event loops, each on its own thread with its share of `concurrency` and of
  // http.max_in_flight (TLS handshakes keep a loop's core busy). 0: one per hardware thread.
  std::size_t http_loops = 0;
};

// The checking machinery of a whole run: the DNS event loop, the HTTP loops and their caches
// (zone servers, CAA sets: reused for kLookupMaxAge), started when a method's first name arrives
// and kept until the service goes. `dcvkit run` builds one and every certificate's checks go
// through it; a re-check round reuses what the last round looked up.
class CheckService {
 public:
  explicit CheckService(CheckBatchOptions options);
  ~CheckService();
  CheckService(const CheckService&) = delete;
  CheckService& operator=(const CheckService&) = delete;

  // Calls `next` (on the calling thread) until it returns nothing, and `on_result` (one call at a
  // time, in completion order) for every request; returns when all of them are answered. Several
  // threads may call at once: their names share the service's concurrency. Fails only when a
  // method's probe cannot be set up (reading stops, what was started is finished).
  Status check(const std::function<std::optional<CheckRequest>()>& next,
               const std::function<void(CheckResult)>& on_result);
  // The same, with the request each result answers (its name normalised): what a re-check needs.
  using AnsweredHandler = std::function<void(CheckResult, const CheckRequest& asked)>;
  Status check_each(const std::function<std::optional<CheckRequest>()>& next, const AnsweredHandler& on_result);

 private:
  class Lanes;
  std::unique_ptr<Lanes> lanes_;
};

// One batch on a service of its own (`dcvkit check` without --watch, tests).
Status run_check_batch(const CheckBatchOptions& options, const std::function<std::optional<CheckRequest>()>& next,
                       const std::function<void(CheckResult)>& on_result);

}  // namespace dcvkit
