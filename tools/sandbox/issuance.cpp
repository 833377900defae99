#include "issuance.hpp"

#include <stdexcept>

#include "api.hpp"
#include "order_csr.hpp"

namespace dcvkit::sandbox {

namespace {

// What the leaf says: the ordered names, and what the CA adds on its own or by a fault.
std::vector<std::string> leaf_names(const Sandbox& sb, const OrderRecord& order, const std::string& extra_name) {
  std::vector<std::string> names = order.names;
  constexpr std::string_view kWww = "www.";
  if (sb.issuance.auto_www && names.size() == 1 && !names.front().starts_with("*.")) {
    const std::string n = names.front();
    names.push_back(n.starts_with(kWww) ? n.substr(kWww.size()) : std::string(kWww) + n);
  }
  if (!extra_name.empty()) names.push_back(extra_name);
  return names;
}

}  // namespace

IssueOutcome validate_and_issue(Sandbox& sb, const OrderRecord& order, const std::string& auth_key, const std::string& extra_name) {
  const auto method = parse_dcv_method(order.dcv_method);
  if (!method) throw std::logic_error("validate_and_issue: no token method");
  IssueOutcome outcome;
  auto validation = validate_names(sb.validation, order.names, *method, order.csr, auth_key);
  if (!validation.ok) {
    sb.store.set_dcv_reasons(order.id, validation.reasons);
    outcome.reasons = std::move(validation.reasons);
    return outcome;
  }
  const auto csr = load_order_csr(order.csr);
  LeafRequest request{X509_REQ_get0_pubkey(csr.get()), order.common_name, leaf_names(sb, order, extra_name), order.validity_days};
  auto signed_leaf = sb.ca.issue(request);
  if (!signed_leaf) throw std::runtime_error(signed_leaf.error().message);
  CertificateRecord record;
  record.order_id = order.id;
  record.serial = signed_leaf->serial;
  record.common_name = signed_leaf->leaf_cn;
  record.leaf_pem = std::move(signed_leaf->leaf_pem);
  record.intermediate_pem = std::move(signed_leaf->intermediate_pem);
  record.root_pem = std::move(signed_leaf->root_pem);
  record.intermediate_cn = std::move(signed_leaf->intermediate_cn);
  record.root_cn = std::move(signed_leaf->root_cn);
  auto id = sb.store.issue(order.id, record);
  if (!id) throw ApiError(400, "invalid_status", "order " + std::to_string(order.id) + " is no longer pending");
  outcome.issued = true;
  outcome.certificate_id = *id;
  return outcome;
}

}  // namespace dcvkit::sandbox
