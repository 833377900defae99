// Where an API key may be sent, and in what form: the rules the CertCentral and PowerDNS clients
// share (a key goes in an HTTP header, in clear text over plain http).
#pragma once

#include <string>
#include <string_view>

namespace dcvkit {

// "localhost", 127.0.0.0/8, ::1; "[::1]" (a URL's bracketed form) too.
bool is_loopback_host(std::string host);

struct KeyUrl {
  std::string url;          // as given, without trailing slashes
  std::string host;         // without the port; an IPv6 literal keeps its brackets
  bool plain_http = false;  // http://: the caller allows it only when is_loopback_host(host)
  std::string problem;      // why the URL cannot be used ("" when it can); the caller adds its prefix and hint
};

// An http:// or https:// URL without spaces or control characters, with a host (at most 253
// characters) and no user info, query or fragment in its authority. `schemes` words the scheme
// problem ("https://", "http:// or https://").
KeyUrl check_key_url(std::string url, std::string_view schemes);

// Printable ASCII without spaces: what can go in a header as it is (a CR/LF would add headers).
bool header_safe_key(std::string_view key);

}  // namespace dcvkit
