// CertCentral's error envelope {"errors":[{"code":"not_found|order","message":"..."}]} turned into
// dcvkit Errors: kind (so the exit code), a stable code "api.<code>[.<detail>]", the API's own
// message, and a hint that says what to do next.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dcvkit/certcentral_transport.hpp"
#include "dcvkit/error.hpp"

namespace dcvkit::certcentral {

struct ApiErrorEntry {
  std::string code;     // "not_found"
  std::string detail;   // "order" (what followed '|'), or ""
  std::string message;  // the API's text, as sent
};

// The entries of an error envelope; empty when `body` is not one.
std::vector<ApiErrorEntry> parse_error_envelope(std::string_view body);

// An HTTP answer that is not a success, or a transport failure. `what` names the call for the
// message: "create the AuthKey", "order 42", ...
Error reply_error(const HttpReply& reply, std::string_view what);

// True when the error (from reply_error) carries this API code, e.g. "auth_key_exists_for_account".
bool has_api_code(const Error& error, std::string_view code);

}  // namespace dcvkit::certcentral
