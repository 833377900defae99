// ACME challenges as check requests: what the caller gives (the key authorization) and what the
// lanes need from it (the http-01 path, the dns-01 owner and value).
#include "check/acme_request.hpp"

#include "dcvkit/acme_jose.hpp"
#include "dcvkit/names.hpp"

namespace dcvkit {
namespace {

// base64url(SHA-256(JWK)): 32 bytes, 43 characters unpadded (RFC 7638, RFC 8555 §8.1).
constexpr std::size_t kThumbprintChars = 43;

std::string_view token_of(std::string_view key_authorization) { return key_authorization.substr(0, key_authorization.find('.')); }

}  // namespace

CheckRequest acme_check_request(std::string name, AcmeChallengeKind kind, std::string key_authorization) {
  CheckRequest r;
  r.name = std::move(name);
  r.method = dcv_method_of(kind);
  r.kind = token_kind(kind);
  r.key_authorization = std::move(key_authorization);
  return r;
}

std::string_view method_name(const CheckResult& result) {
  switch (result.kind) {
    case TokenKind::AcmeHttp01: return acme_check_method_name(AcmeChallengeKind::Http01);
    case TokenKind::AcmeDns01: return acme_check_method_name(AcmeChallengeKind::Dns01);
    case TokenKind::RequestToken: break;
  }
  return api_name(result.method);
}

std::string key_authorization_problem(std::string_view key_authorization) {
  const auto dot = key_authorization.find('.');
  if (dot == std::string_view::npos) return "it has no '.' between the token and the thumbprint";
  const std::string_view token = key_authorization.substr(0, dot);
  const std::string_view thumbprint = key_authorization.substr(dot + 1);
  if (!acme::is_valid_token(token)) return "its token \"" + std::string(token.substr(0, 130)) + "\" is not 1 to 128 base64url characters";
  if (thumbprint.size() != kThumbprintChars || !acme::is_valid_token(thumbprint))
    return "its thumbprint is not 43 base64url characters (a SHA-256 JWK thumbprint)";
  return {};
}

namespace detail {

std::optional<CheckResult> refuse_acme(const CheckRequest& request, const std::string& canonical_name) {
  if (request.kind == TokenKind::RequestToken) return std::nullopt;
  CheckResult r;
  r.name = canonical_name;
  r.method = request.method;
  r.kind = request.kind;
  if (const auto problem = key_authorization_problem(request.key_authorization); !problem.empty()) {
    r.code = "acme.key_authorization_invalid";
    r.message = "the key authorization given for " + canonical_name + " is not token.thumbprint: " + problem;
  } else if (request.kind == TokenKind::AcmeHttp01 && is_wildcard(canonical_name)) {
    // ca-rule: acme-http01-wildcard
    r.code = "acme.http01_wildcard";
    r.message = "'" + canonical_name + "' is a wildcard: an ACME CA offers no http-01 challenge for it";
  } else {
    return std::nullopt;
  }
  r.hint = std::string(hint_for(r.code, r.kind));
  return r;
}

HttpTarget acme_http_target(const CheckRequest& request) {
  return HttpTarget{request.name, std::string(kAcmeChallengePath) + std::string(token_of(request.key_authorization)),
                    HttpRules::AcmeHttp01};
}

// ca-rule: acme-dns01-owner
std::string acme_dns_owner(std::string_view canonical_name) { return acme_dns01_entry(canonical_name).record; }

std::string acme_dns_value(const CheckRequest& request) { return acme::dns01_txt_value(request.key_authorization); }

}  // namespace detail
}  // namespace dcvkit
