// Revoke and reissue: small JSON bodies over the retrying client. Both are safe to repeat (a
// second revoke of a revoked certificate changes nothing; a reissue replaces a pending reissue),
// so they go through the retries of Client::call, unlike the order POST.
#include "dcvkit/certcentral_lifecycle.hpp"

#include <array>
#include <cctype>
#include <nlohmann/json.hpp>

#include "certcentral/responses.hpp"

namespace dcvkit::certcentral {
namespace {

HttpRequest json_request(std::string method, std::string path, const nlohmann::json& body) {
  HttpRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Result<RevokeResult> revoke(Client& client, std::string path, const RevokeRequest& request, const std::string& what) {
  if (!request.reason.empty() && !is_revocation_reason(request.reason))
    return make_error(ErrorKind::Usage, "usage.invalid", "unknown revocation reason '" + request.reason + "'",
                      "use unspecified, key_compromise, affiliation_changed, superseded or cessation_of_operation");
  nlohmann::json body = {{"skip_approval", request.skip_approval}};
  if (!request.reason.empty()) body["revocation_reason"] = request.reason;
  if (!request.comments.empty()) body["comments"] = request.comments;
  auto reply = client.call(json_request("PUT", std::move(path), body), what);
  if (!reply) return reply.error();
  RevokeResult out;
  if (reply->status == 204) {
    out.revoked = true;
    return out;
  }
  const auto j = nlohmann::json::parse(reply->body, nullptr, false);
  if (!j.is_object() || !j.contains("id") || !j["id"].is_number_integer())
    return make_error(ErrorKind::Network, "api.bad_answer", "cannot read the API's answer to " + what,
                      "run with -v to see the answer");
  out.request_id = j["id"].get<std::int64_t>();
  out.request_status = j.value("status", "");
  return out;
}

}  // namespace

bool is_revocation_reason(std::string_view reason) {
  static constexpr std::array<std::string_view, 5> kReasons = {"unspecified", "key_compromise", "affiliation_changed",
                                                               "superseded", "cessation_of_operation"};
  for (auto r : kReasons)
    if (r == reason) return true;
  return false;
}

Result<RevokeResult> revoke_order(Client& client, std::int64_t order_id, const RevokeRequest& request) {
  return revoke(client, "/order/certificate/" + std::to_string(order_id) + "/revoke", request,
                "revoke order " + std::to_string(order_id));
}

Result<RevokeResult> revoke_certificate(Client& client, std::string_view id_or_serial, const RevokeRequest& request) {
  for (char c : id_or_serial)
    if (!std::isxdigit(static_cast<unsigned char>(c)))
      return make_error(ErrorKind::InvalidInput, "api.bad_certificate_id", "not a certificate id or serial number",
                        "give the number dcvkit order status shows, or --cert FILE");
  if (id_or_serial.empty())
    return make_error(ErrorKind::InvalidInput, "api.bad_certificate_id", "no certificate id or serial number", "");
  return revoke(client, "/certificate/" + std::string(id_or_serial) + "/revoke", request,
                "revoke certificate " + std::string(id_or_serial));
}

std::string reissue_body_json(const ReissueRequest& request) {
  const nlohmann::json body = {{"certificate",
                                {{"common_name", request.common_name},
                                 {"dns_names", request.dns_names},
                                 {"csr", request.csr},
                                 {"signature_hash", request.signature_hash},
                                 {"server_platform", {{"id", request.server_platform_id}}}}}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<OrderCreated> reissue_order(Client& client, std::int64_t order_id, const ReissueRequest& request) {
  HttpRequest r;
  r.method = "POST";
  r.path = "/order/certificate/" + std::to_string(order_id) + "/reissue";
  r.body = reissue_body_json(request);
  auto reply = client.call(r, "reissue order " + std::to_string(order_id));
  if (!reply) return reply.error();
  return parse_order_created(reply->body);
}

}  // namespace dcvkit::certcentral
