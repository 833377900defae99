// One certificate through ACME, end to end: order -> authorizations -> publish the challenges ->
// respond -> wait -> unpublish -> finalize with the CSR -> wait -> download (preferred chain) ->
// the chain as received. Nothing is verified or written here: the caller hands it to deliver_chain()
// (cert_chain.hpp), as the CertCentral paths do.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "dcvkit/acme.hpp"
#include "dcvkit/cert_chain.hpp"
#include "dcvkit/plan.hpp"
#include "dcvkit/publish.hpp"

namespace dcvkit::acme {

using ChallengeType = AcmeChallengeKind;  // one enum for the challenges, from plan.hpp
std::string_view to_string(ChallengeType type);                       // "http-01", "dns-01"
std::optional<ChallengeType> parse_challenge_type(std::string_view text);

// A challenge as published, for a pre-check of what the CA will see.
struct PublishedChallenge {
  std::string name;               // the authorization's name ("*.example.com" for a wildcard)
  std::string key_authorization;  // token.thumbprint (dns-01 publishes its SHA-256, base64url)
};

struct IssueRequest {
  std::string csr_pem;                 // the CSR; its names (CN + SANs) are the order's
  ChallengeType challenge = ChallengeType::Http01;
  Publisher* publisher = nullptr;      // webroot/map/hook for http-01; RFC 2136/hook for dns-01
  std::string preferred_chain;         // issuer CN of the chain's top certificate; "" = the CA's default
  std::string ca_bundle;               // extra trust anchors for the chain (and the CA's TLS)
  std::string resume_order_url;        // go on with this order (its URL is stable) instead of a new one
  std::chrono::seconds timeout{300};   // for the validations, and again for issuance
  std::function<void(std::string_view)> progress;  // one line per step, for -v
  std::function<void(const std::string& order_url)> on_order;  // called once the order URL is known
  // Called once the challenges are up, before the CA is told to validate them (it tries each
  // challenge once): a pre-check of what the CA will see. An error stops here, the challenges
  // are taken down and the order stays pending (a later call with resume_order_url goes on).
  std::function<Status(const std::vector<PublishedChallenge>& published)> before_respond;
};

struct IssueResult {
  std::string order_url;
  std::vector<std::string> pems;  // the chain as downloaded (the preferred one), unverified: deliver_chain
  ChainExpectation expected;      // what its leaf must be (the CSR's key and names)
  std::vector<std::string> names;
  int challenges_published = 0;  // 0 when every authorization was already valid
};

Result<IssueResult> issue_certificate(Client& client, const IssueRequest& request);

// The DER of a PEM CSR (as finalize sends it). InvalidInput "csr.*" when it is not one.
Result<std::string> csr_der(std::string_view csr_pem);
// The DER of the first certificate of a PEM file (for revocation).
Result<std::string> certificate_der(std::string_view pem);

}  // namespace dcvkit::acme
