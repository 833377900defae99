// The CertCentral API client (DESIGN §4): typed calls over a throttled, retrying transport, and
// the order submission that never buys the same certificate twice.
//
//   auto client = certcentral::Client::connect(std::move(options));  // options.api_key, base_url, ...
//   auto info = (*client)->order_info(42);
//
// Idempotent calls (GET, PUT check-dcv, DELETE) are retried on 429, 5xx and connection failures.
// The order POST is not: see submit_order().
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dcvkit/certcentral_pacing.hpp"
#include "dcvkit/certcentral_transport.hpp"
#include "dcvkit/clock.hpp"
#include "dcvkit/error.hpp"
#include "dcvkit/secret.hpp"

namespace dcvkit::certcentral {

inline constexpr std::string_view kUsApiUrl = "https://www.digicert.com/services/v2";
inline constexpr std::string_view kEuApiUrl = "https://certcentral.digicert.eu/services/v2";

// "us", "eu", or a URL: https, or http to a loopback address only (a local sandbox); the trailing
// '/' is dropped. Errors: InvalidInput "api.bad_url" / "api.insecure_url".
Result<std::string> resolve_api_url(std::string_view text);

// An API key is sent in a header: printable ASCII only ("api.bad_key" otherwise).
Status validate_api_key(std::string_view key);

struct ClientOptions {
  std::string base_url = std::string(kUsApiUrl);
  Secret api_key;
  std::string ca_bundle;                 // extra trust anchor (PEM file), "" = system CAs only
  long connect_timeout_ms = 10000;
  long timeout_ms = 90000;
  bool throttle = true;                  // off only for tests of the server's own limits
  std::shared_ptr<Throttle> shared_throttle;  // null: the one for this API key in this process
  RetryPolicy retry;
  Timer* timer = nullptr;                // null: steady_timer()
  const Clock* clock = nullptr;          // null: system_clock() (wall time, for Retry-After dates)
  std::function<double()> random;        // null: default_random()
  WireLog wire_log;                      // -v
};

struct AuthKeyInfo {
  std::int64_t id = 0;
  Secret key;
};

struct Product {
  std::string name_id, name, type;
};

struct ChainEntry {
  std::string subject_common_name;
  std::string pem;
};

// The answer to an order POST (201).
struct OrderCreated {
  std::int64_t id = 0;
  std::int64_t certificate_id = 0;      // 0 unless issued
  std::vector<ChainEntry> chain;        // immediate issuance: leaf first, then intermediates, root
  std::vector<std::int64_t> request_ids;
  std::string request_status;           // of the first request, when not immediate ("pending")
  std::string dcv_random_value;
  bool immediate() const { return !chain.empty(); }
  std::vector<std::string> chain_pems() const;  // the chain's PEMs, leaf first
};

struct DcvStatus {
  std::string status;                   // "pending", "complete", ...
  std::vector<std::string> reasons;     // "name: code: message" (the sandbox says why)
};

// GET /order/certificate/{id} (or one summary of the list: csr empty there).
struct OrderInfo {
  std::int64_t id = 0;
  std::string status;                   // pending, issued, needs_approval, rejected, canceled, ...
  std::string date_created;             // as sent
  UnixSeconds created = 0;              // parsed (0 when absent or unreadable)
  std::string product_name_id, product_name;
  std::string common_name;
  std::vector<std::string> dns_names;
  std::string csr;
  std::string signature_hash;
  std::string dcv_method;
  std::int64_t certificate_id = 0;      // 0 until issued
  DcvStatus dcv_status;
  std::string raw;                      // the JSON object as received (for --json)
};

struct OrderFilter {
  std::string status;                   // filters[status]
  std::string common_name;              // filters[common_name]
  int limit = 100;                      // 1..1000
  int offset = 0;
  bool newest_first = true;             // sort=-date_created
};

struct OrderList {
  std::vector<OrderInfo> orders;
  std::int64_t total = 0, limit = 0, offset = 0;
};

// One name's DCV state as check-dcv lists it (dns_name_validations: dns-txt-token orders).
struct NameValidation {
  std::string dns_name;
  std::string status;  // "approved", "pending", ...
};

struct DcvCheck {
  std::string order_status;             // "issued", "pending", ...
  std::string dcv_status;               // "complete", ...
  std::int64_t certificate_id = 0;
  std::vector<NameValidation> names;    // dns_name_validations, when the answer lists them
  // The names did not validate (400 invalid_dns_txt / file_random_value_not_found, or
  // auth_key_not_setup: no AuthKey to check tokens against): that code, and the API's message
  // saying why ("www.example.com: token.expired: ..."). Empty otherwise.
  std::string failure_code;
  std::string failure_reason;
  bool issued() const { return order_status == "issued" && certificate_id != 0; }
};

// What to order. The API does not read names from the CSR: they are sent here.
struct OrderRequest {
  std::string product;                  // "ssl_dv_geotrust", ...
  std::string common_name;
  std::vector<std::string> dns_names;   // further names; the common name is not repeated
  std::string csr;                      // exactly the bytes the request token was made from
  std::string dcv_method = "dns-txt-token";
  std::optional<int> validity_days, validity_years;  // neither: the CA's default
  std::string signature_hash = "sha256";
  int server_platform_id = -1;          // "other"
  bool use_auth_key = true;             // immediate issuance from request tokens (API default: false)
  bool skip_approval = true;
  std::string payment_method = "balance";

