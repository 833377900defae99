// Thousands of checks at network speed: requests stream in, DNS and HTTP probes run concurrently
// in their own event loops, results stream out. Memory does not grow with the input.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "dcvkit/check.hpp"
#include "dcvkit/check_caa.hpp"

namespace dcvkit {

struct CheckRequest {
  std::string name;  // as given: it is validated here, an invalid one yields a "name.*" result
  DcvMethod method = DcvMethod::Dns;
  std::shared_ptr<const TokenExpectation> expected;
};

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
