// The order POST, which costs money: resent only when it provably created nothing. After an
// answer that leaves it open (timeout or connection lost after sending, 5xx, 408, an unreadable
// 201), the order is looked up — newest orders for the common name, created since just before
// our first POST, whose CSR, names and product equal ours — and adopted when it is there. When the
// POST may still be on its way through the CA (no answer came from the API itself), "not there"
// proves nothing until the POST's in-flight window has passed: the lookup is repeated until then.
#include <algorithm>
#include <set>

#include "certcentral/responses.hpp"
#include "dcvkit/certcentral.hpp"
#include "dcvkit/certcentral_errors.hpp"
#include "dcvkit/csr.hpp"
#include "dcvkit/time.hpp"

namespace dcvkit::certcentral {
namespace {

constexpr int kLookupDepth = 25;  // newest orders for the name looked at

std::set<std::string> name_set(const std::string& cn, const std::vector<std::string>& more) {
  std::set<std::string> out;
  auto add = [&](std::string n) {
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!n.empty()) out.insert(std::move(n));
  };
  add(cn);
  for (const auto& n : more) add(n);
  return out;
}

// Byte-exact, or — should the API store the CSR re-wrapped — the same PEM content.
bool same_csr(const std::string& stored, const std::string& sent) {
  if (stored == sent) return true;
  auto a = parse_csr_text(stored, "stored CSR"), b = parse_csr_text(sent, "sent CSR");
  return a && b && !a->base64_body.empty() && a->base64_body == b->base64_body;
}

bool gone(const std::string& status) {
  return status == "canceled" || status == "rejected" || status == "revoked" || status == "expired";
}

OrderCreated adopted_order(const OrderInfo& info) {
  OrderCreated o;
  o.id = info.id;
  o.certificate_id = info.status == "issued" ? info.certificate_id : 0;
  o.request_status = info.status;
  return o;
}

// No answer came from the API itself, so the order may still be in the making at the CA: the
// client gave up, the connection broke after the request left, or a gateway answered for the API.
bool may_still_be_in_flight(const HttpReply& r) {
  if (r.failure != TransportFailure::None) return r.maybe_sent;
  return r.status == 408 || r.status == 502 || r.status == 504;
}

std::string describe(const HttpReply& r) {
  if (r.failure != TransportFailure::None) return std::string(to_string(r.failure)) + (r.maybe_sent ? " after sending" : "");
  return "HTTP " + std::to_string(r.status);
}

}  // namespace

Result<std::optional<OrderInfo>> find_matching_order(Client& client, const OrderRequest& order, UnixSeconds created_since) {
  OrderFilter filter;
  filter.common_name = order.common_name;
  filter.limit = kLookupDepth;
  auto list = client.list_orders(filter);
  if (!list) return list.error();
  const auto wanted = name_set(order.common_name, order.dns_names);
  for (const auto& summary : list->orders) {
    if (summary.created != 0 && summary.created < created_since) continue;
    if (gone(summary.status)) continue;
    if (!summary.product_name_id.empty() && summary.product_name_id != order.product) continue;
    if (name_set(summary.common_name, summary.dns_names) != wanted) continue;
    auto info = client.order_info(summary.id);
    if (!info) return info.error();
    if (same_csr(info->csr, order.csr)) return std::optional<OrderInfo>(std::move(*info));
  }
  return std::optional<OrderInfo>();
}

std::chrono::seconds order_in_flight_window(std::chrono::milliseconds request_timeout) {
  const auto timeout = std::chrono::ceil<std::chrono::seconds>(request_timeout);
  return timeout + std::max(std::chrono::seconds(30), timeout / 3);
}

