// After the order, as CertCentral's Services API does it: PUT /order/certificate/{id}/revoke
// (every certificate of the order), PUT /certificate/{id or serial}/revoke (one certificate; the
// order stays active), POST /order/certificate/{id}/reissue (a new CSR on the same order, issued
// at once when its tokens validate, else reissue_pending until check-dcv finds them).
#include <algorithm>

#include "api.hpp"
#include "dcvkit/clock.hpp"
#include "issuance.hpp"
#include "order_json.hpp"
#include "order_request.hpp"

namespace dcvkit::sandbox {
namespace {

// unspecified, keyCompromise, affiliationChanged, superseded, cessationOfOperation: the reasons a
// subscriber may give for a TLS certificate.
const std::vector<std::string> kReasons = {"unspecified", "key_compromise", "affiliation_changed", "superseded",
                                           "cessation_of_operation"};

struct RevokeBody {
  std::string reason = "unspecified", comments;
  bool skip_approval = false;
};

RevokeBody revoke_body(const Call& call) {
  RevokeBody b;
  if (call.body.empty()) return b;
  const auto j = call.json_body();
  if (j.contains("revocation_reason") && !j["revocation_reason"].is_null()) {
    if (!j["revocation_reason"].is_string() ||
        std::find(kReasons.begin(), kReasons.end(), j["revocation_reason"].get<std::string>()) == kReasons.end())
      throw ApiError(400, "invalid_revocation_reason",
                     "revocation_reason must be unspecified, key_compromise, affiliation_changed, superseded or cessation_of_operation");
    b.reason = j["revocation_reason"].get<std::string>();
  }
  if (j.contains("comments") && j["comments"].is_string()) b.comments = j["comments"].get<std::string>();
  b.skip_approval = j.contains("skip_approval") && j["skip_approval"].is_boolean() && j["skip_approval"].get<bool>();
  return b;
}

// Without skip_approval the API files a request for an administrator and revokes nothing yet.
Reply approval_request(const RevokeBody& b, Id request_id) {
  return json_reply(201, {{"id", request_id},
                          {"date", api_date(system_clock().now())},
                          {"type", "revoke"},
                          {"status", "pending"},
                          {"requester", {{"id", 1}, {"first_name", "Sandbox"}, {"last_name", "User"}, {"email", "sandbox@example.test"}}},
                          {"comments", b.comments}});
}

OrderRecord order_of(Sandbox& sb, const Call& call) {
  const Id id = call.id_arg(0, "order");
  auto order = sb.store.order(call.account, id);
  if (!order) throw ApiError(404, "not_found|order", "no order " + std::to_string(id));
  return std::move(*order);
}

Reply revoke_order(Sandbox& sb, const Call& call) {
  const OrderRecord order = order_of(sb, call);
  const RevokeBody b = revoke_body(call);
  if (order.status == "revoked") return no_content();
  if (order.status != "issued" && order.status != "reissue_pending")
    throw ApiError(400, "invalid_status", "order " + std::to_string(order.id) + " is " + order.status + ": nothing to revoke");
  if (!b.skip_approval) return approval_request(b, order.id);
  sb.store.revoke(order.id, std::nullopt, b.reason, b.comments, system_clock().now());
  return no_content();
}

Reply revoke_certificate(Sandbox& sb, const Call& call) {
  const std::string& identifier = call.args.at(0);
  std::optional<CertificateRecord> certificate;
  if (identifier.find_first_not_of("0123456789") == std::string::npos) certificate = sb.store.certificate(call.account, call.id_arg(0, "certificate"));
  if (!certificate) certificate = sb.store.certificate_by_serial(call.account, identifier);
  if (!certificate) throw ApiError(404, "not_found|certificate", "no certificate " + identifier);
  const RevokeBody b = revoke_body(call);
  auto order = sb.store.order(call.account, certificate->order_id);
  if (order && order->status == "reissue_pending")
    throw ApiError(400, "invalid_status", "certificates with a pending reissue cannot be revoked: cancel the reissue or wait for it");
  if (sb.store.revoked(certificate->id)) return no_content();
  if (!b.skip_approval) return approval_request(b, certificate->id);
  sb.store.revoke(certificate->order_id, certificate->id, b.reason, b.comments, system_clock().now());
  return no_content();
}

Reply reissue(Sandbox& sb, const Call& call) {
  OrderRecord order = order_of(sb, call);
  if (order.status != "issued" && order.status != "reissue_pending")
    throw ApiError(400, "invalid_status", "order " + std::to_string(order.id) + " is " + order.status + " and cannot be reissued");
  // The reissue body is an order's certificate object: read it the same way.
  const OrderRecord fresh = parse_order_request(call.json_body());
  if (!sb.store.begin_reissue(order.id, fresh))
    throw ApiError(400, "invalid_status", "order " + std::to_string(order.id) + " changed meanwhile; try again");
  order = order_of(sb, call);
  if (order.use_auth_key && is_token_method(order.dcv_method)) {
    if (auto auth_key = sb.store.auth_key(call.account)) {
      auto outcome = validate_and_issue(sb, order, auth_key->key, call.extra_leaf_name);
      if (outcome.issued) {
        auto certificate = sb.store.certificate(call.account, outcome.certificate_id);
        if (!certificate) throw std::runtime_error("reissued certificate not found");
        return json_reply(201, {{"id", order.id}, {"certificate_id", outcome.certificate_id}, {"certificate_chain", chain_json(*certificate)}});
      }
    }
  }
  return json_reply(201, {{"id", order.id}, {"requests", nlohmann::json::array({{{"id", order.id}, {"status", "pending"}}})}});
}

}  // namespace

void add_lifecycle_routes(Router& router) {
  router.add("PUT", R"(/order/certificate/([^/]+)/revoke)", revoke_order);
  router.add("PUT", R"(/certificate/([^/]+)/revoke)", revoke_certificate);
  router.add("POST", R"(/order/certificate/([^/]+)/reissue)", reissue);
}

}  // namespace dcvkit::sandbox
