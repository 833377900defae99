// Where a redirect leads and whether the CA would follow it: only 301/302/307/308; Location
// relative (resolved against the current URL) or absolute to http/https.
// DigiCert: on the scheme's default port, within the registrable domain of the name validated.
// AcmeHttp01 (Boulder va/http.go extractRequestTarget): on port 80 or 443 whatever the scheme, to
// any host name but not to an IP address.
#pragma once

#include <string>

#include "dcvkit/check_http.hpp"

namespace dcvkit {

bool is_followed_redirect(long status);

struct RedirectTarget {
  std::string url;         // resolved, no fragment, no explicit default port, host lower-cased
  std::string host;        // lower-cased, for CURLOPT_CONNECT_TO
  std::string error_code;  // "" when the CA would follow; else "http.redirect_*" or "http.status_other"
  std::string error_detail;
};

// `site` is registrable_domain() of the name the check started from (DigiCert rules only).
RedirectTarget resolve_redirect(const std::string& current_url, const std::string& location, const std::string& site,
                                HttpRules rules = HttpRules::DigiCert);
// The most redirects followed: 5 (DigiCert's DCV library), 10 (Boulder's maxRedirect).
std::size_t max_redirects(HttpRules rules);

}  // namespace dcvkit
