// What the check lanes make of an ACME request (see acme_check_request in check_batch.hpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "dcvkit/check_batch.hpp"

namespace dcvkit::detail {

// The result of an ACME request that cannot be checked at all (bad key authorization, a wildcard
// for http-01); nothing for a request token or a checkable challenge.
std::optional<CheckResult> refuse_acme(const CheckRequest& request, const std::string& canonical_name);
// http-01: /.well-known/acme-challenge/<token> under Let's Encrypt's fetch rules.
HttpTarget acme_http_target(const CheckRequest& request);
// dns-01: "_acme-challenge.<name>", a wildcard at its base; the value base64url(SHA-256(key authorization)).
std::string acme_dns_owner(std::string_view canonical_name);
std::string acme_dns_value(const CheckRequest& request);

}  // namespace dcvkit::detail
