#include "order_json.hpp"

#include "dcvkit/time.hpp"
#include "products.hpp"

namespace dcvkit::sandbox {

std::string api_date(UnixSeconds t) {
  std::string s = format_iso8601(t);
  if (!s.empty() && s.back() == 'Z') s.pop_back();
  return s + "+00:00";
}

nlohmann::json order_json(const OrderRecord& o, bool summary) {
  const Product* product = find_product(o.product);
  nlohmann::json certificate = {{"common_name", o.common_name}, {"dns_names", o.names}, {"signature_hash", o.signature_hash}};
  if (!summary) certificate["csr"] = o.csr;
  if (o.certificate_id) certificate["id"] = *o.certificate_id;
  nlohmann::json j = {
      {"id", o.id},
      {"status", o.status},
      {"date_created", api_date(o.created)},
      {"product", {{"name_id", o.product}, {"name", product ? product->name : o.product.c_str()}}},
      {"certificate", certificate},
      {"dcv_method", o.dcv_method},
      {"use_auth_key", o.use_auth_key},
      {"order_validity", {{"days", o.validity_days}}},
      {"dcv_status", {{"status", o.status == "issued" ? "complete" : "pending"}, {"reasons", o.dcv_reasons}}},
  };
  if (o.certificate_id) j["certificate_id"] = *o.certificate_id;
  return j;
}

nlohmann::json chain_json(const CertificateRecord& c) {
  return nlohmann::json::array({
      {{"subject_common_name", c.common_name}, {"pem", c.leaf_pem}},
      {{"subject_common_name", c.intermediate_cn}, {"pem", c.intermediate_pem}},
      {{"subject_common_name", c.root_cn}, {"pem", c.root_pem}},
  });
}

}  // namespace dcvkit::sandbox
