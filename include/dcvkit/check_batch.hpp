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

// Calls `next` (from one reader thread) until it returns nothing, and `on_result` (one call at a
// time, in completion order) for every request. A method's probe is set up when its first request
// arrives; fails only when that cannot be done (reading stops, what was started is finished).
Status run_check_batch(const CheckBatchOptions& options, const std::function<std::optional<CheckRequest>()>& next,
                       const std::function<void(CheckResult)>& on_result);

}  // namespace dcvkit
