#include "certcentral/responses.hpp"

#include <nlohmann/json.hpp>

#include "dcvkit/time.hpp"

namespace dcvkit::certcentral {
namespace {

using nlohmann::json;

Error bad_answer(std::string_view what) {
  return make_error(ErrorKind::Network, "api.bad_answer", "the API's answer is not what " + std::string(what) + " returns",
                    "run with -v to see the answer; if it persists, report it");
}

std::string str(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Ids arrive as numbers (sometimes as digit strings).
std::int64_t num(const json& j, const char* key) {
  if (!j.is_object()) return 0;
  auto it = j.find(key);
  if (it == j.end()) return 0;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_string()) {
    const auto s = it->get<std::string>();
    if (!s.empty() && s.size() <= 18 && s.find_first_not_of("0123456789") == std::string::npos) return std::stoll(s);
  }
  return 0;
}

const json& member(const json& j, const char* key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it != j.end() ? *it : kNull;
}

std::vector<std::string> strings(const json& j) {
  std::vector<std::string> out;
  if (j.is_array())
    for (const auto& v : j)
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

json parse_object(std::string_view body) {
  auto j = json::parse(body, nullptr, false);
  return j.is_object() ? j : json();
}

OrderInfo order_from(const json& j) {
  OrderInfo o;
  o.id = num(j, "id");
  o.status = str(j, "status");
  o.date_created = str(j, "date_created");
  if (!o.date_created.empty()) {
    if (auto t = parse_instant(o.date_created, system_clock())) o.created = *t;
  }
  const json& product = member(j, "product");
  o.product_name_id = str(product, "name_id");
  o.product_name = str(product, "name");
  const json& cert = member(j, "certificate");
  o.common_name = str(cert, "common_name");
  o.dns_names = strings(member(cert, "dns_names"));
  o.csr = str(cert, "csr");
  o.signature_hash = str(cert, "signature_hash");
  o.certificate_id = num(j, "certificate_id");
  if (!o.certificate_id) o.certificate_id = num(cert, "id");
  o.dcv_method = str(j, "dcv_method");
  const json& dcv = member(j, "dcv_status");
  if (dcv.is_string()) {
    o.dcv_status.status = dcv.get<std::string>();
  } else {
    o.dcv_status.status = str(dcv, "status");
    o.dcv_status.reasons = strings(member(dcv, "reasons"));
  }
  o.raw = j.dump(-1, ' ', false, json::error_handler_t::replace);
  return o;
}

}  // namespace

std::vector<std::string> OrderCreated::chain_pems() const {
  std::vector<std::string> out;
  for (const auto& c : chain) out.push_back(c.pem);
  return out;
}

Result<AuthKeyInfo> parse_auth_key(std::string_view body) {
  const json j = parse_object(body);
  const std::string key = str(j, "auth_key");
  if (key.empty()) return bad_answer("the AuthKey call");
  AuthKeyInfo info;
  info.id = num(j, "auth_key_id");
  info.key = Secret(key);
  return info;
}

Result<std::vector<Product>> parse_products(std::string_view body) {
  const json j = parse_object(body);
  const json& list = member(j, "products");
  if (!list.is_array()) return bad_answer("GET /product");
  std::vector<Product> out;
  for (const auto& p : list) out.push_back({str(p, "name_id"), str(p, "name"), str(p, "type")});
  return out;
}

Result<OrderCreated> parse_order_created(std::string_view body) {
  const json j = parse_object(body);
  OrderCreated o;
  o.id = num(j, "id");
  if (!o.id) return bad_answer("an order");
  o.certificate_id = num(j, "certificate_id");
  o.dcv_random_value = str(j, "dcv_random_value");
  for (const auto& c : member(j, "certificate_chain")) o.chain.push_back({str(c, "subject_common_name"), str(c, "pem")});
  for (const auto& r : member(j, "requests")) {
    o.request_ids.push_back(num(r, "id"));
    if (o.request_status.empty()) o.request_status = str(r, "status");
  }
  for (const auto& c : o.chain)
    if (c.pem.empty()) return bad_answer("an order (a certificate_chain entry without pem)");
  return o;
}

Result<OrderInfo> parse_order_info(std::string_view body) {
  const json j = parse_object(body);
  OrderInfo o = order_from(j);
  if (!o.id) return bad_answer("an order's details");
  return o;
}

Result<OrderList> parse_order_list(std::string_view body) {
  const json j = parse_object(body);
  const json& orders = member(j, "orders");
  if (!orders.is_array() && !orders.is_null()) return bad_answer("the order list");
  if (!j.is_object()) return bad_answer("the order list");
  OrderList list;
  for (const auto& o : orders) list.orders.push_back(order_from(o));
  const json& page = member(j, "page");
  list.total = num(page, "total");
  list.limit = num(page, "limit");
  list.offset = num(page, "offset");
  return list;
}

Result<DcvCheck> parse_dcv_check(std::string_view body) {
  const json j = parse_object(body);
  if (!j.is_object()) return bad_answer("check-dcv");
  DcvCheck d;
  d.order_status = str(j, "order_status");
  d.dcv_status = str(j, "dcv_status");
  d.certificate_id = num(j, "certificate_id");
  const json& names = member(j, "dns_name_validations");
  if (names.is_array())
    for (const json& n : names)
      if (n.is_object()) d.names.push_back(NameValidation{str(n, "dns_name"), str(n, "status")});
  return d;
}

}  // namespace dcvkit::certcentral
