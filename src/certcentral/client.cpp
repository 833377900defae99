// Typed CertCentral calls over the throttled transport; idempotent calls retried with backoff.
#include <algorithm>
#include <cstdio>

#include "certcentral/responses.hpp"
#include "dcvkit/certcentral.hpp"
#include "dcvkit/certcentral_errors.hpp"

namespace dcvkit::certcentral {
namespace {

std::string query_escape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~' || c == '*') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

HttpRequest get(std::string path, std::string accept = "application/json") {
  HttpRequest r;
  r.path = std::move(path);
  r.accept = std::move(accept);
  return r;
}

HttpRequest with_method(std::string method, std::string path, std::string body = {}) {
  HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.body = std::move(body);
  return r;
}

std::string order_path(std::int64_t id) { return "/order/certificate/" + std::to_string(id); }

}  // namespace

Result<std::unique_ptr<Client>> Client::connect(ClientOptions options) {
  auto url = resolve_api_url(options.base_url);
  if (!url) return url.error();
  if (auto ok = validate_api_key(options.api_key.view()); !ok) return ok.error();
  if (!options.ca_bundle.empty()) {
    FILE* f = std::fopen(options.ca_bundle.c_str(), "r");
    if (!f)
      return make_error(ErrorKind::Io, "io.read_failed", "cannot read the CA bundle '" + options.ca_bundle + "'",
                        "--ca-bundle takes a PEM file of CA certificates");
    std::fclose(f);
  }
  TransportOptions t;
  t.base_url = *url;
  t.api_key = Secret(std::string(options.api_key.view()));
  t.ca_bundle = options.ca_bundle;
  t.connect_timeout_ms = options.connect_timeout_ms;
  t.timeout_ms = options.timeout_ms;
  t.wire_log = options.wire_log;
  auto transport = make_curl_transport(std::move(t));
  if (!transport) return transport.error();
  options.base_url = *url;
  return std::make_unique<Client>(std::move(options), std::move(*transport));
}

Client::Client(ClientOptions options, std::unique_ptr<Transport> transport)
    : options_(std::move(options)),
      transport_(std::move(transport)),
      timer_(options_.timer ? options_.timer : &steady_timer()),
      clock_(options_.clock ? options_.clock : &system_clock()),
      random_(options_.random ? options_.random : default_random) {
  if (options_.throttle) throttle_ = options_.shared_throttle ? options_.shared_throttle : Throttle::for_key(options_.api_key.view());
}

Client::~Client() = default;

HttpReply Client::send_once(const HttpRequest& request) {
  if (throttle_) stats_.throttled += throttle_->acquire();
  ++stats_.requests;
  return transport_->send(request);
}

HttpReply Client::exchange(const HttpRequest& request, int* attempts) {
  Backoff backoff(options_.retry, *timer_, *clock_, random_);
  for (;;) {
    HttpReply reply = send_once(request);
    if (classify_reply(reply, true) == ReplyClass::Retryable && backoff.wait_before_retry(reply)) {
      ++stats_.retries;
      continue;
    }
    if (attempts) *attempts = backoff.attempts();
    return reply;
  }
}

Result<HttpReply> Client::call(const HttpRequest& request, std::string_view what) {
  int attempts = 0;
  HttpReply reply = exchange(request, &attempts);
  if (reply.ok()) return reply;
  Error e = reply_error(reply, what);
  if (attempts > 1) e.message += " (after " + std::to_string(attempts) + " attempts)";
  return e;
}

Result<AuthKeyInfo> Client::create_auth_key() {
  auto r = call(with_method("POST", "/account/auth-key"), "create the AuthKey");
  if (!r) return r.error();
  return parse_auth_key(r->body);
}

Result<AuthKeyInfo> Client::get_auth_key() {
  auto r = call(get("/account/auth-key"), "get the AuthKey");
  if (!r) return r.error();
  return parse_auth_key(r->body);
}

Status Client::delete_auth_key() {
  auto r = call(with_method("DELETE", "/account/auth-key"), "delete the AuthKey");
  if (!r) return r.error();
  return {};
}

Result<std::vector<Product>> Client::products() {
  auto r = call(get("/product"), "list the products");
  if (!r) return r.error();
  return parse_products(r->body);
}

Result<OrderInfo> Client::order_info(std::int64_t order_id) {
  auto r = call(get(order_path(order_id)), "order " + std::to_string(order_id));
  if (!r) return r.error();
  return parse_order_info(r->body);
}

Result<OrderList> Client::list_orders(const OrderFilter& filter) {
  std::string path = "/order/certificate?limit=" + std::to_string(std::clamp(filter.limit, 1, 1000)) +
                     "&offset=" + std::to_string(std::max(filter.offset, 0));
  if (!filter.status.empty()) path += "&filters[status]=" + query_escape(filter.status);
  if (!filter.common_name.empty()) path += "&filters[common_name]=" + query_escape(filter.common_name);
  if (filter.newest_first) path += "&sort=-date_created";
  auto r = call(get(path), "list the orders");
  if (!r) return r.error();
  return parse_order_list(r->body);
}

Result<DcvCheck> Client::check_dcv(std::int64_t order_id) {
  const std::string what = "check DCV of order " + std::to_string(order_id);
  int attempts = 0;
  HttpReply reply = exchange(with_method("PUT", order_path(order_id) + "/check-dcv"), &attempts);
  if (reply.ok()) return parse_dcv_check(reply.body);
  if (reply.failure == TransportFailure::None && reply.status == 400) {
    const auto entries = parse_error_envelope(reply.body);
    const std::string code = entries.empty() ? "" : entries.front().code;
    if (code == "invalid_dns_txt" || code == "file_random_value_not_found" || code == "auth_key_not_setup") {
      DcvCheck d;
      d.order_status = "pending";
      d.failure_code = entries.front().code;
      for (const auto& e : entries) d.failure_reason += (d.failure_reason.empty() ? "" : "; ") + e.message;
      return d;
    }
  }
  Error e = reply_error(reply, what);
  if (attempts > 1) e.message += " (after " + std::to_string(attempts) + " attempts)";
  return e;
}

Status Client::cancel_order(std::int64_t order_id, std::string_view note) {
  std::string body = R"({"status":"canceled","note":")";
  for (char c : note) {
    if (c == '"' || c == '\\') body += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) body += c;
  }
  body += "\"}";
  auto r = call(with_method("PUT", order_path(order_id) + "/status", body), "cancel order " + std::to_string(order_id));
  if (!r) return r.error();
  return {};
}

Result<std::string> Client::download(std::int64_t certificate_id, std::string_view format) {
  auto r = call(get("/certificate/" + std::to_string(certificate_id) + "/download/format/" + std::string(format), "*/*"),
                "download certificate " + std::to_string(certificate_id));
  if (!r) return r.error();
  return std::move(r->body);
}

}  // namespace dcvkit::certcentral
