#include "check/redirect_rules.hpp"

#include <arpa/inet.h>

#include <cctype>

#include "check/curl_handles.hpp"
#include "check/registrable_domain.hpp"
#include "util/strings.hpp"

namespace dcvkit {
namespace {


std::string part(CURLU* u, CURLUPart which, unsigned flags = 0) {
  char* raw = nullptr;
  if (curl_url_get(u, which, &raw, flags) != CURLUE_OK) return {};
  curl::Chars owned(raw);
  return owned ? std::string(owned.get()) : std::string();
}

// "ftp:..." or "mailto:..." that curl could not parse as a URL still has a scheme worth naming.
std::string leading_scheme(const std::string& location) {
  const auto colon = location.find(':');
  if (colon == std::string::npos || colon == 0 || !std::isalpha(static_cast<unsigned char>(location[0]))) return {};
  for (std::size_t i = 0; i < colon; ++i) {
    const auto c = static_cast<unsigned char>(location[i]);
    if (!std::isalnum(c) && c != '+' && c != '-' && c != '.') return {};
  }
  return detail::ascii_lower(location.substr(0, colon));
}

// "192.0.2.1" or "[2001:db8::1]" (curl keeps the brackets of an IPv6 host).
bool is_ip_literal(const std::string& host) {
  if (!host.empty() && host.front() == '[') return true;
  in_addr v4{};
  return inet_pton(AF_INET, host.c_str(), &v4) == 1;
}

RedirectTarget refuse(std::string code, std::string detail) {
  RedirectTarget t;
  t.error_code = std::move(code);
  t.error_detail = std::move(detail);
  return t;
}

}  // namespace

bool is_followed_redirect(long status) { return status == 301 || status == 302 || status == 307 || status == 308; }

std::size_t max_redirects(HttpRules rules) { return rules == HttpRules::AcmeHttp01 ? 10 : 5; }

// ca-rule: acme-http01-redirects
RedirectTarget resolve_redirect(const std::string& current_url, const std::string& location, const std::string& site,
                                HttpRules rules) {
  const bool acme = rules == HttpRules::AcmeHttp01;
  if (location.empty()) return refuse("http.status_other", "redirect from " + current_url + " without a Location");
  curl::Url u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, current_url.c_str(), 0) != CURLUE_OK)
    return refuse("http.status_other", "cannot parse " + current_url);
  // NON_SUPPORT_SCHEME: an ftp:// target must parse, so that it is refused for its scheme.
  if (curl_url_set(u.get(), CURLUPART_URL, location.c_str(), CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
    const auto scheme = leading_scheme(location);
    if (!scheme.empty() && scheme != "http" && scheme != "https")
      return refuse("http.redirect_bad_scheme", current_url + " redirects to " + location + ": only http and https are followed");
    return refuse("http.status_other", current_url + " redirects to an unusable Location: " + location);
  }
  const std::string scheme = detail::ascii_lower(part(u.get(), CURLUPART_SCHEME));
  if (scheme != "http" && scheme != "https")
    return refuse("http.redirect_bad_scheme", current_url + " redirects to " + location + ": only http and https are followed");
  const std::string port = part(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  const std::string default_port = scheme == "http" ? "80" : "443";
  if (acme ? port != "80" && port != "443" : port != default_port)
    return refuse("http.redirect_bad_port", current_url + " redirects to " + location + ": port " + port +
                                                (acme ? " is neither 80 nor 443" : " is not the default port of " + scheme));
  const std::string host = detail::ascii_lower(part(u.get(), CURLUPART_HOST));
  if (acme) {
    if (host.empty()) return refuse("http.status_other", current_url + " redirects to " + location + ": no host");
    if (is_ip_literal(host))
      return refuse("acme.redirect_to_ip", current_url + " redirects to " + location +
                                               ": the CA follows redirects to host names only, not to IP addresses");
  } else if (const std::string target_site = registrable_domain(host); host.empty() || target_site != site) {
    return refuse("http.redirect_offsite", current_url + " redirects to " + location + ": " + (host.empty() ? "no host" : target_site) +
                                               " is not within " + site);
  }
  // One spelling per resource, so that a loop through "HOST:80" and "host" is still seen as one.
  if (port == default_port) curl_url_set(u.get(), CURLUPART_PORT, nullptr, 0);
  curl_url_set(u.get(), CURLUPART_FRAGMENT, nullptr, 0);
  curl_url_set(u.get(), CURLUPART_HOST, host.c_str(), 0);
  RedirectTarget t;
  t.url = part(u.get(), CURLUPART_URL);
  t.host = host;
  if (t.url.empty()) return refuse("http.status_other", current_url + " redirects to an unusable Location: " + location);
  return t;
}

}  // namespace dcvkit
