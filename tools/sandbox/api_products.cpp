// GET /product and the product catalogue.
#include "api.hpp"
#include "products.hpp"

namespace dcvkit::sandbox {

std::span<const Product> dv_products() {
  static constexpr Product kProducts[] = {
      {"ssl_dv_geotrust", "GeoTrust Standard DV"},       {"ssl_dv_rapidssl", "RapidSSL Standard DV"},
      {"ssl_dv_geotrust_flex", "GeoTrust DV SSL"},       {"wildcard_dv_geotrust", "GeoTrust Wildcard DV"},
      {"wildcard_dv_rapidssl", "RapidSSL Wildcard DV"}, {"cloud_dv_geotrust", "GeoTrust Cloud DV"},
  };
  return kProducts;
}

const Product* find_product(const std::string& name_id) {
  for (const auto& p : dv_products())
    if (name_id == p.name_id) return &p;
  return nullptr;
}

void add_product_routes(Router& router) {
  router.add("GET", "/product", [](Sandbox&, const Call&) {
    auto list = nlohmann::json::array();
    for (const auto& p : dv_products())
      list.push_back({{"name_id", p.name_id}, {"name", p.name}, {"type", "ssl_certificate"}});
    return json_reply(200, {{"products", list}});
  });
}

}  // namespace dcvkit::sandbox