  std::vector<std::string> names() const;  // common name, then dns_names
};

// A product id as it goes into the order URL (/order/certificate/{product}): 1-64 of a-z 0-9 _ -
// ("ssl_dv_geotrust"), so no id can reach another path. Usage error "order.bad_product" otherwise.
inline constexpr std::size_t kMaxProductIdLength = 64;
Status validate_product_id(std::string_view product);

std::string order_body_json(const OrderRequest& order);  // exactly what submit_order sends
HttpRequest order_http_request(const OrderRequest& order);

struct ClientStats {
  std::size_t requests = 0;             // HTTP requests sent (every attempt counts)
  std::size_t retries = 0;
  std::chrono::nanoseconds throttled{0};  // time spent waiting for the throttle
};

// Not thread-safe: one Client per thread (they share the throttle of their API key).
class Client {
 public:
  // The real transport (libcurl). Fails on a bad URL, key or CA bundle, before any request.
  static Result<std::unique_ptr<Client>> connect(ClientOptions options);
  // Any transport (tests). options.api_key is unused here except for the per-key throttle.
  Client(ClientOptions options, std::unique_ptr<Transport> transport);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Result<AuthKeyInfo> create_auth_key();
  Result<AuthKeyInfo> get_auth_key();
  Status delete_auth_key();
  Result<std::vector<Product>> products();
  Result<OrderInfo> order_info(std::int64_t order_id);
  Result<OrderList> list_orders(const OrderFilter& filter);
  // Validates now. Names that do not validate (400 invalid_dns_txt, file_random_value_not_found,
  // auth_key_not_setup) are an answer, not an error: failure_code and failure_reason say why.
  Result<DcvCheck> check_dcv(std::int64_t order_id);
  Status cancel_order(std::int64_t order_id, std::string_view note);
  // "pem_all" (leaf, intermediates, root), "pem_noroot", ...: the PEM text.
  Result<std::string> download(std::int64_t certificate_id, std::string_view format);

  // Retried while the reply is Retryable (idempotent): 2xx, or the error for the last reply.
  Result<HttpReply> call(const HttpRequest& request, std::string_view what);
  // The same retries; returns the last reply whatever it is, and how many attempts were made.
  HttpReply exchange(const HttpRequest& request, int* attempts = nullptr);
  // Exactly one attempt (throttled and counted): for submit_order, which decides about retries.
  HttpReply send_once(const HttpRequest& request);

  const ClientStats& stats() const { return stats_; }
  const RetryPolicy& retry_policy() const { return options_.retry; }
  std::chrono::milliseconds request_timeout() const { return std::chrono::milliseconds(options_.timeout_ms); }
  Timer& timer() const { return *timer_; }
  const Clock& clock() const { return *clock_; }
  const std::function<double()>& random() const { return random_; }

 private:
  ClientOptions options_;
  std::unique_ptr<Transport> transport_;
  std::shared_ptr<Throttle> throttle_;
  Timer* timer_;
  const Clock* clock_;
  std::function<double()> random_;
  ClientStats stats_;
};

// --- Ordering without ever buying twice -----------------------------------------------------

// How long after an order POST was sent the CA may still create the order when its answer was
// lost (the client gave up, the connection broke, a gateway timed out): the client's own request
// timeout plus a margin for the CA's side (a third of the timeout, at least 30 s). Before then a
// lookup that finds nothing proves nothing; after it, it proves that sending again is safe.
std::chrono::seconds order_in_flight_window(std::chrono::milliseconds request_timeout);

struct SubmitOptions {
  int max_posts = 4;  // POSTs at most (resends only after "not there"); never more than the retry policy allows
  std::chrono::seconds lookup_slack{300};           // an order created this long before our POST still counts
  std::chrono::seconds first_look{2};               // while a lost POST may be in flight: first pause between lookups
  std::function<void(std::string_view)> on_event;   // what happened, for a person (-v)
  // Called before each POST with the wall-clock time until which that POST may be in flight at
  // the CA (now + order_in_flight_window): a caller keeps it where a later run finds it (the
  // ledger). An error stops the submission before that POST is sent.
  std::function<Status(UnixSeconds in_flight_until)> before_post;
};

struct SubmitResult {
  OrderCreated order;
  bool adopted = false;  // an earlier POST had created it: found by lookup, not sent again
  int posts = 0;         // order POSTs sent
};

// POSTs the order. An answer that proves nothing was created (429, a 4xx, connect failure) is
// retried or returned as it is; after an ambiguous failure (timeout or connection lost after
// sending, 5xx, 408, a 201 that cannot be read) the order is looked up — recent orders for the
// common name whose CSR, names and product equal ours — and adopted when found; only when it is
// not there is the POST sent again. When no answer came from the API itself (timeout, connection
// lost after sending, 408, 502, 504) the POST may still be at work in the CA: it is not sent again
// before its in-flight window (order_in_flight_window) has passed, looking up until then. When the
// lookup itself fails nothing is resent: the error (kOrderUnknown) says an order may exist; every
// other error proves that no order was created.
inline constexpr std::string_view kOrderUnknown = "api.order_unknown";
Result<SubmitResult> submit_order(Client& client, const OrderRequest& order, const SubmitOptions& options = {});

// The lookup on its own: the newest order matching `order` created at or after `created_since`.
Result<std::optional<OrderInfo>> find_matching_order(Client& client, const OrderRequest& order,
                                                     UnixSeconds created_since);

// The order an earlier POST may have created, looked up (pausing `first_look` doubling to 15 s,
// on the client's timer) until `in_flight_until` (the client's timer) has passed: the order when
// found; nullopt only when a lookup that started after that time found nothing, which is the
// proof that sending again is safe. `on_event` says why it waits and until when.
Result<std::optional<OrderInfo>> await_lost_order(Client& client, const OrderRequest& order, UnixSeconds created_since,
                                                  Timer::TimePoint in_flight_until, std::chrono::seconds first_look,
                                                  const std::function<void(std::string_view)>& on_event);

}  // namespace dcvkit::certcentral
