// Which API the client talks to, and whether the key can be sent in a header at all.
#include "dcvkit/certcentral.hpp"
#include "util/loopback_host.hpp"

namespace dcvkit::certcentral {

Result<std::string> resolve_api_url(std::string_view text) {
  if (text == "us") return std::string(kUsApiUrl);
  if (text == "eu") return std::string(kEuApiUrl);
  std::string url(text);
  while (!url.empty() && url.back() == '/') url.pop_back();
  const auto bad = [&](const std::string& why) {
    return make_error(ErrorKind::InvalidInput, "api.bad_url", "--api-url: " + why,
                      "give us, eu, or a URL like https://www.digicert.com/services/v2");
  };
  for (char c : url)
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return bad("the URL contains spaces or control characters");
  const bool https = url.rfind("https://", 0) == 0, http = url.rfind("http://", 0) == 0;
  if (!https && !http) return bad("'" + url.substr(0, 60) + "' is not an https:// URL");
  const std::string rest = url.substr(https ? 8 : 7);
  const std::string authority = rest.substr(0, rest.find('/'));
  if (authority.empty() || authority.find('@') != std::string::npos || authority.find('?') != std::string::npos ||
      authority.find('#') != std::string::npos)
    return bad("the URL has no host, or has user info, a query or a fragment");
  std::string host = authority;
  if (host.front() == '[') {
    host.resize(host.find(']') + 1);
  } else if (auto colon = host.rfind(':'); colon != std::string::npos) {
    host.resize(colon);
  }
  // A DNS name has at most 253 characters: a longer host is a local mistake that no retry fixes.
  if (host.size() > 253) return bad("the host name has " + std::to_string(host.size()) + " characters (at most 253)");
  if (http && !is_loopback_host(host))
    return make_error(ErrorKind::InvalidInput, "api.insecure_url",
                      "--api-url: plain http would send the API key unencrypted to " + host,
                      "use https (http is allowed only to a loopback address, e.g. a local dcvkit-sandbox --http)");
  return url;
}

Status validate_api_key(std::string_view key) {
  if (key.empty())
    return make_error(ErrorKind::ApiAuth, "api.no_key", "the API key is empty",
                      "put the key from CertCentral (Automation > API keys) in the file or DCVKIT_API_KEY");
  for (char c : key)
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e)
      return make_error(ErrorKind::InvalidInput, "api.bad_key",
                        "the API key contains spaces, control or non-ASCII characters (not shown)",
                        "the file or variable must hold the key alone (one trailing newline is ignored)");
  return {};
}

}  // namespace dcvkit::certcentral
