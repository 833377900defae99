// Where a redirect leads and whether the CA would follow it: only 301/302/307/308; Location
// relative (resolved against the current URL) or absolute to http/https on the scheme's default
// port, within the registrable domain of the name being validated.
#pragma once

#include <string>

namespace dcvkit {

bool is_followed_redirect(long status);

struct RedirectTarget {
  std::string url;         // resolved, no fragment, no explicit default port, host lower-cased
  std::string host;        // lower-cased, for CURLOPT_CONNECT_TO
  std::string error_code;  // "" when the CA would follow; else "http.redirect_*" or "http.status_other"
  std::string error_detail;
};

// `site` is registrable_domain() of the name the check started from.
RedirectTarget resolve_redirect(const std::string& current_url, const std::string& location, const std::string& site);

}  // namespace dcvkit
