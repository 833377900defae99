// Which API the client talks to, and whether the key can be sent in a header at all.
#include "dcvkit/certcentral.hpp"
#include "util/key_url.hpp"

namespace dcvkit::certcentral {

Result<std::string> resolve_api_url(std::string_view text) {
  if (text == "us") return std::string(kUsApiUrl);
  if (text == "eu") return std::string(kEuApiUrl);
  const KeyUrl checked = check_key_url(std::string(text), "https://");
  if (!checked.problem.empty())
    return make_error(ErrorKind::InvalidInput, "api.bad_url", "--api-url: " + checked.problem,
                      "give us, eu, or a URL like https://www.digicert.com/services/v2");
  if (checked.plain_http && !is_loopback_host(checked.host))
    return make_error(ErrorKind::InvalidInput, "api.insecure_url",
                      "--api-url: plain http would send the API key unencrypted to " + checked.host,
                      "use https (http is allowed only to a loopback address, e.g. a local dcvkit-sandbox --http)");
  return checked.url;
}

Status validate_api_key(std::string_view key) {
  if (key.empty())
    return make_error(ErrorKind::ApiAuth, "api.no_key", "the API key is empty",
                      "put the key from CertCentral (Automation > API keys) in the file or DCVKIT_API_KEY");
  if (!header_safe_key(key))
    return make_error(ErrorKind::InvalidInput, "api.bad_key",
                      "the API key contains spaces, control or non-ASCII characters (not shown)",
                      "the file or variable must hold the key alone (one trailing newline is ignored)");
  return {};
}

}  // namespace dcvkit::certcentral
