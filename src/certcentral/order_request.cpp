// The order POST's body (DESIGN §4), built once so --dry-run prints exactly what is sent.
#include <nlohmann/json.hpp>

#include "dcvkit/certcentral.hpp"
#include "util/display.hpp"

namespace dcvkit::certcentral {

std::vector<std::string> OrderRequest::names() const {
  std::vector<std::string> out{common_name};
  for (const auto& n : dns_names)
    if (n != common_name) out.push_back(n);
  return out;
}

Status validate_product_id(std::string_view product) {
  if (!product.empty() && product.size() <= kMaxProductIdLength &&
      product.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") == std::string_view::npos)
    return {};
  return make_error(ErrorKind::Usage, "order.bad_product",
                    "product '" + detail::printable(product, 40) + "' is not a product id (1-" +
                        std::to_string(kMaxProductIdLength) + " of a-z 0-9 _ -)",
                    "e.g. ssl_dv_geotrust, ssl_dv_rapidssl, wildcard_dv_geotrust");
}

std::string order_body_json(const OrderRequest& order) {
  nlohmann::json cert = {{"common_name", order.common_name},
                         {"dns_names", order.dns_names},
                         {"csr", order.csr},
                         {"signature_hash", order.signature_hash},
                         {"server_platform", {{"id", order.server_platform_id}}}};
  nlohmann::json body = {{"certificate", cert},
                         {"dcv_method", order.dcv_method},
                         {"use_auth_key", order.use_auth_key},
                         {"skip_approval", order.skip_approval},
                         {"payment_method", order.payment_method}};
  if (order.validity_days) body["order_validity"] = {{"days", *order.validity_days}};
  if (order.validity_years) body["order_validity"] = {{"years", *order.validity_years}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

HttpRequest order_http_request(const OrderRequest& order) {
  HttpRequest r;
  r.method = "POST";
  r.path = "/order/certificate/" + order.product;
  r.body = order_body_json(order);
  r.fresh_connection = true;
  return r;
}

}  // namespace dcvkit::certcentral
