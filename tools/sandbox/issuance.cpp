#include "issuance.hpp"

#include <stdexcept>

#include "api.hpp"
#include "order_csr.hpp"

namespace dcvkit::sandbox {

IssueOutcome validate_and_issue(Sandbox& sb, const OrderRecord& order, const std::string& auth_key) {
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
  LeafRequest request{X509_REQ_get0_pubkey(csr.get()), order.common_name, order.names, order.validity_days};
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