Result<std::optional<OrderInfo>> await_lost_order(Client& client, const OrderRequest& order, UnixSeconds created_since,
                                                  Timer::TimePoint in_flight_until, std::chrono::seconds first_look,
                                                  const std::function<void(std::string_view)>& on_event) {
  using std::chrono::seconds;
  std::chrono::nanoseconds pause = std::max(first_look, seconds(1));
  for (;;) {
    const bool window_over = client.timer().now() >= in_flight_until;
    auto found = find_matching_order(client, order, created_since);
    if (!found || *found || window_over) return found;
    const auto left = in_flight_until - client.timer().now();
    // One second past the end, so that the last lookup starts after the window.
    const auto wait = std::min(pause, std::max(left, std::chrono::nanoseconds(0)) + seconds(1));
    if (on_event) {
      const auto left_s = std::chrono::ceil<seconds>(std::max(left, std::chrono::nanoseconds(0))).count();
      on_event("no order yet, but the earlier POST may still be in flight at the CA for " + std::to_string(left_s) +
               " s more (until " + format_iso8601(client.clock().now() + left_s) +
               "): not sending again before then; looking again in " +
               std::to_string(std::chrono::ceil<seconds>(wait).count()) + " s");
    }
    client.timer().sleep_for(wait);
    pause = std::min<std::chrono::nanoseconds>(pause * 2, seconds(15));
  }
}

Result<SubmitResult> submit_order(Client& client, const OrderRequest& order, const SubmitOptions& options) {
  const HttpRequest request = order_http_request(order);
  const auto event = [&](std::string_view text) {
    if (options.on_event) options.on_event(text);
  };
  RetryPolicy policy = client.retry_policy();
  policy.max_attempts = std::max(1, std::min(options.max_posts, policy.max_attempts));
  Backoff backoff(policy, client.timer(), client.clock(), client.random());
  const UnixSeconds since = client.clock().now() - options.lookup_slack.count();
  const auto window = order_in_flight_window(client.request_timeout());
  SubmitResult result;
  for (;;) {
    if (options.before_post) {
      if (auto st = options.before_post(client.clock().now() + window.count()); !st) return st.error();
    }
    const Timer::TimePoint sent_at = client.timer().now();
    HttpReply reply = client.send_once(request);
    ++result.posts;
    ReplyClass c = classify_reply(reply, false);
    if (c == ReplyClass::Success) {
      auto created = parse_order_created(reply.body);
      if (created) {
        result.order = std::move(*created);
        return result;
      }
      c = ReplyClass::Ambiguous;  // created, but we cannot tell which order: find it
    }
    if (c == ReplyClass::Final) return reply_error(reply, "order " + order.product + " for " + order.common_name);
    if (c == ReplyClass::Ambiguous) {
      event("order POST " + std::to_string(result.posts) + ": " + describe(reply) + "; looking for the order before sending again");
      // An answer from the API itself ends its work on the POST: one lookup tells.
      const Timer::TimePoint in_flight_until = may_still_be_in_flight(reply) ? sent_at + window : sent_at;
      auto found = await_lost_order(client, order, since, in_flight_until, options.first_look, event);
      if (!found) {
        Error e = reply_error(reply, "order " + order.product + " for " + order.common_name);
        return make_error(e.kind == ErrorKind::RateLimited ? ErrorKind::Network : e.kind, std::string(kOrderUnknown),
                          e.message + "; then looking the order up failed (" + found.error().message +
                              "), so it was NOT sent again: an order may exist",
                          "see dcvkit order list --cn " + order.common_name + " before ordering again");
      }
      if (*found) {
        event("found order " + std::to_string((*found)->id) + " (status " + (*found)->status + ") with this CSR: adopted, not sent again");
        result.order = adopted_order(**found);
        result.adopted = true;
        return result;
      }
      event("no such order exists: sending again");
    }
    if (!backoff.wait_before_retry(reply)) {
      Error e = reply_error(reply, "order " + order.product + " for " + order.common_name);
      if (result.posts > 1) e.message += " (after " + std::to_string(result.posts) + " attempts)";
      return e;
    }
  }
}

}  // namespace dcvkit::certcentral
