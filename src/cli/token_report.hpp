// How the token commands describe a token's window, as text or JSON, in one place.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "dcvkit/token.hpp"

namespace dcvkit::cli {

nlohmann::json window_json(const TokenInspection& info);
// "valid, 29d 23h 59m 59s left" / "expired at ..." / "not yet valid: starts in ..."
std::string status_text(const TokenInspection& info);
// The warning `token new` gives for a token made outside "now", or "" when it is valid now.
std::string window_warning(const TokenInspection& info);

}  // namespace dcvkit::cli
