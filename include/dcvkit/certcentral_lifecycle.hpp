// After the order: revoke what was issued, reissue on the same order with a new key (DESIGN §4,
// CertCentral Services API "Revoke order certificates", "Revoke certificate", "Reissue
// certificate"). Cancelling a pending order is Client::cancel_order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dcvkit/certcentral.hpp"

namespace dcvkit::certcentral {

// The revocation reasons the API takes for TLS certificates (RFC 5280 reasons a subscriber may
// give): unspecified, key_compromise, affiliation_changed, superseded, cessation_of_operation.
bool is_revocation_reason(std::string_view reason);

struct RevokeRequest {
  std::string reason;     // "" = none sent (the CA records unspecified)
  std::string comments;   // kept with the revocation request
  bool skip_approval = true;  // revoke at once (needs an admin API key); false: an approval request
};

struct RevokeResult {
  bool revoked = false;          // 204: revoked now
  std::int64_t request_id = 0;   // 201: a revocation request waits for approval
  std::string request_status;    // "pending"
};

// PUT /order/certificate/{id}/revoke: every certificate of the order.
Result<RevokeResult> revoke_order(Client& client, std::int64_t order_id, const RevokeRequest& request);
// PUT /certificate/{id or serial}/revoke: one certificate (the order stays active and can be reissued).
Result<RevokeResult> revoke_certificate(Client& client, std::string_view certificate_id_or_serial, const RevokeRequest& request);

struct ReissueRequest {
  std::string common_name;
  std::vector<std::string> dns_names;  // further names; the common name is not repeated
  std::string csr;                     // the new key's CSR, exactly the bytes the tokens were made from
  std::string signature_hash = "sha256";
  int server_platform_id = -1;
};
std::string reissue_body_json(const ReissueRequest& request);

// POST /order/certificate/{id}/reissue. With the tokens in place the new certificate comes at once
// (certificate_chain, as for an order); otherwise the order is reissue_pending and check-dcv /
// download finish it like a pending order.
Result<OrderCreated> reissue_order(Client& client, std::int64_t order_id, const ReissueRequest& request);

}  // namespace dcvkit::certcentral
