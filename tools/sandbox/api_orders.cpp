// /order/certificate: order (with immediate issuance), details, list, check-dcv, cancel (of a pending
// order, or of a pending reissue).
#include <openssl/rand.h>

#include <charconv>

#include "api.hpp"
#include "dcvkit/names.hpp"
#include "dcvkit/clock.hpp"
#include "issuance.hpp"
#include "order_json.hpp"
#include "order_request.hpp"
#include "products.hpp"
#include "util/strings.hpp"

namespace dcvkit::sandbox {
namespace {

constexpr std::int64_t kMaxPageLimit = 1000;

OrderRecord find_order(Sandbox& sb, const Call& call) {
  const Id id = call.id_arg(0, "order");
  auto order = sb.store.order(call.account, id);
  if (!order) throw ApiError(404, "not_found|order", "no order " + std::to_string(id));
  return std::move(*order);
}

// 32 characters of [a-z0-9], as CertCentral's random values look. Never validated by the sandbox.
std::string random_value() {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  std::string out;
  for (unsigned char b : bytes) out += kAlphabet[b % 36];
  return out;
}

Reply issued_reply(Sandbox& sb, const Call& call, Id order_id, Id certificate_id) {
  auto certificate = sb.store.certificate(call.account, certificate_id);
  if (!certificate) throw std::runtime_error("issued certificate " + std::to_string(certificate_id) + " not found");
  return json_reply(201, {{"id", order_id}, {"certificate_id", certificate_id}, {"certificate_chain", chain_json(*certificate)}});
}

Reply create_order(Sandbox& sb, const Call& call) {
  const Product* product = find_product(call.args.at(0));
  if (!product) throw ApiError(404, "not_found|product", "no product " + call.args.at(0));
  OrderRecord order = parse_order_request(call.json_body());
  order.account = call.account;
  order.product = product->name_id;
  order.created = system_clock().now();
  order.id = sb.store.insert_order(order);
  if (order.use_auth_key && is_token_method(order.dcv_method)) {
    if (auto auth_key = sb.store.auth_key(call.account)) {
      auto outcome = validate_and_issue(sb, order, auth_key->key, call.extra_leaf_name);
      if (outcome.issued) return issued_reply(sb, call, order.id, outcome.certificate_id);
    }
  }
  // As documented for a pending DV order: its random value, the other thing the CA would accept.
  return json_reply(201, {{"id", order.id},
                          {"requests", nlohmann::json::array({{{"id", order.id}, {"status", "pending"}}})},
                          {"dcv_random_value", random_value()}});
}

// check-dcv as documented: dcv_status "valid", and one dns_name_validations entry per name.
Reply dcv_complete(const OrderRecord& order, Id certificate_id) {
  auto names = nlohmann::json::array();
  for (const auto& n : order.names) names.push_back({{"dns_name", n}, {"status", "approved"}});
  return json_reply(200, {{"order_status", "issued"},
                          {"certificate_id", certificate_id},
                          {"dcv_status", "valid"},
                          {"dns_name_validations", names}});
}

Reply check_dcv(Sandbox& sb, const Call& call) {
  const OrderRecord order = find_order(sb, call);
  if (order.status == "issued" && order.certificate_id) return dcv_complete(order, *order.certificate_id);
  if (order.status != "pending" && order.status != "reissue_pending")
    throw ApiError(400, "invalid_status", "order " + std::to_string(order.id) + " is " + order.status);
  if (!is_token_method(order.dcv_method))
    throw ApiError(400, "invalid_dcv_method", "the sandbox validates only dns-txt-token and http-token orders, not " + order.dcv_method);
  auto auth_key = sb.store.auth_key(call.account);
  if (!auth_key) throw ApiError(400, "auth_key_not_setup", "this account has no AuthKey: POST /account/auth-key first");
  auto outcome = validate_and_issue(sb, order, auth_key->key, call.extra_leaf_name);
  if (outcome.issued) return dcv_complete(order, outcome.certificate_id);
  throw ApiError(400, order.dcv_method == "http-token" ? "file_random_value_not_found" : "invalid_dns_txt", detail::join(outcome.reasons, "; "));
}

Reply update_status(Sandbox& sb, const Call& call) {
  const OrderRecord order = find_order(sb, call);
  const auto body = call.json_body();
  if (!body.contains("status") || body["status"] != "canceled")
    throw ApiError(400, "invalid_status", "status must be \"canceled\"");
  if (order.status == "canceled") return no_content();
  if (!sb.store.cancel(order.id))
    throw ApiError(400, "invalid_status", "order " + std::to_string(order.id) + " is " + order.status + " and cannot be canceled");
  return no_content();
}

std::int64_t query_integer(const Call& call, const char* key, std::int64_t fallback) {
  if (!call.request.has_param(key)) return fallback;
  const std::string text = call.request.get_param_value(key);
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0)
    throw ApiError(400, std::string("invalid_parameter|") + key, std::string(key) + " must be a non-negative integer");
  return value;
}

Reply list_orders(Sandbox& sb, const Call& call) {
  OrderFilter filter;
  filter.status = call.request.get_param_value("filters[status]");
  filter.common_name = call.request.get_param_value("filters[common_name]");
  if (!filter.common_name.empty()) {
    if (auto canonical = normalize_dns_name(filter.common_name)) filter.common_name = *canonical;
  }
  filter.limit = std::min(query_integer(call, "limit", 100), kMaxPageLimit);
  filter.offset = query_integer(call, "offset", 0);
  const auto page = sb.store.list_orders(call.account, filter);
  auto orders = nlohmann::json::array();
  for (const auto& o : page.orders) orders.push_back(order_json(o, true));
  return json_reply(200, {{"orders", orders}, {"page", {{"total", page.total}, {"limit", filter.limit}, {"offset", filter.offset}}}});
}

}  // namespace

void add_order_routes(Router& router) {
  router.add("POST", R"(/order/certificate/([^/]+))", create_order);
  router.add("GET", R"(/order/certificate)", list_orders);
  router.add("GET", R"(/order/certificate/([^/]+))",
             [](Sandbox& sb, const Call& call) { return json_reply(200, order_json(find_order(sb, call), false)); });
  router.add("PUT", R"(/order/certificate/([^/]+)/check-dcv)", check_dcv);
  router.add("PUT", R"(/order/certificate/([^/]+)/status)", update_status);
}

}  // namespace dcvkit::sandbox
